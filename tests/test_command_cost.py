"""What a command costs, counted rather than timed: aggregate replays, events read and writes.

A vote must cost the same however long the group's history: aggregates come from the cache and
are brought up to date with only the events stored since, by this process or another one.
"""

import uuid
from collections import Counter

import pytest

from tests.helpers import admit, found_group


class Meter:
    """Counts full replays per aggregate, events read and event-store writes of one app."""

    def __init__(self, app, monkeypatch):
        self.replays, self.events_read, self.writes = Counter(), 0, 0
        repository, recorder = app.repository, app.recorder
        reconstruct, select, insert = (repository._reconstruct_aggregate, recorder.select_events,
                                       recorder.insert_events)

        def counted_reconstruct(aggregate_id, *args, **kwargs):
            self.replays[aggregate_id] += 1
            return reconstruct(aggregate_id, *args, **kwargs)

        def counted_select(*args, **kwargs):
            found = select(*args, **kwargs)
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
        self.events_read = self.writes = 0


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
