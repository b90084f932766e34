"""What a group's pages show, read from the read models in-process: the record in sentences,
the proposals with their tallies, the members by category, times as people say them."""

from datetime import datetime, timezone

from flask import abort
from flask_babel import format_datetime, format_timedelta, gettext as _

from domain.errors import NotFound
from domain.vocabulary import CATEGORIES, side_of
from projections import queries
from webapp import i18n
from webapp.commands import visible_group
from webapp.services import services
from webapp.pages.common import Names
from webapp.pages.sentences import HIDDEN, Sentences


def group_or_404(group_id: str, person: dict):
    try:
        return visible_group(services(), group_id, person["person_id"])
    except NotFound:
        abort(404)


def when(iso: str) -> dict:
    """A time as people say it ("5 minutes ago") with the exact time beside it."""
    moment = datetime.fromisoformat(iso)
    return {"iso": moment.isoformat(), "exact": format_datetime(moment, "EEEE d MMMM y, HH:mm"),
            "relative": format_timedelta(moment - datetime.now(timezone.utc),
                                         add_direction=True, threshold=1.1)}


class Room:
    """One group as one person sees it, live or as of a position."""

    def __init__(self, group_id: str, person: dict, as_of: int | None = None):
        self.group_id, self.person, self.as_of = group_id, person, as_of
        self.group = group_or_404(group_id, person)
        self.views = services().runner.views
        self.names = Names(self.group)
        self.proposals = queries.proposals(self.views, group_id, as_of)
        self.state = queries.group_state(self.views, group_id, as_of)
        self.members = self.state["membership"]["members"]
        self.texts = self.names.read([self.group.name, self.group.purpose]
                                     + [[p["title"], p["body"], p.get("comments", [])]
                                        for p in self.proposals])
        self.sentences = Sentences(self.names, self.texts,
                                   {p["id"]: p["title"] for p in self.proposals})

    @property
    def name(self) -> str:
        return self.texts.get(self.group.name["text_id"]) or _("[redacted]")

    @property
    def purpose(self) -> str:
        return self.texts.get(self.group.purpose["text_id"]) or ""

    @property
    def my_roles(self) -> list[str]:
        return self.members.get(self.person["person_id"], {}).get("roles", [])

    @property
    def voting(self) -> list[str]:
        return [m for m, member in self.members.items() if "observer" not in member["roles"]]

    def can(self, what: str) -> bool:
        roles = set(self.my_roles)
        if what == "vote":
            return bool(roles) and "observer" not in roles
        if what == "record_votes":
            return bool(roles & {"chair", "facilitator", "note_taker"})
        if what == "lead":
            return bool(roles & {"chair", "facilitator"})
        if what == "chair":
            return "chair" in roles
        return bool(roles)

    def entries(self, *, since: int = 0, newest: int | None = 50) -> list[dict]:
        """Record entries as sentences, newest first: the latest `newest` (as of the room's
        position), or a page of those after `since`."""
        if newest is None:
            found = queries.shared_record(self.views, self.group_id, since=since,
                                          as_of=self.as_of, limit=queries.MAX_PAGE)["entries"]
        else:  # each hidden entry follows a shown one: twice as many rows hold `newest` shown
            found = queries.newest_entries(self.views, self.group_id, as_of=self.as_of,
                                           limit=2 * newest)
        chosen = [e for e in found if e["type"] not in HIDDEN]
        return self.said(chosen[-newest:] if newest else chosen)

    def history(self, proposal_id: str) -> list[dict]:
        """A proposal's own entries as sentences, newest first, however long the group's
        history."""
        return self.said(queries.aggregate_entries(self.views, self.group_id, proposal_id,
                                                   self.as_of))

    def said(self, chosen: list[dict]) -> list[dict]:
        """Entries (in log order) as sentences, newest first, with the texts they cite."""
        self.texts.update(self.names.read([e["data"] for e in chosen]))
        return [self.shown(e) for e in reversed(chosen)]

    def shown(self, entry: dict) -> dict:
        return {"position": entry["position"], "seq": entry["seq"], "type": entry["type"],
                "sentence": self.sentences.of(entry), "reason": self.sentences.reason(entry),
                "when": when(entry["time"]), "voter": entry["data"].get("voter"),
                "vote": entry["data"].get("position"), "proposal_id": entry["aggregate_id"]
                if entry["type"] in ("Tabled", "Amended", "VoteCast", "Closed", "Withdrawn",
                                     "Commented") else None}

    def proposal(self, view: dict) -> dict:
        """A proposal as its card shows it: title, proposer, rule, tally, my vote."""
        mine = view["ballots"].get(self.person["person_id"])
        return {
            "id": view["id"], "title": self.sentences.title(view["id"]),
            "body": self.texts.get(view["body"]["text_id"]) or "",
            "proposer": self.names.person(view["proposer"]), "status": view["status"],
            "scope": i18n.SCOPES.get(view["scope"], view["scope"]),
            "rule": view["rule"], "rule_label": i18n.RULES.get(view["rule"]["rule"]),
            "tally": view["tally"], "voted": len(view["ballots"]), "eligible": len(self.voting),
            "mine": mine["position"] if mine else None, "decision": view["decision"],
            "outcome": (view["decision"] or {}).get("outcome") or view["status"],
            "closes_at": view.get("closes_at") and when(view["closes_at"]),
            "at_deadline": view.get("at_deadline"), "tabled": when(view["tabled"]["time"]),
            "proposer_id": view["proposer"], "comments": self._comments(view),
        }

    def _comments(self, view: dict) -> list[dict]:
        """Comments in order, each with its replies (one level)."""
        shown = [{"id": c["id"], "author": self.names.person(c["author"]),
                  "body": self.texts.get(c["body"]["text_id"]) or _("[redacted]"),
                  "when": when(c["time"]), "reply_to": c["reply_to"], "replies": []}
                 for c in view.get("comments", [])]
        by_id = {c["id"]: c for c in shown}
        for comment in shown:
            if comment["reply_to"] in by_id:
                by_id[comment["reply_to"]]["replies"].append(comment)
        return [c for c in shown if c["reply_to"] not in by_id]

    def open_proposals(self) -> list[dict]:
        return [self.proposal(p) for p in reversed(self.proposals) if p["status"] == "open"]

    def closed_proposals(self) -> list[dict]:
        return [self.proposal(p) for p in reversed(self.proposals) if p["status"] != "open"]

    def by_category(self) -> list[dict]:
        """Members grouped by category, in the vocabulary's order, names sorted."""
        groups = []
        for category in CATEGORIES:
            people = sorted(({"id": m, "name": self.names.person(m),
                              "roles": [i18n.ROLES[r] for r in member["roles"]
                                        if r != "member"]}
                             for m, member in self.members.items()
                             if member["category"] == category), key=lambda p: p["name"])
            if people:
                groups.append({"code": category, "side": side_of(category),
                               "label": i18n.CATEGORIES_PLURAL[category], "people": people})
        return groups

    def member_choices(self) -> list[tuple[str, str]]:
        return sorted(((m, self.names.person(m)) for m in self.members), key=lambda c: c[1])
