"""A runner that has been following the log rebuilds to exactly what it had (no cached state
from before the rebuild is folded again)."""

from hypothesis import given
from hypothesis import strategies as st

from domain.rules import tally_of
from domain.vocabulary import POSITIONS
from projections import queries
from projections.record import fold_proposal
from webapp.demo import StoryClock, load_demo


def everything(views, group_id, as_of=None):
    return {"balance": queries.power_balance(views, group_id, as_of),
            "principles": queries.principles(views, group_id, as_of),
            "level": queries.level(views, group_id, as_of),
            "record": queries.shared_record(views, group_id, as_of=as_of, limit=500),
            "series": queries.series(views, group_id, as_of)}


def test_rebuild_by_a_live_runner_equals_what_it_had_followed(database_url, projected):
    clock = StoryClock()
    app, runner = projected(database_url, clock=clock)
    group_id = load_demo(app, clock).group_id
    runner.catch_up()
    live, at_100 = everything(runner.views, group_id), everything(runner.views, group_id, 100)
    assert runner.rebuild() == app.recorder.max_notification_id()
    assert everything(runner.views, group_id) == live
    assert everything(runner.views, group_id, 100) == at_100


@given(st.lists(st.tuples(st.integers(0, 5), st.sampled_from(POSITIONS)), max_size=40))
def test_a_proposals_tally_follows_each_vote_as_a_recount_of_its_ballots(votes):
    """The record's tally is kept vote by vote (a vote replaces the voter's earlier ballot);
    it always equals counting the latest ballot of every voter."""
    event = {"aggregate_id": "p", "group_id": "g", "actor": "a", "position": 1, "time": "t"}
    view = fold_proposal(None, {**event, "type": "Tabled", "data": {
        "title": None, "body": None, "scope": "delivery", "kind": "ordinary", "rule": None,
        "change": None}})
    latest = {}
    for n, (voter, position) in enumerate(votes):
        view = fold_proposal(view, {**event, "type": "VoteCast", "position": n + 2, "data": {
            "voter": str(voter), "position": position, "reason": None}})
        latest[str(voter)] = position
        assert view["tally"] == tally_of(latest.values())
