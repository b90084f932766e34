"""Decision rules and the decision they produce, as pure functions over exact fractions.

The semantics are those of docs/decisions.md. Fractions are compared in
whole numbers and stored as strings ("2/3"), because floats drift and the JSON transcoder does not
carry `Fraction`.
"""

import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from domain.errors import InvalidValue
from domain.vocabulary import POSITIONS

RULES = ("majority", "supermajority", "consensus", "consent")
DEFAULT_THRESHOLD = Fraction(2, 3)
DEFAULT_QUORUM = Fraction(1, 2)
CARRIED, REJECTED, NO_QUORUM = "carried", "rejected", "no_quorum"


# The only accepted forms, checked before any arithmetic: `Fraction("1e-10000000")` would
# compute a ten-million-digit number. A decimal has at most 6 places, so its a/b form (the
# form stored in events, denominator at most 10**6) is accepted again.
MAX_PLACES = 6
_FRACTION_TEXT = re.compile(r"[0-9]{1,7}/[0-9]{1,7}|[0-9]{1,6}(\.[0-9]{1,6})?")
_FRACTION_HINT = ("a fraction such as '2/3' or '0.5' (a/b of at most 7 digits each, or a "
                  f"decimal with at most {MAX_PLACES} places; no sign, no exponent)")


def parse_fraction(value: object, field: str) -> Fraction:
    """An exact fraction from "2/3", "0.5", a small whole number, a Decimal taken exactly as
    written (a JSON number) or a Fraction; never a float (it is inexact). Anything else is
    refused by its form, in constant time, before it is computed."""
    if isinstance(value, Fraction):
        return value
    text = _fraction_text(value)
    if text is None or not _FRACTION_TEXT.fullmatch(text):
        raise InvalidValue(f"{field} must be {_FRACTION_HINT}", field)
    try:
        return Fraction(text)
    except ZeroDivisionError:
        raise InvalidValue(f"{field} must not divide by zero", field) from None


def _fraction_text(value: object) -> str | None:
    """The plain text of an input, or None when it cannot be one of the accepted forms."""
    if isinstance(value, str):
        return value.strip() if len(value) <= 40 else None
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        return None
    if isinstance(value, int):
        return str(value) if 0 <= value < 10**6 else None
    sign, _, exponent = value.as_tuple()  # "1E999999999": judged by its exponent
    if sign or not isinstance(exponent, int) or not -MAX_PLACES <= exponent <= 0:
        return None
    return format(value, "f")


@dataclass(frozen=True)
class DecisionRule:
    """How a proposal is decided: the rule, its threshold (supermajority only) and its quorum."""

    rule: str
    quorum: Fraction = DEFAULT_QUORUM
    threshold: Fraction | None = None

    @classmethod
    def parse(cls, rule: object, quorum: object = None, threshold: object = None) -> "DecisionRule":
        """Validate raw input: quorum in [0, 1], supermajority threshold in (1/2, 1]."""
        if rule not in RULES:
            raise InvalidValue(f"rule must be one of {', '.join(RULES)}, not {rule!r}", "rule")
        q = DEFAULT_QUORUM if quorum is None else parse_fraction(quorum, "quorum")
        if not 0 <= q <= 1:
            raise InvalidValue(f"quorum must lie between 0 and 1, not {q}", "quorum")
        if rule != "supermajority":
            if threshold is not None:
                raise InvalidValue("only a supermajority rule takes a threshold", "threshold")
            return cls(str(rule), q)
        t = DEFAULT_THRESHOLD if threshold is None else parse_fraction(threshold, "threshold")
        if not Fraction(1, 2) < t <= 1:
            raise InvalidValue(f"threshold must be above 1/2 and at most 1, not {t}", "threshold")
        return cls(str(rule), q, t)

    @classmethod
    def from_data(cls, data: dict) -> "DecisionRule":
        return cls.parse(data["rule"], data["quorum"], data.get("threshold"))

    def to_data(self) -> dict:
        """The form stored in events: plain strings only."""
        data = {"rule": self.rule, "quorum": str(self.quorum)}
        if self.threshold is not None:
            data["threshold"] = str(self.threshold)
        return data

    def carries(self, tally: dict[str, int]) -> bool:
        """Whether these counts carry the proposal, quorum aside."""
        yes, no, block = tally["for"], tally["against"], tally["block"]
        if self.rule == "majority":
            return yes > no + block
        if self.rule == "supermajority":
            t = self.threshold
            return yes > 0 and yes * t.denominator >= t.numerator * (yes + no + block)
        if self.rule == "consensus":
            return yes >= 1 and no == 0 and block == 0
        return yes >= 1 and block == 0  # consent: an objection is a concern, not a veto


def tally_of(positions) -> dict[str, int]:
    counts = dict.fromkeys(POSITIONS, 0)
    for position in positions:
        counts[position] += 1
    return counts


def decide(rule: DecisionRule, eligible: list[str], ballots: dict[str, str]) -> dict:
    """The decision taken on a proposal, as recorded in its close event.

    `eligible` are the voting members when the proposal closes; `ballots` maps each voter who
    voted to their latest position. Ballots of people no longer eligible are void.
    """
    eligible_set = set(eligible)
    counted = {voter: ballots[voter] for voter in sorted(ballots) if voter in eligible_set}
    void = sorted(voter for voter in ballots if voter not in eligible_set)
    tally = tally_of(counted.values())
    turnout = Fraction(len(counted), len(eligible_set)) if eligible_set else Fraction(0)
    quorum_met = turnout >= rule.quorum
    outcome = _outcome(rule, quorum_met, tally)
    return {
        "rule": rule.to_data(),
        "eligible": sorted(eligible_set),
        "counted": counted,
        "void": void,
        "tally": tally,
        "turnout": str(turnout),
        "quorum_met": quorum_met,
        "outcome": outcome,
        "pivotal": _pivotal(rule, quorum_met, outcome, counted, tally),
    }


def _outcome(rule: DecisionRule, quorum_met: bool, tally: dict[str, int]) -> str:
    if not quorum_met:
        return NO_QUORUM
    return CARRIED if rule.carries(tally) else REJECTED


def _pivotal(rule, quorum_met, outcome, counted, tally) -> list[str]:
    """Voters whose vote alone, flipped, changes the outcome (flipping never changes turnout)."""
    if outcome == NO_QUORUM:
        return []
    flips = {CARRIED: {"for": "against"}, REJECTED: {"against": "for", "block": "for"}}[outcome]
    pivotal = []
    for voter, position in counted.items():
        if position in flips:
            flipped = dict(tally)
            flipped[position] -= 1
            flipped[flips[position]] += 1
            if _outcome(rule, quorum_met, flipped) != outcome:
                pivotal.append(voter)
    return pivotal
