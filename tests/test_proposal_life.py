"""A proposal's life besides voting, through the application service on a real SQLite file:
deadlines judged by an injected clock, closing by itself exactly once, comments with one level
of replies, and events stored before these attributes existed."""

import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest

from domain.errors import InvalidValue, NotAMember, ProposalClosed
from projections import queries
from tests.helpers import admit, found_group, stored_events
from webapp.storage import close, initialise, open_application


@pytest.fixture
def timed(sqlite_url, clock):
    application = open_application(sqlite_url, clock=clock)
    yield application
    close(application)


def table(app, group_id, actor, **options):
    return app.table_proposal(group_id, actor=actor, title="Abrir los sábados",
                              body="De 10 a 14 h", scope="delivery", **options).id


def events_named(app, name):
    return [e for e in stored_events(app) if type(e).__name__ == name]


@pytest.mark.parametrize("ahead, accepted", [
    (timedelta(minutes=9, seconds=59), False), (timedelta(minutes=10), True),
    (timedelta(days=90), True), (timedelta(days=90, seconds=1), False),
    (-timedelta(hours=1), False)])
def test_a_deadline_is_ten_minutes_to_ninety_days_ahead_by_the_clock(timed, clock, ahead,
                                                                     accepted):
    group_id, chair = found_group(timed)
    closes_at = (clock.now + ahead).isoformat()
    if accepted:
        proposal = timed.proposal(table(timed, group_id, chair, closes_at=closes_at))
        assert proposal.closes_at == (clock.now + ahead).isoformat()
    else:
        with pytest.raises(InvalidValue) as refused:
            table(timed, group_id, chair, closes_at=closes_at)
        assert refused.value.field == "closes_at"
        assert events_named(timed, "Tabled") == []


@pytest.mark.parametrize("value", ["2026-03-02T12:00:00", "next tuesday", 1234,
                                   "9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00"])
def test_a_deadline_needs_a_time_with_its_zone(timed, value):
    group_id, chair = found_group(timed)
    with pytest.raises(InvalidValue) as refused:
        table(timed, group_id, chair, closes_at=value)
    assert refused.value.field == "closes_at"


def test_a_deadline_in_another_zone_is_kept_in_utc_to_the_second(timed, clock):
    group_id, chair = found_group(timed)
    madrid = timezone(timedelta(hours=1))
    local = (clock.now + timedelta(days=2, microseconds=700)).astimezone(madrid)
    proposal = timed.proposal(table(timed, group_id, chair, closes_at=local.isoformat()))
    assert proposal.closes_at == (clock.now + timedelta(days=2)).isoformat()


def test_at_its_deadline_the_proposal_closes_by_itself_once_decided_as_a_person_would(
        timed, clock):
    group_id, chair = found_group(timed)
    member = admit(timed, group_id, chair)
    closes_at = clock.now + timedelta(hours=1)
    pid = table(timed, group_id, chair, closes_at=closes_at.isoformat())
    timed.cast_vote(pid, actor=member, position="for")
    clock.advance(minutes=59, seconds=59)
    assert timed.close_due_proposals([pid]) == []  # not yet due
    timed.cast_vote(pid, actor=chair, position="against")
    clock.advance(seconds=1)
    with pytest.raises(ProposalClosed):  # the deadline passed: no more votes
        timed.cast_vote(pid, actor=chair, position="for")
    with pytest.raises(ProposalClosed):  # nor a person's close
        timed.close_proposal(pid, actor=chair)
    closed = timed.close_due_proposals([pid])
    assert [c.id for c in closed] == [pid]
    assert timed.close_due_proposals([pid]) == []  # exactly once
    [event] = events_named(timed, "Closed")
    assert event.at_deadline is True and event.actor == chair
    assert event.timestamp >= closes_at
    assert event.decision == closed[0].decision
    assert (event.decision["tally"]["for"], event.decision["tally"]["against"]) == (1, 1)
    assert event.decision["outcome"] == "rejected"  # a tie is not a majority
    recorded = events_named(timed, "DecisionRecorded")[-1]
    assert (recorded.proposal_id, recorded.outcome) == (pid, "rejected")
    assert timed.proposal(pid).status == "closed"


def test_a_proposal_closed_or_withdrawn_before_its_deadline_is_left_alone(timed, clock):
    group_id, chair = found_group(timed)
    deadline = (clock.now + timedelta(hours=1)).isoformat()
    closed, withdrawn = (table(timed, group_id, chair, closes_at=deadline) for _ in range(2))
    timed.close_proposal(closed, actor=chair)
    timed.withdraw_proposal(withdrawn, actor=chair)
    clock.advance(hours=2)
    assert timed.close_due_proposals([closed, withdrawn]) == []
    assert [e.at_deadline for e in events_named(timed, "Closed")] == [False]


def test_closing_at_the_deadline_from_two_processes_at_once_records_one_close(
        database_url, app_on, clock):
    """Two applications (standing for two processes) race to close the same proposals."""
    first, second = app_on(database_url, clock=clock), app_on(database_url, clock=clock)
    group_id, chair = found_group(first)
    deadline = (clock.now + timedelta(hours=1)).isoformat()
    pids = [table(first, group_id, chair, closes_at=deadline) for _ in range(5)]
    clock.advance(hours=1)
    start = threading.Barrier(2)

    def close_all(app):
        start.wait()
        return app.close_due_proposals(pids)

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(close_all, (first, second)))
    assert sorted(done.id for result in results for done in result) == sorted(pids)
    closes = events_named(first, "Closed")
    assert sorted(str(e.originator_id) for e in closes) == sorted(pids)
    assert len(events_named(first, "DecisionRecorded")) == 5


def test_the_proposer_having_left_does_not_stop_the_deadline(timed, clock):
    group_id, chair = found_group(timed)
    member = admit(timed, group_id, chair)
    pid = table(timed, group_id, member, closes_at=(clock.now + timedelta(hours=1)).isoformat())
    timed.leave_group(group_id, actor=member, member_id=member)
    clock.advance(hours=1)
    [done] = timed.close_due_proposals([pid])
    assert done.decision["eligible"] == [chair]
    assert events_named(timed, "Closed")[0].actor == member


def test_comments_take_one_level_of_replies_from_any_member(timed):
    group_id, chair = found_group(timed)
    observer = admit(timed, group_id, chair, role="observer")
    pid = table(timed, group_id, chair)
    first = timed.comment_on_proposal(pid, actor=observer, body="¿Y el transporte?")
    reply = timed.comment_on_proposal(pid, actor=chair, body="Lo vemos", reply_to=first.id)
    with pytest.raises(InvalidValue) as nested:
        timed.comment_on_proposal(pid, actor=observer, body="Gracias", reply_to=reply.id)
    assert nested.value.field == "reply_to" and first.id in nested.value.message
    with pytest.raises(InvalidValue):
        timed.comment_on_proposal(pid, actor=chair, body="?", reply_to="not-an-id")
    with pytest.raises(InvalidValue):
        timed.comment_on_proposal(pid, actor=chair, body="?", reply_to=pid)
    with pytest.raises(NotAMember):
        timed.comment_on_proposal(pid, actor=str(uuid.uuid4()), body="Hola")
    with pytest.raises(InvalidValue):
        timed.comment_on_proposal(pid, actor=chair, body="   ")
    comments = timed.proposal(pid).comments
    assert [(c["author"], c["reply_to"]) for c in comments] == [(observer, None),
                                                                (chair, first.id)]
    assert timed.texts.text(comments[0]["body"]) == "¿Y el transporte?"
    assert [e.comment_id for e in events_named(timed, "Commented")] == [first.id, reply.id]


def test_a_repeated_comment_request_comments_once(timed):
    group_id, chair = found_group(timed)
    pid = table(timed, group_id, chair)
    first = timed.comment_on_proposal(pid, actor=chair, body="Uno", request_id="k1")
    again = timed.comment_on_proposal(pid, actor=chair, body="Uno", request_id="k1")
    assert first.id == again.id and len(events_named(timed, "Commented")) == 1


def test_no_comment_once_the_proposal_is_closed(timed):
    group_id, chair = found_group(timed)
    pid = table(timed, group_id, chair)
    timed.close_proposal(pid, actor=chair)
    with pytest.raises(ProposalClosed):
        timed.comment_on_proposal(pid, actor=chair, body="Tarde")


def test_events_stored_before_deadlines_read_as_without_one(timed):
    """A Tabled and a Closed stored in their first form (no closes_at, no at_deadline)."""
    group_id, chair = found_group(timed)
    pid = table(timed, group_id, chair)
    timed.close_proposal(pid, actor=chair)
    with timed.recorder.datastore.transaction(commit=True) as cursor:
        cursor.execute("SELECT rowid, state FROM stored_events WHERE topic IN "
                       "('reciproca/Proposal.Tabled', 'reciproca/Proposal.Closed')")
        for rowid, state in cursor.fetchall():
            old = json.loads(state)
            for new in ("closes_at", "at_deadline", "class_version"):
                old.pop(new, None)
            cursor.execute("UPDATE stored_events SET state = ? WHERE rowid = ?",
                           (json.dumps(old).encode(), rowid))
    proposal = timed.proposal(pid)
    assert proposal.closes_at is None and proposal.status == "closed"
    assert events_named(timed, "Closed")[0].at_deadline is False


# Read models -------------------------------------------------------------------------------

def test_the_proposal_view_keeps_versions_comments_deadline_and_how_it_ended(
        sqlite_url, projected, clock):
    app, runner = projected(sqlite_url, clock=clock)
    group_id, chair = found_group(app)
    member = admit(app, group_id, chair)
    closes_at = clock.now + timedelta(days=1)
    pid = table(app, group_id, chair, closes_at=closes_at.isoformat())
    first = app.comment_on_proposal(pid, actor=member, body="¿Y los domingos?")
    app.comment_on_proposal(pid, actor=chair, body="Otro día", reply_to=first.id)
    app.amend_proposal(pid, actor=chair, title="Abrir sábados y domingos", body="De 10 a 14 h")
    app.cast_vote(pid, actor=member, position="for")
    runner.catch_up()
    assert queries.due_proposals(runner.views, clock.now) == []
    clock.advance(days=1)
    assert queries.due_proposals(runner.views, clock.now) == [pid]
    app.close_due_proposals(queries.due_proposals(runner.views, clock.now))
    runner.catch_up()
    assert queries.due_proposals(runner.views, clock.now) == []
    [view] = queries.proposal_page(runner.views, group_id)["proposals"]
    texts = app.texts.read([v["title"]["text_id"] for v in view["history"]])
    assert list(texts.values()) == ["Abrir los sábados", "Abrir sábados y domingos"]
    assert view["versions"] == 2 and view["title"] == view["history"][-1]["title"]
    assert [(c["author"], c["reply_to"]) for c in view["comments"]] == [
        (member, None), (chair, first.id)]
    assert view["closes_at"] == closes_at.isoformat()
    assert (view["status"], view["at_deadline"], view["decision"]["outcome"]) == (
        "closed", True, "carried")
    assert view["tally"]["for"] == 1


def test_proposals_are_listed_newest_first_by_status_in_pages(sqlite_url, projected):
    app, runner = projected(sqlite_url)
    group_id, chair = found_group(app)
    other_group, other_chair = found_group(app)
    pids = [table(app, group_id, chair) for _ in range(5)]
    table(app, other_group, other_chair)
    app.close_proposal(pids[1], actor=chair)
    app.withdraw_proposal(pids[3], actor=chair)
    runner.catch_up()

    def listed(**options):
        return [p["id"] for p in queries.proposal_page(runner.views, group_id,
                                                       **options)["proposals"]]

    assert listed() == pids[::-1]
    assert listed(status="open") == [pids[4], pids[2], pids[0]]
    assert listed(status="closed") == [pids[1]]
    assert listed(status="withdrawn") == [pids[3]]
    page = queries.proposal_page(runner.views, group_id, status="open", limit=2)
    assert [p["id"] for p in page["proposals"]] == [pids[4], pids[2]]
    assert listed(status="open", before=page["next_before"], limit=2) == [pids[0]]
    assert queries.proposal_page(runner.views, group_id, status="open", limit=3)[
        "next_before"] is not None
    assert queries.proposal_page(runner.views, group_id, status="open", limit=4)[
        "next_before"] is None


def test_init_remakes_views_of_an_older_shape_and_the_runner_folds_them_again(
        sqlite_url, projected):
    app, runner = projected(sqlite_url)
    group_id, chair = found_group(app)
    pid = table(app, group_id, chair)
    runner.catch_up()
    with runner.views.datastore.transaction(commit=True) as cursor:  # as the first version
        cursor.execute("DROP TABLE view_proposals")
        cursor.execute("CREATE TABLE view_proposals (proposal_id TEXT PRIMARY KEY, "
                       "group_id TEXT NOT NULL, state TEXT NOT NULL)")
        cursor.execute("DROP TABLE view_version")
    assert initialise(sqlite_url) is True
    assert initialise(sqlite_url) is False
    _, again = projected(sqlite_url)
    assert again.position == 0
    again.catch_up()
    assert [p["id"] for p in queries.proposal_page(again.views, group_id)["proposals"]] == [pid]
