"""The group's level of co-production (seeds 000 and 003): compliance, support, transformation,
or insufficient_data while its record is too short to say.

Each level is a set of named conditions over the figures and the evidence; the assessment lists
every condition with the figure that decides it and whether it is met, names the conditions that
kept the group from the next level (`unmet`), and records the thresholds it used. Thresholds are
configuration (RECIPROCA_LEVEL_THRESHOLDS, JSON) and may only make the assessment stricter.
"""

import json
import os
from decimal import Decimal
from fractions import Fraction

from domain.errors import InvalidValue
from domain.rules import parse_fraction
from domain.vocabulary import LEADERSHIP_ROLES, LIVED_EXPERIENCE, PRINCIPLES, side_of
from projections.membership import is_voting
from projections.principles import evidenced

DEFAULT_THRESHOLDS = {
    "min_voting_members": 4,  # fewer: insufficient_data
    "min_closed_decisions": 3,  # fewer: insufficient_data
    "transformation_balance": "4/5",  # balance index between the sides, at least
}
MAX_MINIMUM = 1_000_000
SETTING = "RECIPROCA_LEVEL_THRESHOLDS"


class InvalidThresholds(ValueError):
    """RECIPROCA_LEVEL_THRESHOLDS is not a JSON object of thresholds that raise the defaults."""


def configured_thresholds(environ=os.environ) -> dict:
    """The thresholds RECIPROCA_LEVEL_THRESHOLDS asks for, checked: servers and commands check
    them when they start, so a bad setting stops them at once instead of failing reads later."""
    try:
        overrides = json.loads(environ.get(SETTING) or "{}", parse_float=Decimal)
    except ValueError:
        overrides = None
    if not isinstance(overrides, dict):
        raise InvalidThresholds(f"{SETTING} must be a JSON object such as "
                                '{"min_closed_decisions": 5}')
    return thresholds_of(overrides)


def thresholds_of(overrides: dict | None) -> dict:
    """The defaults, raised where `overrides` asks; lowering one, or an unknown name, is refused
    (InvalidThresholds naming it): the reference's minimums are the least evidence a level needs."""
    limits = dict(DEFAULT_THRESHOLDS)
    for name, value in (overrides or {}).items():
        if name not in DEFAULT_THRESHOLDS:
            raise InvalidThresholds(f"{SETTING}: {name!r} is not a threshold; use "
                             f"{', '.join(DEFAULT_THRESHOLDS)}")
        if name == "transformation_balance":
            try:
                balance = parse_fraction(value, name)
            except InvalidValue as error:
                raise InvalidThresholds(f"{SETTING}: {error}") from None
            if not Fraction(4, 5) <= balance <= 1:
                raise InvalidThresholds(f"{SETTING}: {name} must lie between 4/5 and 1, "
                                        f"not {value!r}")
            limits[name] = str(balance)
        elif isinstance(value, bool) or not isinstance(value, int) \
                or not DEFAULT_THRESHOLDS[name] <= value <= MAX_MINIMUM:
            raise InvalidThresholds(f"{SETTING}: {name} must be a whole number from "
                                    f"{DEFAULT_THRESHOLDS[name]} to {MAX_MINIMUM}, not {value!r}")
        else:
            limits[name] = value
    return limits


def assess(state: dict, figures: dict, thresholds: dict | None = None) -> dict:
    """`state` is the group's folded state, `figures` its power balance (exact fractions)."""
    limits = thresholds_of(thresholds)
    members = state["membership"]["members"]
    principles = state["principles"]
    lived_carried = principles["lived_carried"]
    voting = sum(1 for m in members.values() if is_voting(m))
    leading_now = sorted({role for m in members.values()
                          if side_of(m["category"]) == LIVED_EXPERIENCE
                          for role in m["roles"] if role in LEADERSHIP_ROLES})
    shared = {"lived_experience_tasks": principles["counts"]["lived_experience_task"],
              "lived_experience_training_or_risk_carried":
                  lived_carried.get("recruitment_training", 0) + lived_carried.get("risk", 0)}
    balance = figures["sides"]["balance_index"]
    found = evidenced(principles)

    def condition(code: str, value, met: bool) -> dict:
        return {"code": code, "value": value, "met": bool(met)}

    data = [condition("voting_members", voting, voting >= limits["min_voting_members"]),
            condition("closed_decisions", state["closed"],
                      state["closed"] >= limits["min_closed_decisions"])]
    support = [
        condition("lived_experience_proposals_carried", sum(lived_carried.values()),
                  sum(lived_carried.values()) >= 1),
        condition("lived_experience_roles", sorted(principles["lived_roles"]),
                  principles["lived_roles"]),
        condition("shared_responsibilities", shared, sum(shared.values()) >= 1),
    ]
    transformation = [
        condition("lived_experience_leads", leading_now, leading_now),
        condition("lived_experience_governance_carried", lived_carried.get("governance", 0),
                  lived_carried.get("governance", 0) >= 1),
        condition("balance_index_sides", None if balance is None else str(balance),
                  balance is not None
                  and balance >= Fraction(limits["transformation_balance"])),
        condition("evidence_for_every_principle", [p for p in PRINCIPLES if not found[p]],
                  all(found.values())),
        condition("service_user_expert", principles["experts"], principles["experts"] >= 1),
        condition("risks_managed_together", principles["risks_together"],
                  principles["risks_together"] >= 1),
    ]
    level, short = "transformation", []
    for name, conditions in (("insufficient_data", data), ("compliance", support),
                             ("support", transformation)):
        short = [c["code"] for c in conditions if not c["met"]]
        if short:
            level = name
            break
    return {"level": level, "unmet": short, "thresholds": limits,
            "conditions": {"data": data, "support": support, "transformation": transformation}}
