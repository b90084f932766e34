"""What the store keeps, on a real SQLite file and on PostgreSQL (the same tests, parametrised)."""

from datetime import datetime, timedelta, timezone

from tests.helpers import admit, event_names, found_group, stored_events
from webapp.storage import initialise


def test_a_fresh_process_rebuilds_the_same_aggregates(database_url, app_on):
    app = app_on(database_url)
    group_id, chair = found_group(app)
    member = admit(app, group_id, chair, category="carer")
    proposal_id = app.table_proposal(group_id, actor=member, title="Grupo de apoyo",
                                     body="Los jueves", scope="design").id
    app.cast_vote(proposal_id, actor=chair, position="for", reason="Buena idea")
    app.cast_vote(proposal_id, actor=member, position="block")
    app.close_proposal(proposal_id, actor=chair)

    fresh = app_on(database_url)
    assert fresh.group(group_id) == app.group(group_id)
    assert fresh.proposal(proposal_id) == app.proposal(proposal_id)
    assert fresh.proposal(proposal_id).decision["outcome"] == "rejected"


def test_events_are_stored_under_stable_explicit_topics(database_url, app_on):
    app = app_on(database_url)
    found_group(app)
    topics = [n.topic for n in app.recorder.select_notifications(start=1, limit=10)]
    assert topics == ["reciproca/Group.Founded", "reciproca/Group.MemberJoined",
                      "reciproca/Group.RoleAssigned"]


def test_free_text_and_names_stay_out_of_the_log(database_url, app_on):
    app = app_on(database_url)
    group_id, chair = found_group(app)
    proposal_id = app.table_proposal(group_id, actor=chair, title="Ingreso de Marta",
                                     body="Diagnóstico reservado", scope="risk").id
    app.cast_vote(proposal_id, actor=chair, position="for", reason="Lo sabe su familia")
    stored = b"".join(n.state for n in app.recorder.select_notifications(start=1, limit=100))
    for secret in (b"Marta", b"reservado", b"familia", "Lucía".encode()):
        assert secret not in stored
    title = app.proposal(proposal_id).versions[0]["title"]
    assert app.texts.text(title) == "Ingreso de Marta"


def test_a_repeated_request_creates_and_counts_nothing_twice(database_url, app_on):
    app = app_on(database_url)
    group_id, chair = found_group(app)
    table = dict(actor=chair, title="Horario", body="Sábados", scope="delivery",
                 request_id="key-1")
    first = app.table_proposal(group_id, **table)
    again = app.table_proposal(group_id, **table)
    assert again.id == first.id and again.position >= first.position
    app.cast_vote(first.id, actor=chair, position="for", request_id="vote-1")
    app.cast_vote(first.id, actor=chair, position="for", request_id="vote-1")
    assert event_names(app).count("Tabled") == 1
    assert event_names(app).count("VoteCast") == 1


def test_init_is_idempotent_and_keeps_what_was_stored(database_url, app_on):
    app = app_on(database_url)
    group_id, _ = found_group(app)
    initialise(database_url)
    assert app_on(database_url).group(group_id).members == app.group(group_id).members


def test_event_times_never_go_backwards_within_a_group(database_url, app_on):
    times = iter([datetime(2026, 3, 1, tzinfo=timezone.utc) + timedelta(minutes=m)
                  for m in (10, 5, 0, 20)])
    app = app_on(database_url, clock=lambda: next(times))
    group_id, chair = found_group(app)
    admit(app, group_id, chair)
    stamps = [e.timestamp for e in stored_events(app)]
    assert stamps == sorted(stamps)


def test_a_stray_library_variable_cannot_redirect_the_store(database_url, app_on, tmp_path,
                                                             monkeypatch):
    monkeypatch.setenv("RECIPROCA_SQLITE_DBNAME", str(tmp_path / "elsewhere.sqlite"))
    monkeypatch.setenv("PERSISTENCE_MODULE", "eventsourcing.popo")
    app = app_on(database_url)
    group_id, _ = found_group(app)
    monkeypatch.undo()
    assert app_on(database_url).group(group_id)
    assert not (tmp_path / "elsewhere.sqlite").exists()
