"""The power balance of docs/metrics.md, folded event by event.

The fold keeps counts per stakeholder category (proposals tabled, carried, pivotal votes,
leadership-role time) and the open proposals' ballots; `power_balance` turns them into shares,
influence and the balance index, as exact fractions. A member's category is the one in force at
each act: a proposal counts for its proposer's category when tabled, a vote for its voter's
category when cast, role time for the holder's category while holding the role.

Each fold step also names the events behind each figure as trace rows (figure, category,
position of the event, position at which the figure counted it), which the runner indexes so any
number can be traced back to the record, as of any point. The two positions differ only for a
pivotal vote: the vote is shown, but it counts from the close that made it pivotal.
"""

from datetime import datetime
from fractions import Fraction

from domain.vocabulary import CATEGORIES, LEADERSHIP_ROLES, SIDES, side_of
from projections.membership import is_voting

SHARES = ("agenda", "success", "role", "pivotal")
COUNTS = {"agenda": "agenda", "success": "carried", "pivotal": "pivotal"}


def new_power() -> dict:
    return {"agenda": dict.fromkeys(CATEGORIES, 0), "carried": dict.fromkeys(CATEGORIES, 0),
            "pivotal": dict.fromkeys(CATEGORIES, 0), "role_time": dict.fromkeys(CATEGORIES, 0),
            "holding": {}, "open": {}}


def fold_power(state: dict, event: dict, members: dict, now: str) -> list[tuple]:
    """Fold one event into `state`; `members` is the membership before the event. Returns the
    trace rows: which figure of which category this event stands behind."""
    data, kind, position = event["data"], event["type"], event["position"]
    member = members.get(data.get("member_id"))
    traces = []
    if kind == "MemberJoined":
        traces.append(("membership", data["category"], position))
    elif kind == "MemberLeft" and member:
        traces.append(("membership", member["category"], position))
        for role in list(state["holding"].get(data["member_id"], {})):
            _end_role(state, data["member_id"], role, member["category"], now)
            traces.append(("role", member["category"], position))
    elif kind == "CategoryChanged" and member:
        traces += [("membership", data["previous"], position),
                   ("membership", data["category"], position)]
        for role in list(state["holding"].get(data["member_id"], {})):
            _end_role(state, data["member_id"], role, data["previous"], now)
            state["holding"].setdefault(data["member_id"], {})[role] = now
            traces += [("role", data["previous"], position), ("role", data["category"], position)]
    elif kind in ("RoleAssigned", "RoleRevoked") and member:
        traces += _role_changed(state, kind, data, member, now, position)
    elif kind == "Tabled":
        category = members[event["actor"]]["category"]
        state["agenda"][category] += 1
        state["open"][event["aggregate_id"]] = {"category": category, "ballots": {}}
        traces.append(("agenda", category, position))
    elif kind == "VoteCast" and data["voter"] in members:
        ballots = state["open"][event["aggregate_id"]]["ballots"]
        ballots[data["voter"]] = {"category": members[data["voter"]]["category"],
                                  "position": position}
    elif kind == "Closed":
        traces += _closed(state, event)
    elif kind == "Withdrawn":
        state["open"].pop(event["aggregate_id"], None)
    return [(figure, category, at, position) for figure, category, at in traces]


def _role_changed(state, kind, data, member, now, position):
    role, member_id, category = data["role"], data["member_id"], member["category"]
    if role == "observer":
        return [("membership", category, position)]
    if role not in LEADERSHIP_ROLES:
        return []
    if kind == "RoleAssigned":
        state["holding"].setdefault(member_id, {})[role] = now
    else:
        _end_role(state, member_id, role, category, now)
    return [("role", category, position)]


def _end_role(state: dict, member_id: str, role: str, category: str, now: str) -> None:
    held = state["holding"][member_id]
    state["role_time"][category] += _micros(held.pop(role), now)
    if not held:
        del state["holding"][member_id]


def _closed(state: dict, event: dict) -> list[tuple[str, str, int]]:
    """Success for the proposer's category; each pivotal vote, shown at the vote itself."""
    decision = event["data"]["decision"]
    proposal = state["open"].pop(event["aggregate_id"])
    traces = []
    if decision["outcome"] == "carried":
        state["carried"][proposal["category"]] += 1
        traces.append(("success", proposal["category"], event["position"]))
    for voter in decision["pivotal"]:
        ballot = proposal["ballots"][voter]
        state["pivotal"][ballot["category"]] += 1
        traces.append(("pivotal", ballot["category"], ballot["position"]))
    return traces


def _micros(start: str, end: str) -> int:
    elapsed = datetime.fromisoformat(end) - datetime.fromisoformat(start)
    return (elapsed.days * 86_400 + elapsed.seconds) * 1_000_000 + elapsed.microseconds


def power_balance(state: dict, members: dict, now: str | None) -> dict:
    """The figures per category and per side, as exact fractions (None where undefined)."""
    role_time = dict(state["role_time"])
    for member_id, held in state["holding"].items():
        for start in held.values():
            role_time[members[member_id]["category"]] += _micros(start, now)
    voting = dict.fromkeys(CATEGORIES, 0)
    for member in members.values():
        if is_voting(member):
            voting[member["category"]] += 1
    counts = {"membership": voting, "role": role_time,
              **{share: state[count] for share, count in COUNTS.items()}}
    by_side = {figure: {side: sum(v for c, v in values.items() if side_of(c) == side)
                        for side in SIDES} for figure, values in counts.items()}
    return {"categories": _shares(counts, CATEGORIES), "sides": _shares(by_side, SIDES),
            "totals": {figure: sum(values.values()) for figure, values in counts.items()}}


def _shares(counts: dict, keys: tuple[str, ...]) -> dict:
    totals = {figure: sum(values.values()) for figure, values in counts.items()}
    rows = {}
    for key in keys:
        row = {figure: Fraction(values[key], totals[figure]) if totals[figure] else None
               for figure, values in counts.items()}
        defined = [row[share] for share in SHARES if row[share] is not None]
        row["influence"] = sum(defined) / len(defined) if defined else None
        rows[key] = row
    influence_defined = all(rows[k]["influence"] is not None for k in keys)
    balance = (1 - Fraction(1, 2) * sum(abs(rows[k]["influence"] - (rows[k]["membership"] or 0))
                                        for k in keys)) if influence_defined else None
    return {"shares": rows, "balance_index": balance}
