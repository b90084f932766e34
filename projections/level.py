"""The group's level of co-production (seeds 000 and 003): compliance, support, transformation,
or insufficient_data while its record is too short to say.

Each level is a set of named conditions over the figures and the evidence; the assessment lists
every condition with the value it was judged on and whether it was met, and records the
thresholds it used. Thresholds are configuration (RECIPROCA_LEVEL_THRESHOLDS, JSON).
"""

from fractions import Fraction

from domain.vocabulary import LEADERSHIP_ROLES, LIVED_EXPERIENCE, PRINCIPLES, side_of

DEFAULT_THRESHOLDS = {
    "min_voting_members": 4,  # fewer: insufficient_data
    "min_closed_decisions": 3,  # fewer: insufficient_data
    "transformation_balance": "4/5",  # balance index between the sides, at least
}


def assess(state: dict, figures: dict, thresholds: dict | None = None) -> dict:
    """`state` is the group's folded state, `figures` its power balance (exact fractions)."""
    limits = {**DEFAULT_THRESHOLDS, **(thresholds or {})}
    members = state["membership"]["members"]
    voting = sum(1 for m in members.values() if "observer" not in m["roles"])
    principles = state["principles"]
    lived_carried = principles["carried"].get(LIVED_EXPERIENCE, {})
    lived_roles = {role for m in members.values() if side_of(m["category"]) == LIVED_EXPERIENCE
                   for role in m["roles"]}
    balance = figures["sides"]["balance_index"]

    def condition(code: str, value, met: bool) -> dict:
        return {"code": code, "value": value, "met": bool(met)}

    data = [condition("voting_members", voting, voting >= limits["min_voting_members"]),
            condition("closed_decisions", state["closed"],
                      state["closed"] >= limits["min_closed_decisions"])]
    support = [
        condition("lived_experience_proposals_carried", sum(lived_carried.values()),
                  sum(lived_carried.values()) >= 1),
        condition("lived_experience_roles", sorted(lived_roles - {"member"}),
                  lived_roles & {"chair", "facilitator", "note_taker"}),
        condition("lived_experience_training_decisions",
                  lived_carried.get("recruitment_training", 0),
                  lived_carried.get("recruitment_training", 0) >= 1),
    ]
    transformation = [
        condition("lived_experience_leads", sorted(lived_roles & set(LEADERSHIP_ROLES)),
                  lived_roles & set(LEADERSHIP_ROLES)),
        condition("lived_experience_governance_carried", lived_carried.get("governance", 0),
                  lived_carried.get("governance", 0) >= 1),
        condition("balance_index_sides", None if balance is None else str(balance),
                  balance is not None
                  and balance >= Fraction(limits["transformation_balance"])),
        condition("evidence_for_every_principle",
                  [p for p in PRINCIPLES if principles["counts"][p] == 0],
                  all(principles["counts"][p] for p in PRINCIPLES)),
    ]
    if not all(c["met"] for c in data):
        level = "insufficient_data"
    elif all(c["met"] for c in support + transformation):
        level = "transformation"
    elif all(c["met"] for c in support):
        level = "support"
    else:
        level = "compliance"
    return {"level": level, "thresholds": limits,
            "conditions": {"data": data, "support": support, "transformation": transformation}}
