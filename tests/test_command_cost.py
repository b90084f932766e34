"""What a command costs, counted rather than timed: aggregate replays, events read and writes;
and what a request costs: SQL statements, database connections opened, aggregates copied.

A vote must cost the same however long the group's history: aggregates come from the cache and
are brought up to date with only the events stored since, by this process or another one. A
cached aggregate is copied only by a command that changes it; one that reads it, or a request,
copies nothing.
"""

import copy
import sqlite3
import threading
import uuid
from collections import Counter

import eventsourcing.application
import pytest

import domain.application
from domain.errors import NotAMember, ProposalClosed
from tests.conftest import PASSWORD
from tests.helpers import admit, found_group
from webapp.app import create_app


class Meter:
    """Counts full replays per aggregate, events read and event-store writes of one app."""

    def __init__(self, app, monkeypatch):
        self.replays, self.events_read, self.writes, self.reads = Counter(), 0, 0, 0
        repository, recorder = app.repository, app.recorder
        reconstruct, select, insert = (repository._reconstruct_aggregate, recorder.select_events,
                                       recorder.insert_events)

        def counted_reconstruct(aggregate_id, *args, **kwargs):
            self.replays[aggregate_id] += 1
            return reconstruct(aggregate_id, *args, **kwargs)

        def counted_select(*args, **kwargs):
            found = select(*args, **kwargs)
            self.reads += 1
            self.events_read += len(found)
            return found

        def counted_insert(*args, **kwargs):
            self.writes += 1
            return insert(*args, **kwargs)

        monkeypatch.setattr(repository, "_reconstruct_aggregate", counted_reconstruct)
        monkeypatch.setattr(recorder, "select_events", counted_select)
        monkeypatch.setattr(recorder, "insert_events", counted_insert)

    def reset(self):
        self.replays.clear()
        self.events_read = self.writes = self.reads = 0


def busy_group(app, members: int, votes: int):
    """A group whose proposal has a long history of changed votes; returns ids."""
    group_id, chair = found_group(app)
    voters = [admit(app, group_id, chair) for _ in range(members)]
    proposal_id = app.table_proposal(group_id, actor=chair, title="Horario", body="De tarde",
                                     scope="delivery").id
    for n in range(votes):
        app.cast_vote(proposal_id, actor=voters[n % members], position=("for", "against")[n % 2])
    return group_id, chair, voters, proposal_id


@pytest.mark.parametrize("history", [10, 400])
def test_a_vote_replays_nothing_once_cached_whatever_the_history(app_on, sqlite_url, monkeypatch,
                                                                  history):
    app = app_on(sqlite_url)
    _, _, voters, proposal_id = busy_group(app, members=6, votes=history)
    meter = Meter(app, monkeypatch)
    for n in range(5):
        meter.reset()
        app.cast_vote(proposal_id, actor=voters[n], position="abstain")
        assert meter.replays == Counter()
        assert meter.writes == 1
        # Only what was stored since the last load is read: the previous vote, nothing older.
        assert meter.events_read <= 2


def test_a_cold_process_replays_each_aggregate_at_most_once_per_command(app_on, sqlite_url,
                                                                        monkeypatch):
    writer = app_on(sqlite_url)
    group_id, chair, voters, proposal_id = busy_group(writer, members=4, votes=30)
    cold = app_on(sqlite_url)  # another process: nothing cached
    meter = Meter(cold, monkeypatch)
    cold.cast_vote(proposal_id, actor=voters[0], position="for")
    assert set(meter.replays.values()) == {1}
    assert set(meter.replays) == {uuid.UUID(proposal_id), uuid.UUID(group_id)}
    meter.reset()
    decision = cold.close_proposal(proposal_id, actor=chair).decision
    assert meter.replays == Counter() and meter.writes == 1
    assert decision["outcome"] in ("carried", "rejected", "no_quorum")


def test_a_cached_aggregate_sees_what_another_process_wrote(app_on, sqlite_url):
    one, other = app_on(sqlite_url), app_on(sqlite_url)
    group_id, chair = found_group(one)
    ana, bea = admit(one, group_id, chair), admit(one, group_id, chair)
    proposal_id = one.table_proposal(group_id, actor=chair, title="Horario", body="De tarde",
                                     scope="delivery").id
    one.cast_vote(proposal_id, actor=ana, position="for")      # `one` caches the proposal
    other.cast_vote(proposal_id, actor=ana, position="against")  # changed elsewhere
    other.cast_vote(proposal_id, actor=bea, position="against")
    other.leave_group(group_id, actor=bea, member_id=bea)       # and the group too
    decision = one.close_proposal(proposal_id, actor=chair).decision
    assert decision["counted"] == {ana: "against"}
    assert decision["void"] == [bea]
    assert decision["outcome"] == "rejected"


def test_reading_an_aggregate_copies_nothing_and_changing_it_copies_it_once(app, monkeypatch):
    group_id, chair = found_group(app)
    voter = admit(app, group_id, chair)
    proposal_id = app.table_proposal(group_id, actor=chair, title="Horario", body="De tarde",
                                     scope="delivery").id
    copies = _count_copies(monkeypatch)
    read = app.proposal(proposal_id)
    assert app.proposal(proposal_id) is read and app.group(group_id) is app.group(group_id)
    assert copies["aggregates"] == 0
    app.cast_vote(proposal_id, actor=voter, position="for")
    assert copies["aggregates"] == 1  # the proposal it changes; not the group it only reads
    assert read.ballots == {}  # a reader's object never changes under it
    assert app.proposal(proposal_id).ballots == {voter: "for"}
    copies.clear()
    refused = app.proposal(proposal_id)
    with pytest.raises(NotAMember):
        app.cast_vote(proposal_id, actor=str(uuid.uuid4()), position="for")  # not a member
    assert app.proposal(proposal_id) is refused and refused.ballots == {voter: "for"}


class Requests:
    """A web app on a real SQLite file whose connections report each statement: counts per
    request of the statements sent (transaction control included), the connections opened and
    the aggregates deep-copied, on the thread serving the request."""

    def __init__(self, url: str, monkeypatch):
        self.counts, self.thread = Counter(), threading.current_thread()
        connect = sqlite3.connect

        def counted_connect(*args, **kwargs):
            if threading.current_thread() is self.thread:
                self.counts["connections"] += 1
            connection = connect(*args, **kwargs)
            connection.set_trace_callback(self._statement)
            return connection

        monkeypatch.setattr(sqlite3, "connect", counted_connect)
        self.copies = _count_copies(monkeypatch)
        monkeypatch.setenv("RECIPROCA_DATABASE_URL", url)
        self.web = create_app({"SECRET_KEY": "test-" + "k" * 40})
        self.found = self.web.extensions["reciproca"]
        self.client = self.web.test_client()

    def _statement(self, _sql: str) -> None:
        if threading.current_thread() is self.thread:
            self.counts["statements"] += 1

    def cost(self, request) -> dict:
        self.counts.clear()
        self.copies.clear()
        answer = request()
        assert answer.status_code < 300, answer.get_json()
        return {"statements": self.counts["statements"],
                "connections": self.counts["connections"], "copies": self.copies["aggregates"]}

    def close(self) -> None:
        self.found.close()


def _count_copies(monkeypatch) -> Counter:
    """Counts aggregates deep-copied by the application or the library's repository."""
    counted = Counter()

    def counted_deepcopy(value, memo=None):
        if memo is None:
            counted["aggregates"] += 1
        return copy.deepcopy(value, memo)

    monkeypatch.setattr(domain.application, "deepcopy", counted_deepcopy)
    monkeypatch.setattr(eventsourcing.application, "deepcopy", counted_deepcopy)
    return counted


@pytest.mark.parametrize("history", [10, 400])
def test_a_request_opens_no_connection_copies_nothing_read_only_and_costs_the_same_at_any_history(
        sqlite_url, monkeypatch, history):
    requests = Requests(sqlite_url, monkeypatch)
    try:
        accounts, client, app = requests.found.accounts, requests.client, requests.found.app
        auth = []
        for n in range(4):
            person = accounts.add_person(f"p{n}@example.org", f"P{n}", PASSWORD)
            auth.append({"Authorization": f"Bearer {accounts.create_token(person)}"})
        group_id = client.post("/api/groups", headers=auth[0], json={
            "name": "Mesa", "purpose": "p", "category": "carer",
            "decision_rule": {"rule": "majority", "quorum": "1/2"}}).json["id"]
        voters = [accounts.person_by_email("p0@example.org")["person_id"]]
        for n in range(1, 4):
            voters.append(client.post(f"/api/groups/{group_id}/members", headers=auth[0], json={
                "email": f"p{n}@example.org", "category": "professional"}).json["member_id"])
        proposal_id = client.post(f"/api/groups/{group_id}/proposals", headers=auth[0], json={
            "title": "t", "body": "b", "scope": "delivery"}).json["id"]
        for n in range(history):
            app.cast_vote(proposal_id, actor=voters[n % 4], position="for")
        assert requests.found.runner.wait_for(app.recorder.max_notification_id(), 30)

        def vote(n, **headers):
            return lambda: client.post(f"/api/proposals/{proposal_id}/votes",
                                       headers={**auth[n % 4], **headers},
                                       json={"position": ("for", "against")[n % 2]})

        def read():
            return client.get(f"/api/groups/{group_id}/record?limit=100", headers=auth[1])

        for n in range(4):  # each person's first request may open a pooled connection
            requests.cost(vote(n))
            requests.cost(read)
        # A vote: the token (1), the membership from the read models (3: the library's reads
        # are BEGIN, SELECT, ROLLBACK), the group's events since cached (3; the proposal's are
        # not read: its save would conflict), the insert (3). With an Idempotency-Key, its
        # claim (3) and its answer (3).
        votes = [requests.cost(vote(n)) for n in range(4)]
        assert votes == [{"statements": 10, "connections": 0, "copies": 1}] * 4
        keyed = [requests.cost(vote(n, **{"Idempotency-Key": f"k{n}"})) for n in range(4)]
        assert keyed == [{"statements": 16, "connections": 0, "copies": 1}] * 4
        # A record page: the token, the membership, the group's state, the page, its
        # proposals, the texts, the names (accounts, the group's events since cached, texts).
        reads = [requests.cost(read) for _ in range(3)]
        assert reads == [{"statements": 18, "connections": 0, "copies": 0}] * 3
    finally:
        requests.close()


def test_a_stale_cached_proposal_never_lets_through_what_the_stored_one_refuses(app_on,
                                                                              sqlite_url):
    """A command that changes a proposal starts from the cached copy without reading what other
    processes stored since: its save then conflicts, and it is decided again on the stored one."""
    one, other = app_on(sqlite_url), app_on(sqlite_url)
    group_id, chair = found_group(one)
    ana = admit(one, group_id, chair)
    proposal_id = one.table_proposal(group_id, actor=chair, title="Horario", body="De tarde",
                                     scope="delivery").id
    one.cast_vote(proposal_id, actor=ana, position="for")  # `one` caches the proposal
    other.cast_vote(proposal_id, actor=ana, position="against", request_id="key-1")
    written = one.recorder.max_notification_id()
    one.cast_vote(proposal_id, actor=ana, position="against", request_id="key-1")  # a retry
    assert one.recorder.max_notification_id() == written  # recognised: nothing written twice
    other.close_proposal(proposal_id, actor=chair)
    with pytest.raises(ProposalClosed):
        one.cast_vote(proposal_id, actor=ana, position="for")
    assert one.recorder.max_notification_id() == written + 2  # the close and its decision
    assert one.proposal(proposal_id).ballots == {ana: "against"}


def test_creating_reads_the_store_first_only_for_an_id_a_request_id_may_repeat(app, monkeypatch):
    group_id, chair = found_group(app)
    meter = Meter(app, monkeypatch)
    # The group's events since cached; with a request id, whether its proposal exists first
    # (the repeat finds it, so it loads no group and writes nothing).
    for request_id, reads, writes in ((None, 1, 1), ("key-1", 2, 1), ("key-1", 1, 0)):
        meter.reset()
        app.table_proposal(group_id, actor=chair, title="Horario", body="De tarde",
                           scope="delivery", request_id=request_id)
        assert (meter.reads, meter.writes) == (reads, writes), request_id
