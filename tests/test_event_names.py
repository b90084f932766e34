"""The read side keys on stable event names taken from the stored topic, never on Python class
names: a renamed event class that keeps its topic keeps folding."""

import pytest

from domain.group import Group
from domain.proposal import Proposal
from projections import queries
from projections.events import event_name, event_view
from tests.helpers import admit, found_group, stored_events


def test_the_name_is_the_last_segment_of_the_topic():
    assert event_name("reciproca/Proposal.VoteCast") == "VoteCast"
    assert event_name("reciproca/Group.Founded") == "Founded"
    assert event_name("some.module:Outer.Inner") == "Inner"


@pytest.fixture
def renamed():
    """Rename event classes (name and qualified name, as an edit of the code would) for a test;
    their explicit topics stay as they are."""
    saved = []

    def rename(event_class, new_name):
        saved.append((event_class, event_class.__name__, event_class.__qualname__))
        event_class.__name__, event_class.__qualname__ = new_name, f"Renamed.{new_name}"

    yield rename
    for event_class, name, qualname in saved:
        event_class.__name__, event_class.__qualname__ = name, qualname


def test_a_renamed_event_class_keeps_folding(sqlite_url, projected, renamed):
    app, runner = projected(sqlite_url)
    group_id, chair = found_group(app)
    member = admit(app, group_id, chair)
    proposal_id = app.table_proposal(group_id, actor=chair, title="Horario", body="Sábados",
                                     scope="delivery").id
    renamed(Proposal.VoteCast, "BallotCast")
    renamed(Group.MemberJoined, "Admitted")
    app.cast_vote(proposal_id, actor=chair, position="for")
    app.cast_vote(proposal_id, actor=member, position="against")
    admit(app, group_id, chair, category="carer")
    runner.catch_up()

    assert type(stored_events(app)[-1]).__name__ == "Admitted"  # the class is renamed...
    record = queries.shared_record(runner.views, group_id)
    names = [entry["type"] for entry in record["entries"]]
    assert names.count("VoteCast") == 2 and names.count("MemberJoined") == 3  # ...not its name
    [proposal] = record["proposals"]
    assert proposal["tally"] == {"for": 1, "against": 1, "abstain": 0, "block": 0}
    assert len(record["members"]) == 3
    last_vote = [e for e in stored_events(app) if isinstance(e, Proposal.VoteCast)][-1]
    assert event_view(last_vote, 99)["type"] == "VoteCast"
