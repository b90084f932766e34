"""Hand-worked tests of the decision rules (shared/coproduction.md, "Decision rules").

Every case gives its arithmetic in a comment. Ballots are written as a string of letters, one per
voter v0, v1, ... in order: f = for, a = against, s = abstain (stand aside), b = block. Eligible
voters are v0 .. v(n-1); ballots from other ids are void.
"""

from fractions import Fraction

import pytest

from domain.errors import DomainError, InvalidValue
from domain.rules import DecisionRule, decide

LETTER = {"f": "for", "a": "against", "s": "abstain", "b": "block"}


def voters(n: int) -> list[str]:
    return [f"v{i}" for i in range(n)]


def ballots_of(letters: str) -> dict[str, str]:
    return {f"v{i}": LETTER[c] for i, c in enumerate(letters)}


def tally(f=0, a=0, s=0, b=0) -> dict[str, int]:
    return {"for": f, "against": a, "abstain": s, "block": b}


# (rule, quorum, threshold, eligible count, ballots, outcome, turnout, pivotal voters)
# quorum None = default 1/2; threshold None = default 2/3 for supermajority.
CASES = [
    # ---- majority: carried when for > against (+ block) -------------------------------------
    pytest.param("majority", None, None, 5, "fffaa", "carried", "1", ["v0", "v1", "v2"],
                 # 3 > 2 carried; flipping any for gives 2 vs 3 -> rejected: each for pivotal
                 id="majority 3-2 carried, every for pivotal"),
    pytest.param("majority", None, None, 6, "ffffaa", "carried", "1", ["v0", "v1", "v2", "v3"],
                 # 4 > 2 carried; flipping a for gives 3 vs 3, a tie -> rejected: all for pivotal
                 id="majority 4-2 carried, flip makes a tie so every for pivotal"),
    pytest.param("majority", None, None, 5, "ffffa", "carried", "1", [],
                 # 4 > 1 carried; flipping a for gives 3 vs 2, still carried: none pivotal
                 id="majority 4-1 carried, none pivotal"),
    pytest.param("majority", None, None, 7, "fffffaa", "carried", "1", [],
                 # 5 > 2 carried; flipping a for gives 4 vs 3, still carried: none pivotal
                 id="majority 5-2 carried, none pivotal"),
    pytest.param("majority", None, None, 4, "ffaa", "rejected", "1", ["v2", "v3"],
                 # 2 == 2 is a tie, not for > against -> rejected; flipping an against gives
                 # 3 vs 1 -> carried: each against pivotal; for voters are never pivotal here
                 id="majority tie 2-2 rejected, every against pivotal"),
    pytest.param("majority", None, None, 2, "fa", "rejected", "1", ["v1"],
                 # 1 == 1 tie -> rejected; flipping the against gives 2 vs 0 -> carried
                 id="majority tie 1-1 rejected"),
    pytest.param("majority", None, None, 4, "ffab", "rejected", "1", ["v2", "v3"],
                 # block counts as against: 2 vs 1 + 1 = 2 -> tie -> rejected (2 > 1 would carry
                 # if block were ignored); flipping the against or the block gives 3 vs 1 -> carried
                 id="majority block counts as against (tie)"),
    pytest.param("majority", None, None, 2, "fb", "rejected", "1", ["v1"],
                 # 1 vs 0 + 1 block -> tie -> rejected; flipping the block gives 2 vs 0 -> carried
                 id="majority 1 for vs 1 block rejected"),
    pytest.param("majority", None, None, 5, "fffbb", "carried", "1", ["v0", "v1", "v2"],
                 # 3 > 0 + 2 carried; flipping a for gives 2 vs 3 -> rejected: each for pivotal
                 id="majority 3 for vs 2 block carried"),
    pytest.param("majority", None, None, 4, "fsss", "carried", "1", ["v0"],
                 # abstentions: turnout 4/4 but tally 1 vs 0 -> carried; flipping the for gives
                 # 0 vs 1 -> rejected; abstentions are never pivotal
                 id="majority abstentions count for turnout only"),
    pytest.param("majority", None, None, 4, "fass", "rejected", "1", ["v1"],
                 # 1 vs 1 tie (abstentions not counted) -> rejected; flipping the against -> 2 vs 0
                 id="majority tie with abstentions"),
    pytest.param("majority", None, None, 2, "ss", "rejected", "1", [],
                 # abstain-only: turnout 2/2 meets quorum, 0 > 0 is false -> rejected; no pivotal
                 id="majority abstain-only rejected"),
    # ---- quorum: met when turnout >= quorum ---------------------------------------------------
    pytest.param("majority", "1/2", None, 4, "fs", "carried", "1/2", ["v0"],
                 # 2 of 4 voted: 2/4 = 1/2 >= 1/2 -> quorum met exactly; 1 vs 0 -> carried
                 id="quorum 1/2 exactly met by 2 of 4"),
    pytest.param("majority", "0.5", None, 4, "ss", "rejected", "1/2", [],
                 # quorum "0.5" = 1/2; 2 abstentions of 4 = 1/2 meet it; 0 vs 0 -> rejected
                 id="quorum 0.5 met by abstentions alone"),
    pytest.param("majority", "1/2", None, 5, "ff", "no_quorum", "2/5", [],
                 # 2 of 5 = 2/5 < 1/2 -> no_quorum, so no pivotal votes despite 2 vs 0
                 id="quorum 1/2 just missed by 2 of 5"),
    pytest.param("majority", "1/2", None, 4, "f", "no_quorum", "1/4", [],
                 # 1 of 4 = 1/4 < 1/2 -> no_quorum
                 id="quorum 1/2 missed by 1 of 4"),
    pytest.param("majority", "2/3", None, 6, "fff", "no_quorum", "1/2", [],
                 # 3 of 6 = 1/2 < 2/3 -> no_quorum
                 id="quorum 2/3 just missed by 3 of 6"),
    pytest.param("majority", "2/3", None, 6, "fffs", "carried", "2/3", [],
                 # 4 of 6 = 2/3 >= 2/3 -> met (the abstention makes the quorum); 3 vs 0 -> carried;
                 # flipping one for gives 2 vs 1 -> still carried: none pivotal
                 id="quorum 2/3 exactly met by 4 of 6"),
    pytest.param("majority", "1", None, 3, "fff", "carried", "1", [],
                 # 3 of 3 = 1 >= 1 met; 3 vs 0 carried; flipping one gives 2 vs 1, still carried
                 id="quorum 1 met when all vote"),
    pytest.param("majority", "1", None, 3, "ff", "no_quorum", "2/3", [],
                 # 2 of 3 = 2/3 < 1 -> no_quorum
                 id="quorum 1 missed by one absentee"),
    pytest.param("majority", "0", None, 3, "", "rejected", "0", [],
                 # quorum 0 with zero votes: turnout 0/3 = 0 >= 0 met; 0 > 0 false -> rejected
                 id="quorum 0 with zero votes"),
    pytest.param("majority", "1/2", None, 0, "", "no_quorum", "0", [],
                 # no eligible voter: turnout is 0 by definition; 0 < 1/2 -> no_quorum
                 id="zero eligible voters, quorum 1/2"),
    pytest.param("majority", "0", None, 0, "", "rejected", "0", [],
                 # no eligible voter: turnout 0 >= quorum 0 -> met; 0 > 0 false -> rejected
                 id="zero eligible voters, quorum 0"),
    pytest.param("majority", "1/2", None, 10, "ffa", "no_quorum", "3/10", [],
                 # 3/10 < 1/2 -> no_quorum: no pivotal votes even though flips would matter
                 id="no_quorum has no pivotal voters"),
    # ---- supermajority: for / (for + against + block) >= t and for > 0 ------------------------
    pytest.param("supermajority", None, "2/3", 3, "ffa", "carried", "1", ["v0", "v1"],
                 # 2/3 >= 2/3 exactly (2*3 >= 2*3) -> carried; flipping a for gives 1/3 -> rejected
                 id="supermajority exactly at 2/3"),
    pytest.param("supermajority", None, None, 3, "ffa", "carried", "1", ["v0", "v1"],
                 # default threshold is 2/3: same arithmetic as above
                 id="supermajority default threshold 2/3"),
    pytest.param("supermajority", None, "2/3", 5, "fffaa", "rejected", "1", ["v3", "v4"],
                 # 3/5 = 9/15 < 10/15 = 2/3 -> rejected; flipping an against gives 4/5 -> carried
                 id="supermajority just below 2/3"),
    pytest.param("supermajority", None, "2/3", 6, "ffffaa", "carried", "1",
                 ["v0", "v1", "v2", "v3"],
                 # 4/6 = 2/3 -> carried; flipping a for gives 3/6 = 1/2 -> rejected
                 id="supermajority 4 of 6 exactly at 2/3"),
    pytest.param("supermajority", None, "2/3", 3, "ffb", "carried", "1", ["v0", "v1"],
                 # block as against: 2/(2+0+1) = 2/3 -> carried; flipping a for gives 1/3
                 id="supermajority block as against, at threshold"),
    pytest.param("supermajority", None, "2/3", 4, "ffab", "rejected", "1", ["v2", "v3"],
                 # block as against: 2/(2+1+1) = 1/2 < 2/3 -> rejected (2/3 would carry if the
                 # block were ignored); flipping the against or the block gives 3/4 >= 2/3
                 id="supermajority block as against, below threshold"),
    pytest.param("supermajority", None, "2/3", 7, "ffassss", "carried", "1", ["v0", "v1"],
                 # abstentions are not in the denominator: 2/(2+1) = 2/3 -> carried
                 id="supermajority abstentions not in the ratio"),
    pytest.param("supermajority", None, "3/4", 4, "fffa", "carried", "1", ["v0", "v1", "v2"],
                 # 3/4 >= 3/4 -> carried; flipping a for gives 2/4 < 3/4
                 id="supermajority exactly at 3/4"),
    pytest.param("supermajority", None, "3/4", 6, "ffffaa", "rejected", "1", ["v4", "v5"],
                 # 4/6 = 2/3 < 3/4 -> rejected (though it meets 2/3); flipping an against gives
                 # 5/6 >= 3/4 -> carried: each against pivotal
                 id="supermajority just below 3/4"),
    pytest.param("supermajority", None, "3/4", 8, "fffffabb", "rejected", "1", ["v5", "v6", "v7"],
                 # (5)/(5+1+2) = 5/8 < 3/4 -> rejected; flipping the against or a block gives
                 # 6/8 = 3/4 (6*4 >= 3*8) -> carried: all three objections pivotal
                 id="supermajority 3/4, flip reaches the threshold exactly"),
    pytest.param("supermajority", None, "3/4", 8, "ffffaaab", "rejected", "1", [],
                 # 4/8 < 3/4 -> rejected; flipping one objection gives 5/8 < 3/4 -> still rejected
                 id="supermajority 3/4, too far for one flip"),
    pytest.param("supermajority", None, "1", 3, "fff", "carried", "1", ["v0", "v1", "v2"],
                 # threshold 1 = unanimity of for/against: 3/3 -> carried; any flip gives 2/3 < 1
                 id="supermajority threshold 1 unanimous"),
    pytest.param("supermajority", None, "1", 4, "fffa", "rejected", "1", ["v3"],
                 # 3/4 < 1 -> rejected; flipping the against gives 4/4 -> carried
                 id="supermajority threshold 1 one against"),
    pytest.param("supermajority", None, "1", 4, "fffs", "carried", "1", ["v0", "v1", "v2"],
                 # abstain is not against: 3/3 = 1 -> carried; a flip gives 2/3 < 1
                 id="supermajority threshold 1 with an abstention"),
    pytest.param("supermajority", None, "1", 3, "ffb", "rejected", "1", ["v2"],
                 # block as against: 2/3 < 1 -> rejected; flipping the block gives 3/3
                 id="supermajority threshold 1 one block"),
    pytest.param("supermajority", None, "2/3", 3, "sss", "rejected", "1", [],
                 # for = 0 and 0 + 0 + 0 = 0: no ratio, and for > 0 fails -> rejected; nobody pivotal
                 id="supermajority all abstain not carried"),
    pytest.param("supermajority", None, "2/3", 2, "ba", "rejected", "1", [],
                 # for = 0 -> rejected; flipping one gives 1/2 < 2/3 -> still rejected
                 id="supermajority no for, two objections"),
    pytest.param("supermajority", None, "2/3", 2, "bs", "rejected", "1", ["v0"],
                 # 0/1 -> rejected; flipping the block gives 1/1 -> carried
                 id="supermajority lone block pivotal"),
    pytest.param("supermajority", None, "51/100", 2, "fa", "rejected", "1", ["v1"],
                 # 1/2 = 50/100 < 51/100 -> rejected; flipping the against gives 2/2
                 id="supermajority 51/100 rejects a half"),
    pytest.param("supermajority", None, "51/100", 3, "ffa", "carried", "1", ["v0", "v1"],
                 # 2/3 >= 51/100 -> carried; flipping a for gives 1/3 < 51/100
                 id="supermajority 51/100 carries two thirds"),
    # ---- consensus: for >= 1, against = 0, block = 0 ------------------------------------------
    pytest.param("consensus", None, None, 3, "fff", "carried", "1", ["v0", "v1", "v2"],
                 # carried; every for is pivotal: flipping it makes against = 1 -> rejected
                 id="consensus carried, every for pivotal"),
    pytest.param("consensus", None, None, 3, "fss", "carried", "1", ["v0"],
                 # abstain = stand aside: 1 for, 0 against, 0 block -> carried; abstentions not pivotal
                 id="consensus stand asides"),
    pytest.param("consensus", None, None, 3, "ffa", "rejected", "1", ["v2"],
                 # against = 1 is a veto -> rejected; flipping it gives fff -> carried
                 id="consensus against vetoes"),
    pytest.param("consensus", None, None, 3, "ffb", "rejected", "1", ["v2"],
                 # block = 1 -> rejected; flipping the block gives fff -> carried
                 id="consensus block vetoes"),
    pytest.param("consensus", None, None, 4, "ffab", "rejected", "1", [],
                 # two objections: flipping either one leaves the other -> still rejected
                 id="consensus two objections, none pivotal"),
    pytest.param("consensus", None, None, 2, "ss", "rejected", "1", [],
                 # for = 0 -> rejected; abstentions never pivotal
                 id="consensus abstain only"),
    pytest.param("consensus", None, None, 2, "as", "rejected", "1", ["v0"],
                 # for = 0 -> rejected; flipping the against gives 1 for, 0 against -> carried
                 id="consensus lone against pivotal"),
    # ---- consent: block = 0 and for >= 1; against is not a veto -------------------------------
    pytest.param("consent", None, None, 3, "ffa", "carried", "1", [],
                 # against is a concern: 2 for, 0 block -> carried; flipping a for gives
                 # 1 for, 2 against, 0 block -> still carried: nobody pivotal
                 id="consent against is not a veto"),
    pytest.param("consent", None, None, 2, "fa", "carried", "1", ["v0"],
                 # 1 for, 0 block -> carried; flipping the for leaves for = 0 -> rejected
                 id="consent lone for pivotal"),
    pytest.param("consent", None, None, 3, "ffb", "rejected", "1", ["v2"],
                 # block = 1 is a veto -> rejected; flipping the blocker gives fff -> carried
                 id="consent one block, blocker pivotal"),
    pytest.param("consent", None, None, 3, "fbb", "rejected", "1", [],
                 # two blocks: flipping one leaves a block -> still rejected
                 id="consent two blocks, none pivotal"),
    pytest.param("consent", None, None, 3, "bss", "rejected", "1", ["v0"],
                 # for = 0, block = 1 -> rejected; flipping the block gives for = 1 -> carried
                 id="consent lone block with abstentions"),
    pytest.param("consent", None, None, 2, "aa", "rejected", "1", ["v0", "v1"],
                 # for = 0 -> rejected; flipping either against gives 1 for, 1 against -> carried
                 id="consent only against, each pivotal"),
    pytest.param("consent", None, None, 2, "ss", "rejected", "1", [],
                 # for = 0 -> rejected; abstentions never pivotal
                 id="consent abstain only"),
]


@pytest.mark.parametrize(
    "rule, quorum, threshold, n, letters, outcome, turnout, pivotal", CASES
)
def test_decision_table(rule, quorum, threshold, n, letters, outcome, turnout, pivotal):
    decision_rule = DecisionRule.parse(rule, quorum, threshold)
    ballots = ballots_of(letters)
    result = decide(decision_rule, voters(n), ballots)

    counts = {p: list(ballots.values()).count(p) for p in ("for", "against", "abstain", "block")}
    assert result["tally"] == counts
    assert result["turnout"] == turnout
    assert result["quorum_met"] == (outcome != "no_quorum")
    assert result["outcome"] == outcome
    assert result["pivotal"] == pivotal
    assert result["void"] == []
    assert result["counted"] == ballots
    assert result["eligible"] == voters(n)
    assert result["rule"] == decision_rule.to_data()


# ---- tallies written out by hand (the table above derives them from the letters) -------------
@pytest.mark.parametrize(
    "letters, expected",
    [
        ("fffaa", tally(f=3, a=2)),
        ("ffab", tally(f=2, a=1, b=1)),  # block is tallied as block, not merged into against
        ("fsss", tally(f=1, s=3)),  # abstentions are tallied but are neither for nor against
        ("", tally()),
        ("sbab", tally(a=1, s=1, b=2)),
    ],
)
def test_tally_counts_each_position(letters, expected):
    result = decide(DecisionRule.parse("majority", "0"), voters(len(letters)), ballots_of(letters))
    assert result["tally"] == expected


# ---- void ballots ---------------------------------------------------------------------------
def test_void_ballot_is_listed_not_counted():
    # eligible v0, v1; x9 is not eligible. Counted: v0 for, v1 abstain -> 1 vs 0 -> carried.
    # x9's against would make it 1 vs 1 (rejected) if it were counted. Turnout 2/2 = 1.
    ballots = {"v0": "for", "v1": "abstain", "x9": "against"}
    result = decide(DecisionRule.parse("majority"), ["v0", "v1"], ballots)
    assert result["void"] == ["x9"]
    assert result["counted"] == {"v0": "for", "v1": "abstain"}
    assert result["tally"] == tally(f=1, s=1)
    assert result["turnout"] == "1"
    assert result["outcome"] == "carried"
    assert result["pivotal"] == ["v0"]  # flip -> 0 vs 1; x9 is never pivotal


def test_void_ballots_do_not_make_quorum():
    # 4 eligible, only v0 of them voted: turnout 1/4 < 1/2 -> no_quorum, even though two
    # outsiders also voted for (3 ballots of 4 eligible would have met the quorum).
    ballots = {"v0": "for", "x1": "for", "x2": "for"}
    result = decide(DecisionRule.parse("majority", "1/2"), voters(4), ballots)
    assert result["void"] == ["x1", "x2"]
    assert result["counted"] == {"v0": "for"}
    assert result["tally"] == tally(f=1)
    assert result["turnout"] == "1/4"
    assert result["quorum_met"] is False
    assert result["outcome"] == "no_quorum"
    assert result["pivotal"] == []


def test_void_block_is_not_a_veto():
    # consensus with v0, v1 for; former member x0 blocks: void, so 2 for, 0 against, 0 block
    # -> carried; both for votes pivotal (a flip makes against = 1).
    ballots = {"v0": "for", "v1": "for", "x0": "block"}
    result = decide(DecisionRule.parse("consensus"), ["v0", "v1"], ballots)
    assert result["void"] == ["x0"]
    assert result["tally"] == tally(f=2)
    assert result["outcome"] == "carried"
    assert result["pivotal"] == ["v0", "v1"]


def test_only_void_ballots_with_zero_eligible():
    # nobody eligible: every ballot is void, turnout is 0 (not a division by zero)
    result = decide(DecisionRule.parse("consent", "0"), [], {"x1": "for", "x0": "block"})
    assert result["void"] == ["x0", "x1"]
    assert result["counted"] == {}
    assert result["turnout"] == "0"
    assert result["quorum_met"] is True  # 0 >= 0
    assert result["outcome"] == "rejected"  # consent needs for >= 1
    assert result["pivotal"] == []


# ---- validation -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "args, kwargs, field",
    [
        (("unanimity",), {}, "rule"),
        (("Majority",), {}, "rule"),  # codes are exact
        (("",), {}, "rule"),
        ((None,), {}, "rule"),
        (("majority",), {"quorum": "3/2"}, "quorum"),  # quorum > 1
        (("majority",), {"quorum": "101/100"}, "quorum"),
        (("majority",), {"quorum": 2}, "quorum"),
        (("majority",), {"quorum": "-1/2"}, "quorum"),  # quorum < 0
        (("majority",), {"quorum": -1}, "quorum"),
        (("majority",), {"quorum": "abc"}, "quorum"),
        (("majority",), {"quorum": ""}, "quorum"),
        (("majority",), {"quorum": "1/0"}, "quorum"),
        (("majority",), {"quorum": 0.5}, "quorum"),  # a float is inexact: refused
        (("majority",), {"quorum": True}, "quorum"),  # a bool is not a number here
        (("majority",), {"quorum": False}, "quorum"),
        (("majority",), {"quorum": [1, 2]}, "quorum"),
        (("supermajority",), {"threshold": "1/2"}, "threshold"),  # must be above 1/2
        (("supermajority",), {"threshold": "0.5"}, "threshold"),
        (("supermajority",), {"threshold": "1/3"}, "threshold"),
        (("supermajority",), {"threshold": 0}, "threshold"),
        (("supermajority",), {"threshold": "101/100"}, "threshold"),  # above 1
        (("supermajority",), {"threshold": "3/2"}, "threshold"),
        (("supermajority",), {"threshold": "abc"}, "threshold"),
        (("supermajority",), {"threshold": 0.75}, "threshold"),  # float refused
        (("supermajority",), {"threshold": True}, "threshold"),  # True == 1 but is refused
        (("supermajority",), {"threshold": "2/0"}, "threshold"),
        (("majority",), {"threshold": "2/3"}, "threshold"),  # only supermajority takes one
        (("consensus",), {"threshold": "2/3"}, "threshold"),
        (("consent",), {"threshold": "1"}, "threshold"),
    ],
)
def test_parse_rejects(args, kwargs, field):
    with pytest.raises(InvalidValue) as caught:
        DecisionRule.parse(*args, **kwargs)
    assert caught.value.field == field
    assert isinstance(caught.value, DomainError)
    assert caught.value.message


@pytest.mark.parametrize(
    "rule, quorum, threshold, expected_quorum, expected_threshold",
    [
        ("majority", None, None, Fraction(1, 2), None),  # default quorum 1/2
        ("majority", "0.5", None, Fraction(1, 2), None),  # "0.5" is exactly 1/2
        ("consensus", "0", None, Fraction(0), None),  # bounds are inclusive
        ("consent", "1", None, Fraction(1), None),
        ("consent", 1, None, Fraction(1), None),
        ("majority", 0, None, Fraction(0), None),
        ("majority", "1/3", None, Fraction(1, 3), None),
        ("majority", Fraction(2, 3), None, Fraction(2, 3), None),
        ("majority", " 1/2 ", None, Fraction(1, 2), None),
        ("supermajority", None, None, Fraction(1, 2), Fraction(2, 3)),  # default threshold 2/3
        ("supermajority", None, "2/3", Fraction(1, 2), Fraction(2, 3)),
        ("supermajority", "2/3", "0.75", Fraction(2, 3), Fraction(3, 4)),
        ("supermajority", None, "0.51", Fraction(1, 2), Fraction(51, 100)),  # just above 1/2
        ("supermajority", None, "1", Fraction(1, 2), Fraction(1)),  # upper bound inclusive
        ("supermajority", None, 1, Fraction(1, 2), Fraction(1)),
    ],
)
def test_parse_accepts(rule, quorum, threshold, expected_quorum, expected_threshold):
    parsed = DecisionRule.parse(rule, quorum, threshold)
    assert parsed.rule == rule
    assert parsed.quorum == expected_quorum
    assert isinstance(parsed.quorum, Fraction)
    assert parsed.threshold == expected_threshold


def test_point_five_is_exactly_one_half():
    # 0.5 as a string is parsed exactly; 2 of 4 (= 1/2) then meets the quorum
    parsed = DecisionRule.parse("majority", "0.5")
    assert parsed.quorum == Fraction(1, 2)
    assert decide(parsed, voters(4), ballots_of("fs"))["quorum_met"] is True


@pytest.mark.parametrize(
    "rule, data",
    [
        (DecisionRule.parse("majority"), {"rule": "majority", "quorum": "1/2"}),
        (DecisionRule.parse("consensus", "0"), {"rule": "consensus", "quorum": "0"}),
        (DecisionRule.parse("consent", "1"), {"rule": "consent", "quorum": "1"}),
        (DecisionRule.parse("supermajority"),
         {"rule": "supermajority", "quorum": "1/2", "threshold": "2/3"}),
        (DecisionRule.parse("supermajority", "0.5", "0.75"),
         {"rule": "supermajority", "quorum": "1/2", "threshold": "3/4"}),
        (DecisionRule.parse("supermajority", "2/3", "1"),
         {"rule": "supermajority", "quorum": "2/3", "threshold": "1"}),
    ],
)
def test_to_data_and_round_trip(rule, data):
    assert rule.to_data() == data
    assert all(isinstance(v, str) for v in rule.to_data().values())
    assert DecisionRule.from_data(rule.to_data()) == rule
    assert DecisionRule.from_data(data) == rule


def test_from_data_supermajority_without_threshold_takes_default():
    restored = DecisionRule.from_data({"rule": "supermajority", "quorum": "1/3"})
    assert restored == DecisionRule.parse("supermajority", "1/3", "2/3")


@pytest.mark.parametrize(
    "data, field",
    [
        ({"rule": "majority", "quorum": "2"}, "quorum"),
        ({"rule": "veto", "quorum": "1/2"}, "rule"),
        ({"rule": "supermajority", "quorum": "1/2", "threshold": "1/2"}, "threshold"),
        ({"rule": "majority", "quorum": "1/2", "threshold": "2/3"}, "threshold"),
    ],
)
def test_from_data_validates(data, field):
    with pytest.raises(InvalidValue) as caught:
        DecisionRule.from_data(data)
    assert caught.value.field == field
