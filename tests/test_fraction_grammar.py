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


def _found(client, auth, raw_rule: str):
    body = ('{"name": "Mesa", "purpose": "p", "category": "carer", '
            f'"decision_rule": {raw_rule}}}')
    return client.post("/api/groups", headers=auth, data=body,
                       content_type="application/json")


@pytest.mark.parametrize("raw_rule, field", [
    ('{"rule": "majority", "quorum": "1e-10000000"}', "decision_rule.quorum"),
    ('{"rule": "majority", "quorum": 1E999999999}', "decision_rule.quorum"),
    ('{"rule": "majority", "quorum": 1e-999999999}', "decision_rule.quorum"),
    ('{"rule": "majority", "quorum": "1_0/2_0"}', "decision_rule.quorum"),
    ('{"rule": "majority", "quorum": "%s/2"}' % ("9" * 4000), "decision_rule.quorum"),
    ('{"rule": "majority", "quorum": %s}' % ("9" * 4000), "decision_rule.quorum"),
    ('{"rule": "majority", "quorum": "-1/2"}', "decision_rule.quorum"),
    ('{"rule": "majority", "quorum": -0.5}', "decision_rule.quorum"),
    ('{"rule": "supermajority", "threshold": 1E999999999}', "decision_rule.threshold"),
    ('{"rule": "supermajority", "threshold": "1e-10000000"}', "decision_rule.threshold"),
])
def test_a_hostile_quorum_or_threshold_is_a_422_naming_it(web, people, raw_rule, field):
    client, auth = web.test_client(), people["ana"]["auth"]
    answer = _found(client, auth, raw_rule)
    assert answer.status_code == 422, answer.json
    assert field in answer.json["errors"]
    assert web.extensions["reciproca"].app.recorder.max_notification_id() in (None, 0)


@pytest.mark.parametrize("raw_rule, quorum", [
    ('{"rule": "majority", "quorum": "0.5"}', "1/2"),
    ('{"rule": "majority", "quorum": 0.5}', "1/2"),
    ('{"rule": "majority", "quorum": "2/3"}', "2/3"),
    ('{"rule": "majority", "quorum": 1}', "1"),
])
def test_short_fractions_and_json_numbers_found_a_group(web, people, raw_rule, quorum):
    client, auth = web.test_client(), people["ana"]["auth"]
    answer = _found(client, auth, raw_rule)
    assert answer.status_code == 201, answer.json
    group = client.get(f"/api/groups/{answer.json['id']}", headers=auth).json
    assert group["decision_rule"]["quorum"] == quorum


def test_level_thresholds_are_checked_by_the_grammar_before_any_arithmetic():
    assert thresholds_of({"transformation_balance": Decimal("0.9")})[
        "transformation_balance"] == "9/10"
    for hostile in ("1e-10000000", Decimal("1E999999999"), "9" * 4000 + "/1", 0.9):
        with pytest.raises(ValueError, match="transformation_balance"):
            thresholds_of({"transformation_balance": hostile})
