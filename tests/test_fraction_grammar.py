"""Fractions are parsed by a bounded grammar before any arithmetic: a hostile quorum is refused
at once (`Fraction("1e-10000000")` would compute a ten-million-digit number)."""

from decimal import Decimal
from fractions import Fraction

import pytest

from domain.errors import InvalidValue
from domain.rules import DecisionRule, parse_fraction
from projections.level import thresholds_of

HOSTILE = ["1e-10000000", "1E999999999", "1_0/2_0", "1" * 5000 + "/2", "9" * 8 + "/1",
           "-1/2", "+0.5", "-0.5", "0.1234567", "1/0", "½", "١/٢", "0x10", "inf", "nan", "",
           " ", "2/3/4", ".5", "1e3", Decimal("1E999999999"), Decimal("1E-10000000"),
           Decimal("-0.5"), Decimal("NaN"), Decimal("Infinity"), -1, 10**7, 10**4000, 0.5, True,
           None, [1, 2], {"a": 1}]
GOOD = [("0.5", Fraction(1, 2)), ("2/3", Fraction(2, 3)), (" 3/4 ", Fraction(3, 4)),
        ("1", Fraction(1)), ("0", Fraction(0)), ("0.000001", Fraction(1, 10**6)),
        ("1/1000000", Fraction(1, 10**6)), (Decimal("0.5"), Fraction(1, 2)),
        (Decimal("0.50"), Fraction(1, 2)), (Decimal("5E-1"), Fraction(1, 2)), (1, Fraction(1)),
        (Fraction(2, 3), Fraction(2, 3))]


@pytest.mark.parametrize("value", HOSTILE, ids=lambda v: repr(v)[:30])
def test_anything_but_the_grammar_is_refused_naming_the_field(value):
    with pytest.raises(InvalidValue) as refused:
        parse_fraction(value, "quorum")
    assert refused.value.field == "quorum"
    assert len(refused.value.message) < 200  # the input is not echoed back


@pytest.mark.parametrize("value, expected", GOOD, ids=lambda v: repr(v)[:30])
def test_the_grammar_accepts_short_fractions_and_decimals(value, expected):
    assert parse_fraction(value, "quorum") == expected


def test_every_accepted_decimal_round_trips_through_its_stored_form():
    rule = DecisionRule.parse("supermajority", "0.000001", "0.999999")
    assert rule.to_data() == {"rule": "supermajority", "quorum": "1/1000000",
                              "threshold": "999999/1000000"}
    assert DecisionRule.from_data(rule.to_data()) == rule


def _found(web, people, rule: str, raw_value: str):
    """Found a group whose decision rule has `raw_value` (JSON text, sent as written)."""
    field = "threshold" if rule == "supermajority" else "quorum"
    body = ('{"name": "Mesa", "purpose": "p", "category": "carer", '
            f'"decision_rule": {{"rule": "{rule}", "{field}": {raw_value}}}}}')
    return web.test_client().post("/api/groups", headers=people["ana"]["auth"], data=body,
                                  content_type="application/json")


@pytest.mark.parametrize("rule, raw_value", [
    ("majority", '"1e-10000000"'), ("majority", "1E999999999"), ("majority", "1e-999999999"),
    ("majority", '"1_0/2_0"'), ("majority", '"%s/2"' % ("9" * 4000)), ("majority", "9" * 4000),
    ("majority", '"-1/2"'), ("majority", "-0.5"), ("supermajority", "1E999999999"),
    ("supermajority", '"1e-10000000"'),
])
def test_a_hostile_quorum_or_threshold_is_a_422_naming_it(web, people, rule, raw_value):
    answer = _found(web, people, rule, raw_value)
    assert answer.status_code == 422, answer.json
    field = "threshold" if rule == "supermajority" else "quorum"
    assert f"decision_rule.{field}" in answer.json["errors"]
    assert web.extensions["reciproca"].app.recorder.max_notification_id() in (None, 0)


@pytest.mark.parametrize("raw_value, quorum", [
    ('"0.5"', "1/2"), ("0.5", "1/2"), ('"2/3"', "2/3"), ("1", "1"), ("5E-1", "1/2"),
])
def test_short_fractions_and_json_numbers_found_a_group(web, people, raw_value, quorum):
    answer = _found(web, people, "majority", raw_value)
    assert answer.status_code == 201, answer.json
    group = web.test_client().get(f"/api/groups/{answer.json['id']}",
                                  headers=people["ana"]["auth"]).json
    assert group["decision_rule"]["quorum"] == quorum


def test_level_thresholds_are_checked_by_the_grammar_before_any_arithmetic():
    assert thresholds_of({"transformation_balance": Decimal("0.9")})[
        "transformation_balance"] == "9/10"
    for hostile in ("1e-10000000", Decimal("1E999999999"), "9" * 4000 + "/1", 0.9):
        with pytest.raises(ValueError, match="transformation_balance"):
            thresholds_of({"transformation_balance": hostile})
