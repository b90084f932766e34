"""The group page and the proposal page, their forms, and the live updates their script asks for.

Every form posts to a route here that hands it to the command dispatcher the API uses (same
schema, same permission, same application method); with JavaScript the same route answers JSON
and the page updates in place (a typed draft is never replaced).
"""

from datetime import datetime
from functools import partial
from zoneinfo import ZoneInfo

from flask import abort, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from domain.errors import DomainError, NotFound
from domain.vocabulary import PRINCIPLES, SCOPES
from webapp import i18n
from webapp.commands import Caller, dispatch, visible_proposal
from webapp.idempotency import request_id
from webapp.pages import pages
from webapp.pages.common import (answer, check_csrf, local, refused, signed_in,
                                  whole_number)
from webapp.pages.reading import Room
from webapp.services import services


@pages.get("/groups/<group_id>")
def group_page(group_id: str, errors: dict | None = None, values: dict | None = None):
    room = Room(group_id, signed_in())
    return render_template("group.html", room=room, entries=room.entries(), errors=errors or {},
                           values=values or {}, scopes=SCOPES, principles=PRINCIPLES)


@pages.get("/groups/<group_id>/live")
def live(group_id: str):
    """What changed after `since` (a log position): new record entries as HTML, each
    proposal's tally and status, and new open proposals as HTML cards."""
    room = Room(group_id, signed_in())
    since = whole_number(request.args.get("since")) or 0
    entries = room.entries(since=since, newest=None)
    known = set(request.args.get("known", "").split(","))
    cards = [p for p in room.open_proposals() if p["id"] not in known]
    return jsonify({
        "position": max([e["position"] for e in entries], default=since),
        "entries": [render_template("_entry.html", entry=e) for e in reversed(entries)],
        "announce": [e["sentence"] for e in reversed(entries)],
        "proposals": {p["id"]: {"tally": p["tally"], "status": p["status"],
                                "turnout": _("%(voted)s of %(eligible)s voting members have "
                                             "voted.", voted=p["voted"], eligible=p["eligible"]),
                                "outcome": str(i18n.OUTCOMES.get(p["outcome"], "")),
                                "mine": _("Your vote: %(position)s",
                                          position=i18n.POSITIONS[p["mine"]]) if p["mine"]
                                else _("You have not voted yet.")}
                      for p in map(room.proposal, room.proposals)},
        "cards": [render_template("_proposal_card.html", room=room, p=p, errors={}, values={},
                                  here=url_for("pages.group_page", group_id=group_id))
                  for p in cards],
    })


@pages.get("/proposals/<proposal_id>")
def proposal_page(proposal_id: str, errors: dict | None = None, values: dict | None = None):
    person = signed_in()
    try:
        aggregate = visible_proposal(services(), proposal_id, person["person_id"])
    except NotFound:
        abort(404)
    room = Room(aggregate.group_id, person)
    view = next(p for p in room.proposals if p["id"] == proposal_id)
    versions = [{"title": v["title"], "body": v["body"]} for v in aggregate.versions]
    texts = room.names.read(versions)
    history = room.history(proposal_id)
    return render_template("proposal.html", room=room, p=room.proposal(view), texts=texts,
                           versions=versions, history=list(reversed(history)),
                           votes=_votes(room, history), errors=errors or {},
                           values=values or {})


def _votes(room: Room, history: list[dict]) -> list[dict]:
    """Each voter's votes in order, the latest first in the list, earlier ones as changes."""
    by_voter: dict[str, list] = {}
    for entry in reversed(history):
        if entry["type"] == "VoteCast":
            by_voter.setdefault(entry["voter"], []).append(entry)
    return [{"name": room.names.person(voter), "votes": list(reversed(votes))}
            for voter, votes in by_voter.items()]


def form_command(name: str, group_id: str, payload: dict, done_message: str, page=None):
    """Run one command through the dispatcher the API uses (same schema, same permission);
    on refusal show the page again (the group's, unless `page` says) with the errors beside
    the fields and what was typed."""
    person = signed_in()
    check_csrf()
    values = request.form.to_dict()
    try:
        done = dispatch(name, Caller.of(person, request_id()), payload)
    except (ValidationError, DomainError) as error:
        form, page = values.get("form", "_"), page or partial(group_page, group_id)
        return refused(error, lambda m: page(errors={form: m}, values=values))
    target = local(request.form.get("back"), url_for("pages.group_page", group_id=group_id))
    return answer(done_message, target, position=done["position"])


def form_fields(*keys: str) -> dict:
    """The form's non-empty fields among `keys` (an empty optional field means "not given")."""
    return {key: request.form[key] for key in keys if request.form.get(key)}


def form_rule() -> dict | None:
    """The decision rule a form chose (None: none chosen), with the usual quorum (1/2) and
    qualified-majority share (2/3) where they were left empty."""
    rule = request.form.get("rule")
    if not rule:
        return None
    chosen = {"rule": rule, "quorum": request.form.get("quorum") or "1/2"}
    if rule == "supermajority":
        chosen["threshold"] = request.form.get("threshold") or "2/3"
    return chosen


@pages.post("/groups/<group_id>/proposals")
def table_proposal(group_id: str):
    payload = {**form_fields("title", "body", "scope"), "group_id": group_id}
    if form_rule():
        payload["rule"] = form_rule()
    if request.form.get("closes_at"):
        payload["closes_at"] = _local_time(request.form["closes_at"])
    return form_command("table_proposal", group_id, payload, _("Your proposal was tabled."))


def _local_time(value: str) -> str:
    """A browser's date and time (no zone) as an ISO time in the service's zone; anything else
    is passed on for the schema to name."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(i18n.TIMEZONE))
    return moment.isoformat()


@pages.post("/proposals/<proposal_id>/comment")
def comment(proposal_id: str):
    payload = {**form_fields("body", "reply_to"), "proposal_id": proposal_id}
    return form_command("comment", _group_of(proposal_id), payload,
                        _("Your comment was added."), page=partial(proposal_page, proposal_id))


@pages.post("/proposals/<proposal_id>/vote")
def vote(proposal_id: str):
    payload = {**form_fields("position", "reason", "voter_id"), "proposal_id": proposal_id}
    return form_command("vote", _group_of(proposal_id), payload, _("Your vote was recorded."))


@pages.post("/proposals/<proposal_id>/close")
def close(proposal_id: str):
    return form_command("close_proposal", _group_of(proposal_id),
                        {"proposal_id": proposal_id}, _("The proposal was closed."))


@pages.post("/groups/<group_id>/contributions")
def contribute(group_id: str):
    kind = request.form.get("kind", "")
    payload = {"kind": kind, "group_id": group_id}
    if kind == "reflection":
        payload["scores"] = {p: _score(request.form[f"score_{p}"]) for p in PRINCIPLES
                             if request.form.get(f"score_{p}")}
        payload.update(form_fields("comment"))
    else:
        payload.update(form_fields("description",
                                   *(["to_member_id"] if kind == "support" else [])))
        tags = [t.strip() for t in request.form.get("tags", "").split(",") if t.strip()]
        if kind == "asset" and tags:
            payload["tags"] = tags
    return form_command("contribute", group_id, payload,
                        _("Thank you. It is now in the record."))


def _score(value: str) -> int | str:
    number = whole_number(value, digits=3)
    return value if number is None else number  # the schema names the field if not 1-5


def _group_of(proposal_id: str) -> str:
    signed_in()
    try:
        return services().app.proposal(proposal_id).group_id
    except (NotFound, DomainError):
        abort(404)

