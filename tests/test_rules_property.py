"""Property tests: decide() against a small reference written straight from shared/coproduction.md.

The reference below does not use DecisionRule.carries nor any private helper of domain.rules: it
restates the semantics table ("Decision rules (reference semantics)") and the pivotal-vote
definition ("Power balance", pivotal share) with plain Fraction arithmetic and brute force.
"""

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.rules import DecisionRule, decide

POSITIONS = ("for", "against", "abstain", "block")
RULES = ("majority", "supermajority", "consensus", "consent")
MEMBERS = [f"m{i:02d}" for i in range(12)]
OUTSIDERS = ["x0", "x1", "x2", "x3"]

# raw input -> the exact fraction it stands for (None = the documented default)
QUORUMS = {None: Fraction(1, 2), "0": Fraction(0), "1/3": Fraction(1, 3), "1/2": Fraction(1, 2),
           "0.5": Fraction(1, 2), "2/3": Fraction(2, 3), "1": Fraction(1)}
THRESHOLDS = {None: Fraction(2, 3), "2/3": Fraction(2, 3), "3/4": Fraction(3, 4), "1": Fraction(1),
              "51/100": Fraction(51, 100), "0.75": Fraction(3, 4)}


# ---- the reference --------------------------------------------------------------------------
def ref_carried(rule: str, t: Fraction | None, counted: dict[str, str]) -> bool:
    """The semantics table; block counts as against under majority and supermajority."""
    positions = list(counted.values())
    f, a, s, b = (positions.count(p) for p in POSITIONS)
    if rule == "majority":
        return f > a + b
    if rule == "supermajority":
        return f > 0 and Fraction(f, f + a + b) >= t
    if rule == "consensus":
        return f >= 1 and a == 0 and b == 0
    if rule == "consent":
        return b == 0 and f >= 1
    raise AssertionError(rule)


def ref_outcome(rule, q, t, eligible, counted) -> tuple[Fraction, bool, str]:
    turnout = Fraction(len(counted), len(eligible)) if eligible else Fraction(0)
    quorum_met = turnout >= q
    if not quorum_met:
        return turnout, False, "no_quorum"
    return turnout, True, "carried" if ref_carried(rule, t, counted) else "rejected"


def ref_decide(rule, q, t, eligible, ballots) -> dict:
    eligible = set(eligible)
    counted = {v: p for v, p in ballots.items() if v in eligible}
    void = sorted(v for v in ballots if v not in eligible)
    turnout, quorum_met, outcome = ref_outcome(rule, q, t, eligible, counted)
    pivotal = []
    if outcome != "no_quorum":
        for voter, position in counted.items():
            # flip this vote alone, as the definition says, and decide again
            if outcome == "carried" and position == "for":
                flipped = {**counted, voter: "against"}
                if ref_outcome(rule, q, t, eligible, flipped)[2] != "carried":
                    pivotal.append(voter)
            elif outcome == "rejected" and position in ("against", "block"):
                flipped = {**counted, voter: "for"}
                if ref_outcome(rule, q, t, eligible, flipped)[2] == "carried":
                    pivotal.append(voter)
    return {
        "counted": counted,
        "void": void,
        "tally": {p: list(counted.values()).count(p) for p in POSITIONS},
        "turnout": turnout,
        "quorum_met": quorum_met,
        "outcome": outcome,
        "pivotal": sorted(pivotal),
    }


# ---- strategies -----------------------------------------------------------------------------
@st.composite
def cases(draw):
    rule = draw(st.sampled_from(RULES))
    quorum = draw(st.sampled_from(sorted(QUORUMS, key=str)))
    threshold = draw(st.sampled_from(sorted(THRESHOLDS, key=str))) if rule == "supermajority" else None
    eligible = draw(st.lists(st.sampled_from(MEMBERS), unique=True, max_size=12))
    # each eligible member votes or not (weighted so that quorums are often met and every
    # outcome occurs), then some members who are not eligible and some outsiders vote too
    choice = st.sampled_from([None, None, "for", "for", "for", "against", "abstain", "block"])
    own = draw(st.lists(choice, min_size=len(eligible), max_size=len(eligible)))
    ballots = {voter: position for voter, position in zip(eligible, own) if position is not None}
    others = [v for v in MEMBERS + OUTSIDERS if v not in eligible]
    if others:
        ballots.update(draw(st.dictionaries(st.sampled_from(others), st.sampled_from(POSITIONS),
                                            max_size=4)))
    ballots = dict(draw(st.permutations(list(ballots.items()))))  # insertion order is random
    return rule, quorum, threshold, eligible, ballots


# ---- properties -----------------------------------------------------------------------------
@settings(max_examples=300, deadline=None)
@given(cases())
def test_decide_matches_reference(case):
    rule, quorum, threshold, eligible, ballots = case
    q = QUORUMS[quorum]
    t = THRESHOLDS[threshold] if rule == "supermajority" else None
    expected = ref_decide(rule, q, t, eligible, ballots)

    result = decide(DecisionRule.parse(rule, quorum, threshold), eligible, ballots)

    assert result["outcome"] == expected["outcome"]
    assert result["tally"] == expected["tally"]
    assert Fraction(result["turnout"]) == expected["turnout"]
    assert isinstance(result["turnout"], str)
    assert result["quorum_met"] == expected["quorum_met"]
    assert result["void"] == expected["void"]
    assert result["counted"] == expected["counted"]
    assert result["eligible"] == sorted(eligible)
    assert result["pivotal"] == expected["pivotal"]
    expected_rule = {"rule": rule, "quorum": str(q)}
    if t is not None:
        expected_rule["threshold"] = str(t)
    assert result["rule"] == expected_rule


@settings(max_examples=300, deadline=None)
@given(cases())
def test_pivotal_voters_cast_a_counted_non_abstain_vote(case):
    rule, quorum, threshold, eligible, ballots = case
    result = decide(DecisionRule.parse(rule, quorum, threshold), eligible, ballots)
    for voter in result["pivotal"]:
        assert voter in result["counted"]
        assert result["counted"][voter] in ("for", "against", "block")
        assert result["counted"][voter] != "abstain"
    if result["outcome"] == "no_quorum":
        assert result["pivotal"] == []
    if result["outcome"] == "carried":
        assert all(result["counted"][v] == "for" for v in result["pivotal"])
    if result["outcome"] == "rejected":
        assert all(result["counted"][v] in ("against", "block") for v in result["pivotal"])


@settings(max_examples=300, deadline=None)
@given(cases())
def test_flipping_exactly_the_pivotal_votes_changes_the_outcome(case):
    # metamorphic: re-running decide() with one vote flipped changes the outcome exactly for the
    # voters it lists as pivotal (and the flip never changes turnout)
    rule, quorum, threshold, eligible, ballots = case
    decision_rule = DecisionRule.parse(rule, quorum, threshold)
    result = decide(decision_rule, eligible, ballots)
    outcome = result["outcome"]
    flips = {"carried": {"for": "against"},
             "rejected": {"against": "for", "block": "for"}}.get(outcome, {})
    changed = []
    for voter, position in result["counted"].items():
        if position in flips:
            again = decide(decision_rule, eligible, {**ballots, voter: flips[position]})
            assert again["turnout"] == result["turnout"]
            if again["outcome"] != outcome:
                changed.append(voter)
    assert result["pivotal"] == sorted(changed)
