"""Votes per second in process, against the bare library; and a vote's cost as history grows.

Baseline: the `eventsourcing` library alone saving a new one-event aggregate on the same kind of
store (what any command must at least pay: one transaction writing one event).
"""

import uuid

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from bench.common import median, scratch_postgres, scratch_sqlite, timed
from domain.settings import library_settings
from webapp.storage import close, open_application

VOTES = 300
ROUNDS = 5


class Ballot(Aggregate):
    @event("Cast")
    def __init__(self, position: str):
        self.position = position


class Bare(Application):
    name = "Bare"


def _group(app, members: int):
    chair = str(uuid.uuid4())
    group_id = app.found_group(actor=chair, name="Mesa", purpose="Bench", category="carer",
                               founder_name="Ana", decision_rule={"rule": "majority",
                                                                  "quorum": "1/2"}).id
    voters = [chair]
    for n in range(members - 1):
        voters.append(str(uuid.uuid4()))
        app.admit_member(group_id, actor=chair, member_id=voters[-1], display_name=f"M{n}",
                         category=("service_user", "professional")[n % 2])
    return group_id, voters


def _proposal(app, group_id, chair):
    return app.table_proposal(group_id, actor=chair, title="Horario", body="De tarde",
                              scope="delivery").id


def _vote_rate(url: str) -> float:
    app = open_application(url)
    try:
        group_id, voters = _group(app, 20)
        proposal_id = _proposal(app, group_id, voters[0])
        positions = ("for", "against", "abstain")
        seconds = timed(lambda: [app.cast_vote(proposal_id, actor=voters[n % 20],
                                               position=positions[n % 3])
                                 for n in range(VOTES)])
        return VOTES / seconds
    finally:
        close(app)


def _bare_rate(url: str) -> float:
    bare = Bare(library_settings(url, create_tables=True))
    seconds = timed(lambda: [bare.save(Ballot("for")) for _ in range(VOTES)])
    return VOTES / seconds


def in_process(database: str) -> dict:
    """ROUNDS paired rounds: Reciproca's votes/s and the bare save()/s, each on a fresh store."""
    scratch = scratch_sqlite if database == "sqlite" else scratch_postgres
    ours, bare = [], []
    for _ in range(ROUNDS):
        with scratch() as url:
            ours.append(_vote_rate(url))
        with scratch() as url:
            bare.append(_bare_rate(url))
    ratios = [a / b for a, b in zip(ours, bare)]
    return {"ours": median(ours), "bare": median(bare), "ratio": median(ratios),
            "ratio_range": (min(ratios), max(ratios))}


def history_cost(histories=(100, 1000, 10000), votes: int = 200) -> dict:
    """Seconds per vote on a proposal whose group already holds `history` events."""
    cost = {}
    for history in histories:
        with scratch_sqlite() as url:
            app = open_application(url)
            try:
                group_id, voters = _group(app, 20)
                proposal_id = _proposal(app, group_id, voters[0])
                for n in range(history - 21):
                    app.cast_vote(proposal_id, actor=voters[n % 20], position="for")
                seconds = timed(lambda: [app.cast_vote(proposal_id, actor=voters[n % 20],
                                                       position="against")
                                         for n in range(votes)])
                cost[history] = seconds / votes
            finally:
                close(app)
    return cost
