"""Questions asked of the read models, as plain functions returning plain data.

Every query can be asked as of a position in the log (`as_of`): the group's state is rebuilt from
its nearest stored snapshot at or before that position by folding the record entries after it,
so the answer is exact and costs at most a snapshot interval of folding. A live read costs rows
bounded by the page it asks for, never by the history: the figures come from the row the runner
stored with the group's state (`projections.figures`). Fractions are given exactly ("2/3") with a
rounded decimal beside them.
"""

import json
from datetime import datetime

from domain.errors import NotFound
from domain.vocabulary import CATEGORIES, PRINCIPLES, SIDES, side_of
from projections.figures import FIGURES, level_of, power_balance_of, principles_of
from projections.fold import checked, fold_event, new_group_state
from projections.level import configured_thresholds, thresholds_of
from projections.record import fold_proposal
from projections.runner import PROPOSAL_EVENTS
from projections.store import ViewTables

MAX_PAGE = 500


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
    """A page of the record after `since`, with the members as of the same point and the
    proposals this page's entries concern: rows read are bounded by the page, not the history."""
    state = group_state(views, group_id, as_of)
    limit = max(1, min(limit, MAX_PAGE))
    entries = _entries(views, group_id, since, as_of, limit)
    concerned = sorted({e["aggregate_id"] for e in entries if e["type"] in PROPOSAL_EVENTS})
    return {
        "group_id": group_id, "as_of": as_of, "entries": entries,
        "next_since": entries[-1]["position"] if len(entries) == limit else None,
        "members": state["membership"]["members"],
        "proposals": proposals(views, group_id, as_of, only=concerned),
    }


def proposals(views: ViewTables, group_id: str, as_of: int | None = None,
              only: list[str] | None = None) -> list[dict]:
    """Each proposal's state and live tally (or only those of ids `only`), live or as of a
    position."""
    if only == []:
        return []
    where, params = "group_id = :group_id", {"group_id": group_id}
    if only is not None:
        where += f" AND {_within('aggregate_id' if as_of else 'proposal_id', only, params)}"
    if as_of is None:
        rows = views.select(f"SELECT state FROM view_proposals WHERE {where}", **params)
        found = [json.loads(r["state"]) for r in rows]
    else:
        by_id = {}
        rows = views.select(f"SELECT entry FROM view_record WHERE {where} AND position <= :as_of "
                            "ORDER BY position", as_of=as_of, **params)
        for entry in (json.loads(r["entry"]) for r in rows):
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
    stored = _figures(views, group_id, as_of, "power_balance")
    return {"group_id": group_id, "as_of": as_of,
            **(stored or power_balance_of(group_state(views, group_id, as_of)))}


def trace(views: ViewTables, group_id: str, figure: str, key: str, *,
          as_of: int | None = None, after: int = 0, limit: int = 100) -> dict:
    """The events behind one figure of one category or side: a page of record entries."""
    if figure not in FIGURES or key not in CATEGORIES + SIDES:
        raise NotFound(f"there is no figure {figure!r} for {key!r}", "figure")
    categories = [key] if key in CATEGORIES else [c for c in CATEGORIES if side_of(c) == key]
    params = {"group_id": group_id, "figure": figure, "after": after, "as_of": _upto(as_of),
              "limit": max(1, min(limit, MAX_PAGE))}
    rows = views.select(
        f"SELECT DISTINCT t.position, r.entry FROM view_trace t JOIN view_record r "
        f"ON r.group_id = t.group_id AND r.position = t.position "
        f"WHERE t.group_id = :group_id AND t.figure = :figure "
        f"AND {_within('t.category', categories, params)} "
        f"AND t.position > :after AND t.counted_at <= :as_of ORDER BY t.position LIMIT :limit",
        **params)
    entries = [json.loads(r["entry"]) for r in rows]
    return {"figure": figure, "key": key, "entries": entries,
            "next_after": entries[-1]["position"] if len(entries) == params["limit"] else None}


def principles(views: ViewTables, group_id: str, as_of: int | None = None,
               items_per_principle: int = 20) -> dict:
    """Evidence per principle (count, whether it is evidenced, and the latest items, each linked
    to its events) beside the group's own view from its members' latest reflections."""
    found = (_figures(views, group_id, as_of, "principles")
             or principles_of(group_state(views, group_id, as_of)))
    for principle in PRINCIPLES:
        rows = views.select(
            "SELECT item FROM view_evidence WHERE group_id = :group_id AND principle = "
            ":principle AND position <= :as_of ORDER BY position DESC LIMIT :limit",
            group_id=group_id, principle=principle, as_of=_upto(as_of),
            limit=items_per_principle)
        found["principles"][principle]["items"] = [json.loads(r["item"]) for r in rows]
    return {"group_id": group_id, "as_of": as_of, **found}


def level(views: ViewTables, group_id: str, as_of: int | None = None,
          thresholds: dict | None = None) -> dict:
    """The level under `thresholds` (default: the setting's); under the default thresholds a
    live answer is the stored one."""
    if thresholds is None:
        thresholds = configured_thresholds()
    stored = (_figures(views, group_id, as_of, "level") if thresholds_of(thresholds)
              == thresholds_of(None) else None)
    return {"group_id": group_id, "as_of": as_of,
            **(stored or level_of(group_state(views, group_id, as_of), thresholds))}


def series(views: ViewTables, group_id: str, as_of: int | None = None) -> list[dict]:
    """The balance after each closed decision, for charts over time."""
    rows = views.select("SELECT point FROM view_series WHERE group_id = :group_id AND "
                        "position <= :as_of ORDER BY position", group_id=group_id,
                        as_of=_upto(as_of))
    return [json.loads(r["point"]) for r in rows]


def newest_entries(views: ViewTables, group_id: str, *, as_of: int | None = None,
                   limit: int = 50) -> list[dict]:
    """The group's latest `limit` entries (up to `as_of`), in log order: what a page shows first,
    read newest first through the index, so a long history costs the same as a short one."""
    rows = views.select("SELECT entry FROM view_record WHERE group_id = :group_id AND "
                        "position <= :as_of ORDER BY seq DESC LIMIT :limit", group_id=group_id,
                        as_of=_upto(as_of), limit=max(1, min(limit, MAX_PAGE)))
    return [json.loads(r["entry"]) for r in reversed(rows)]


def aggregate_entries(views: ViewTables, group_id: str, aggregate_id: str,
                      as_of: int | None = None) -> list[dict]:
    """Every entry of one aggregate of the group (a proposal's tabling, votes, comments and
    close), in log order, whatever its place in the group's history."""
    rows = views.select("SELECT entry FROM view_record WHERE aggregate_id = :aggregate_id AND "
                        "group_id = :group_id AND position <= :as_of ORDER BY position",
                        aggregate_id=aggregate_id, group_id=group_id, as_of=_upto(as_of))
    return [json.loads(r["entry"]) for r in rows]


def record_bounds(views: ViewTables, group_id: str) -> tuple[int, int] | None:
    """The positions of the group's first and latest entries (None before any)."""
    rows = views.select("SELECT MIN(position) AS first, MAX(position) AS last FROM view_record "
                        "WHERE group_id = :group_id", group_id=group_id)
    return (rows[0]["first"], rows[0]["last"]) if rows and rows[0]["last"] is not None else None


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


def open_proposals_in(views: ViewTables, group_ids: list[str]) -> list[dict]:
    """The open proposals of the groups `group_ids` (one page of "my groups"), in one statement:
    their cost follows the person's groups, never the number of groups in the store."""
    if not group_ids:
        return []
    params: dict = {}
    rows = views.select("SELECT state FROM view_proposals WHERE status = 'open' AND "
                        f"{_within('group_id', group_ids, params)} ORDER BY tabled_at", **params)
    return [json.loads(r["state"]) for r in rows]


def folded_position(views: ViewTables, group_id: str) -> int:
    """The log position the group's live figures are folded up to (0 for an unknown group)."""
    rows = views.select("SELECT position FROM view_groups WHERE group_id = :group_id",
                        group_id=group_id)
    return rows[0]["position"] if rows else 0


def standing(views: ViewTables, person_id: str, *, group_id: str | None = None,
             proposal_id: str | None = None) -> tuple[str | None, str | None]:
    """(group id, "member" | "auditor" | None) for the person in a group, or in the group of a
    proposal, as far as the read models have folded: (None, None) for a proposal they do not
    hold yet. One indexed statement; the caller decides what a lagging answer may grant."""
    if proposal_id is not None:
        rows = views.select(
            "SELECT p.group_id, m.auditor FROM view_proposals p LEFT JOIN view_people m "
            "ON m.group_id = p.group_id AND m.person_id = :person_id "
            "WHERE p.proposal_id = :proposal_id", person_id=person_id, proposal_id=proposal_id)
        if not rows:
            return None, None
        group_id, auditor = rows[0]["group_id"], rows[0]["auditor"]
    else:
        rows = views.select("SELECT auditor FROM view_people WHERE person_id = :person_id "
                            "AND group_id = :group_id", person_id=person_id, group_id=group_id)
        auditor = rows[0]["auditor"] if rows else None
    return group_id, None if auditor is None else ("auditor" if auditor else "member")


def groups(views: ViewTables) -> list[str]:
    return [r["group_id"] for r in views.select("SELECT group_id FROM view_groups "
                                                "ORDER BY group_id")]


def _entries(views, group_id, since, as_of, limit=None) -> list[dict]:
    """In the group's order: by position, which its `seq` follows, so that the index on
    (group_id, position) both finds and orders a page (ordered by seq, every entry after
    `since` was read and sorted before the first of the page was returned)."""
    statement = ("SELECT entry FROM view_record WHERE group_id = :group_id AND position > :since "
                 "AND position <= :as_of ORDER BY position")
    params = {"group_id": group_id, "since": since, "as_of": _upto(as_of)}
    if limit is not None:
        statement += " LIMIT :limit"
        params["limit"] = limit
    return [json.loads(r["entry"]) for r in views.select(statement, **params)]


def _figures(views: ViewTables, group_id: str, as_of: int | None, name: str) -> dict | None:
    """The stored figure `name` when it answers the question: a live read of the group's latest
    folded position (None otherwise, and for views folded before figures were stored)."""
    rows = views.select("SELECT f.figures FROM view_figures f JOIN view_groups g ON g.group_id = "
                        "f.group_id AND g.position = f.position WHERE f.group_id = :group_id "
                        "AND (:as_of >= g.position)", group_id=group_id, as_of=_upto(as_of))
    if not rows:
        return None
    return checked(json.loads(rows[0]["figures"]))[name]


def _within(column: str, values: list[str], params: dict) -> str:
    """`column IN (…)` with one named parameter per value, added to `params`."""
    names = [f"{column.replace('.', '_')}{n}" for n in range(len(values))]
    params.update(zip(names, values))
    return f"{column} IN ({', '.join(':' + name for name in names)})"


def _upto(as_of: int | None) -> int:
    return 2**62 if as_of is None else as_of
