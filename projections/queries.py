"""Questions asked of the read models, as plain functions returning plain data.

Every query can be asked as of a position in the log (`as_of`): the group's state is rebuilt from
its nearest stored snapshot at or before that position by folding the record entries after it,
so the answer is exact and costs at most a snapshot interval of folding. Fractions are given
exactly ("2/3") with a rounded decimal beside them.
"""

import json
from datetime import datetime
from fractions import Fraction

from domain.errors import NotFound
from domain.vocabulary import CATEGORIES, PRINCIPLES, SIDES, side_of
from projections.fold import balance, checked, fold_event, new_group_state
from projections.level import assess, configured_thresholds
from projections.principles import evidenced, group_view, peer_network, principle_counts
from projections.record import fold_proposal
from projections.runner import PROPOSAL_EVENTS
from projections.store import ViewTables

MAX_PAGE = 500
FIGURES = ("membership", "agenda", "success", "role", "pivotal")


def number(value: Fraction | None) -> dict | None:
    return None if value is None else {"exact": str(value), "value": round(float(value), 4)}


def group_state(views: ViewTables, group_id: str, as_of: int | None = None) -> dict:
    """The group's folded state, live or as of a position."""
    live = views.select("SELECT state, position FROM view_groups WHERE group_id = :group_id",
                        group_id=group_id)
    if not live:
        raise NotFound(f"there is no group with id {group_id}", "group_id")
    if as_of is None or as_of >= live[0]["position"]:
        return checked(json.loads(live[0]["state"]))
    snapshot = views.select(
        "SELECT state, position FROM view_snapshots WHERE group_id = :group_id "
        "AND position <= :as_of ORDER BY position DESC LIMIT 1", group_id=group_id, as_of=as_of)
    state, since = ((checked(json.loads(snapshot[0]["state"])), snapshot[0]["position"]) if snapshot
                    else (new_group_state(), 0))
    for entry in _entries(views, group_id, since, as_of):
        fold_event(state, entry)
    return state


def shared_record(views: ViewTables, group_id: str, *, since: int = 0, as_of: int | None = None,
                  limit: int = 100) -> dict:
    """A page of the record after `since`, with the members and proposals as of the same point."""
    state = group_state(views, group_id, as_of)
    limit = max(1, min(limit, MAX_PAGE))
    entries = _entries(views, group_id, since, as_of, limit)
    return {
        "group_id": group_id, "as_of": as_of, "entries": entries,
        "next_since": entries[-1]["position"] if len(entries) == limit else None,
        "members": state["membership"]["members"],
        "proposals": proposals(views, group_id, as_of),
    }


def proposals(views: ViewTables, group_id: str, as_of: int | None = None) -> list[dict]:
    """Each proposal's state and live tally, live or as of a position."""
    if as_of is None:
        rows = views.select("SELECT state FROM view_proposals WHERE group_id = :group_id",
                            group_id=group_id)
        found = [json.loads(r["state"]) for r in rows]
    else:
        by_id = {}
        for entry in _entries(views, group_id, 0, as_of):
            if entry["type"] in PROPOSAL_EVENTS:
                by_id[entry["aggregate_id"]] = fold_proposal(by_id.get(entry["aggregate_id"]),
                                                             entry)
        found = list(by_id.values())
    return sorted(found, key=lambda p: p["tabled"]["position"])


def proposal_page(views: ViewTables, group_id: str, *, status: str | None = None,
                  before: int | None = None, limit: int = 100) -> dict:
    """The group's proposals, newest first, perhaps only those of one status; `before` (the
    tabling position of the last one seen) continues a page."""
    limit = max(1, min(limit, MAX_PAGE))
    condition = "" if status is None else " AND status = :status"
    rows = views.select(
        f"SELECT state FROM view_proposals WHERE group_id = :group_id{condition} "
        f"AND tabled_at < :before ORDER BY tabled_at DESC LIMIT :limit",
        group_id=group_id, before=_upto(before), limit=limit,
        **({} if status is None else {"status": status}))
    found = [json.loads(r["state"]) for r in rows]
    return {"group_id": group_id, "proposals": found,
            "next_before": found[-1]["tabled"]["position"] if len(found) == limit else None}


def due_proposals(views: ViewTables, now: datetime, limit: int = 100) -> list[str]:
    """Open proposals whose deadline has come by `now`, earliest deadline first."""
    rows = views.select("SELECT proposal_id FROM view_proposals WHERE status = 'open' AND "
                        "closes_at <= :now ORDER BY closes_at, proposal_id LIMIT :limit",
                        now=int(now.timestamp()), limit=limit)
    return [r["proposal_id"] for r in rows]


def power_balance(views: ViewTables, group_id: str, as_of: int | None = None) -> dict:
    state = group_state(views, group_id, as_of)
    figures = balance(state)
    return {
        "group_id": group_id, "as_of": as_of, "now": state["now"],
        **{level: {"balance_index": number(figures[level]["balance_index"]),
                   "shares": {key: {name: number(value) for name, value in row.items()}
                              for key, row in figures[level]["shares"].items()}}
           for level in ("categories", "sides")},
        "totals": {"role_seconds": figures["totals"]["role"] / 1_000_000,
                   **{k: v for k, v in figures["totals"].items() if k != "role"}},
        "trace": {"figures": list(FIGURES), "keys": list(CATEGORIES) + list(SIDES)},
    }


def trace(views: ViewTables, group_id: str, figure: str, key: str, *,
          as_of: int | None = None, after: int = 0, limit: int = 100) -> dict:
    """The events behind one figure of one category or side: a page of record entries."""
    if figure not in FIGURES or key not in CATEGORIES + SIDES:
        raise NotFound(f"there is no figure {figure!r} for {key!r}", "figure")
    categories = [key] if key in CATEGORIES else [c for c in CATEGORIES if side_of(c) == key]
    marks = ", ".join(f":c{n}" for n in range(len(categories)))
    limit = max(1, min(limit, MAX_PAGE))
    rows = views.select(
        f"SELECT DISTINCT t.position, r.entry FROM view_trace t JOIN view_record r "
        f"ON r.group_id = t.group_id AND r.position = t.position "
        f"WHERE t.group_id = :group_id AND t.figure = :figure AND t.category IN ({marks}) "
        f"AND t.position > :after AND t.counted_at <= :as_of ORDER BY t.position LIMIT :limit",
        group_id=group_id, figure=figure, after=after, as_of=_upto(as_of), limit=limit,
        **{f"c{n}": c for n, c in enumerate(categories)})
    entries = [json.loads(r["entry"]) for r in rows]
    return {"figure": figure, "key": key, "entries": entries,
            "next_after": entries[-1]["position"] if len(entries) == limit else None}


def principles(views: ViewTables, group_id: str, as_of: int | None = None,
               items_per_principle: int = 20) -> dict:
    """Evidence per principle (count, whether it is evidenced, and the latest items, each linked
    to its events) beside the group's own view from its members' latest reflections."""
    state = group_state(views, group_id, as_of)
    own = group_view(state["principles"]["reflections"])
    counts, found = principle_counts(state["principles"]), evidenced(state["principles"])
    result = {}
    for principle in PRINCIPLES:
        rows = views.select(
            "SELECT item FROM view_evidence WHERE group_id = :group_id AND principle = "
            ":principle AND position <= :as_of ORDER BY position DESC LIMIT :limit",
            group_id=group_id, principle=principle, as_of=_upto(as_of),
            limit=items_per_principle)
        result[principle] = {
            "count": counts[principle], "evidenced": found[principle],
            "items": [json.loads(r["item"]) for r in rows],
            "reflections": {**own[principle], "mean": number(own[principle]["mean"])},
        }
    result["reciprocity"]["giving"] = dict(state["principles"]["giving"])
    network = peer_network(state["principles"], state["membership"]["members"])
    return {"group_id": group_id, "as_of": as_of, "principles": result,
            "peer_network": number(network.pop("share")), "peer_network_members": network}


def level(views: ViewTables, group_id: str, as_of: int | None = None,
          thresholds: dict | None = None) -> dict:
    state = group_state(views, group_id, as_of)
    if thresholds is None:
        thresholds = configured_thresholds()
    return {"group_id": group_id, "as_of": as_of, "now": state["now"],
            **assess(state, balance(state), thresholds)}


def series(views: ViewTables, group_id: str, as_of: int | None = None) -> list[dict]:
    """The balance after each closed decision, for charts over time."""
    rows = views.select("SELECT point FROM view_series WHERE group_id = :group_id AND "
                        "position <= :as_of ORDER BY position", group_id=group_id,
                        as_of=_upto(as_of))
    return [json.loads(r["point"]) for r in rows]


def record_entries(views: ViewTables, group_id: str, as_of: int | None = None) -> list[dict]:
    """Every entry of the group's record (up to `as_of`), in order: for exports and reports."""
    group_state(views, group_id)  # an unknown group is an error, not an empty record
    return _entries(views, group_id, 0, as_of)


def groups_of(views: ViewTables, person_id: str, *, after: str = "",
              limit: int = 100) -> list[dict]:
    """The groups a person belongs to or audits, by group id after `after`: id, category,
    roles, auditor, and the text id of the group's name."""
    rows = views.select(
        "SELECT group_id, category, roles, auditor, name_text_id FROM view_people "
        "WHERE person_id = :person_id AND group_id > :after ORDER BY group_id LIMIT :limit",
        person_id=person_id, after=after, limit=max(1, min(limit, MAX_PAGE)))
    return [{"id": r["group_id"], "category": r["category"], "roles": json.loads(r["roles"]),
             "auditor": bool(r["auditor"]), "name_text_id": r["name_text_id"]} for r in rows]


def groups(views: ViewTables) -> list[str]:
    return [r["group_id"] for r in views.select("SELECT group_id FROM view_groups "
                                                "ORDER BY group_id")]


def _entries(views, group_id, since, as_of, limit=None) -> list[dict]:
    statement = ("SELECT entry FROM view_record WHERE group_id = :group_id AND position > :since "
                 "AND position <= :as_of ORDER BY seq")
    params = {"group_id": group_id, "since": since, "as_of": _upto(as_of)}
    if limit is not None:
        statement += " LIMIT :limit"
        params["limit"] = limit
    return [json.loads(r["entry"]) for r in views.select(statement, **params)]


def _upto(as_of: int | None) -> int:
    return 2**62 if as_of is None else as_of
