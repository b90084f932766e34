"""The JSON API (docs/api.md): thin routes over the command dispatcher and the read models.

A write route hands its body and the URL's ids to `webapp/commands.py`, which validates, checks
the caller and runs one application method; the route only turns the answer into JSON. Writes
answer with the log position of their last event; reads accept `after=POSITION` and answer once
the read models include it. A group is invisible (404) to people who neither belong to it nor
audit it.
"""

from flask import Blueprint, current_app, jsonify, request
from marshmallow import ValidationError

from projections import queries
from webapp.auth import require_person
from webapp.commands import (Caller, check_group, dispatch, visible_group,
                             visible_proposal)
from webapp.cursors import make_cursor, read_cursor
from webapp.idempotency import idempotent, request_id
from webapp.inputs import json_body
from webapp.readable import names_in, texts_and_names, texts_in
from webapp.schemas import (
    AfterQuery,
    GroupOut,
    LevelOut,
    PowerBalanceOut,
    PrinciplesOut,
    ProposalListOut,
    ProposalOut,
    ProposalsQuery,
    ReadQuery,
    RecordOut,
    RecordQuery,
    TraceOut,
)
from webapp.services import error_response, services

api = Blueprint("api", __name__, url_prefix="/api")


def run(name: str, status: int = 201, **ids):
    """Hand the JSON body and the URL's ids to the command dispatcher; answer with its result."""
    caller = Caller.of(require_person(), request_id())
    payload = json_body()
    if isinstance(payload, dict):
        clash = payload.keys() & ids.keys()
        if clash:
            raise ValidationError({key: ["Unknown field."] for key in clash})
        payload = {**payload, **ids}
    return jsonify(dispatch(name, caller, payload)), status


def read_query(schema=ReadQuery) -> dict:
    """Read parameters, after waiting (bounded) for the read models to pass `after`."""
    params = schema().load(request.args.to_dict())
    if "after" in params:
        if params["after"] > (services().app.recorder.max_notification_id() or 0):
            return error_response(422, {"after": ["no event has this position yet"]})
        wait = current_app.config["READ_WAIT_SECONDS"]
        if not services().runner.wait_for(params["after"], wait):
            return error_response(503, {"after": ["the read models have not reached this "
                                                  "position yet; retry shortly"]},
                                  **{"Retry-After": "1"})
    return params


# Groups and members ---------------------------------------------------------------------------

@api.post("/groups")
@idempotent
def found_group():
    return run("found_group")


@api.get("/groups/<group_id>")
def group(group_id: str):
    person = require_person()
    group = visible_group(services(), group_id, person["person_id"])
    params = read_query(AfterQuery)
    if not isinstance(params, dict):
        return params
    texts = services().app.texts
    names = names_in(services(), group_id, list(group.members))
    return jsonify(GroupOut().dump({
        "id": group_id, "name": texts.text(group.name), "purpose": texts.text(group.purpose),
        "decision_rule": group.rule, "your_roles": group.roles_of(person["person_id"]),
        "members": [{"id": member_id, "category": member["category"], "roles": member["roles"],
                     "name": names.get(member_id)}
                    for member_id, member in group.members.items()],
    }))


@api.post("/groups/<group_id>/members")
@idempotent
def admit_member(group_id: str):
    return run("admit_member", group_id=group_id)


@api.post("/groups/<group_id>/auditors")
@idempotent
def appoint_auditor(group_id: str):
    """A chair, or an organisation admin, appoints a read-only auditor."""
    return run("appoint_auditor", group_id=group_id)


@api.post("/groups/<group_id>/roles")
@idempotent
def change_role(group_id: str):
    return run("change_role", group_id=group_id)


@api.post("/groups/<group_id>/members/<member_id>/leave")
@idempotent
def leave_group(group_id: str, member_id: str):
    return run("leave_group", group_id=group_id, member_id=member_id)


@api.post("/groups/<group_id>/members/<member_id>/remove")
@idempotent
def remove_member(group_id: str, member_id: str):
    return run("remove_member", group_id=group_id, member_id=member_id)


@api.post("/groups/<group_id>/members/<member_id>/category")
@idempotent
def change_category(group_id: str, member_id: str):
    return run("change_category", group_id=group_id, member_id=member_id)


# Proposals ------------------------------------------------------------------------------------

@api.post("/groups/<group_id>/proposals")
@idempotent
def table_proposal(group_id: str):
    return run("table_proposal", group_id=group_id)


@api.get("/groups/<group_id>/proposals")
def proposals(group_id: str):
    """The group's proposals from the read models, newest first, perhaps of one status."""
    check_group(services(), group_id, require_person()["person_id"])
    params = read_query(ProposalsQuery)
    if not isinstance(params, dict):
        return params
    page = queries.proposal_page(services().runner.views, group_id,
                                 status=params.get("status"), limit=params["limit"],
                                 before=_proposals_before(group_id, params.get("cursor")))
    found = services()
    titles = texts_in(found, [p["title"] for p in page["proposals"]])
    return jsonify(ProposalListOut().dump({
        "group_id": group_id,
        "proposals": [{**p, "title": titles[p["title"]["text_id"]],
                       "outcome": p["decision"]["outcome"] if p["decision"] else None,
                       "comments": len(p["comments"])} for p in page["proposals"]],
        "next_cursor": (None if page["next_before"] is None else make_cursor(
            "proposals", group=group_id, before=page["next_before"])),
        "names": names_in(found, group_id, [p["proposer"] for p in page["proposals"]]),
    }))


def _proposals_before(group_id: str, cursor: str | None) -> int | None:
    """The tabling position a proposals page continues before (its cursor is signed and names
    its group, like the record's)."""
    if cursor is None:
        return None
    found = read_cursor("proposals", cursor)
    if found.get("group") != group_id:
        raise ValidationError({"cursor": ["not a cursor given by this list"]})
    return found["before"]


@api.get("/proposals/<proposal_id>")
def proposal(proposal_id: str):
    """The proposal as it stands, with every version, its comments, and the texts and names
    they cite."""
    found = services()
    proposal = visible_proposal(found, proposal_id, require_person()["person_id"])
    params = read_query(AfterQuery)
    if not isinstance(params, dict):
        return params
    texts = texts_in(found, [proposal.versions, proposal.comments])
    latest = proposal.versions[-1]
    tally = dict.fromkeys(("for", "against", "abstain", "block"), 0)
    for position in proposal.ballots.values():
        tally[position] += 1
    answer = {
        "id": proposal_id, "group_id": proposal.group_id, "proposer": proposal.proposer,
        "title": texts[latest["title"]["text_id"]], "body": texts[latest["body"]["text_id"]],
        "versions": len(proposal.versions), "scope": proposal.scope, "kind": proposal.kind,
        "rule": proposal.rule, "change": proposal.change, "status": proposal.status,
        "votes": proposal.ballots, "tally": tally,
        "outcome": proposal.decision["outcome"] if proposal.decision else None,
        "decision": proposal.decision, "closes_at": proposal.closes_at,
        "at_deadline": proposal.at_deadline, "history": proposal.versions,
        "comments": proposal.comments, "texts": texts,
    }
    answer["names"] = names_in(found, proposal.group_id, answer)
    return jsonify(ProposalOut().dump(answer))


@api.post("/proposals/<proposal_id>/amend")
@idempotent
def amend_proposal(proposal_id: str):
    return run("amend_proposal", proposal_id=proposal_id)


@api.post("/proposals/<proposal_id>/comments")
@idempotent
def comment(proposal_id: str):
    return run("comment", proposal_id=proposal_id)


@api.post("/proposals/<proposal_id>/votes")
@idempotent
def cast_vote(proposal_id: str):
    return run("vote", proposal_id=proposal_id)


@api.post("/proposals/<proposal_id>/close")
@idempotent
def close_proposal(proposal_id: str):
    return run("close_proposal", 200, proposal_id=proposal_id)


@api.post("/proposals/<proposal_id>/withdraw")
@idempotent
def withdraw_proposal(proposal_id: str):
    return run("withdraw_proposal", 200, proposal_id=proposal_id)


# Contributions --------------------------------------------------------------------------------

@api.post("/groups/<group_id>/contributions")
@idempotent
def contribute(group_id: str):
    return run("contribute", group_id=group_id)


# Read models ----------------------------------------------------------------------------------

def _read(group_id: str, answer, schema=ReadQuery):
    check_group(services(), group_id, require_person()["person_id"])
    params = read_query(schema)
    if not isinstance(params, dict):
        return params
    return answer(services().runner.views, params)


@api.get("/groups/<group_id>/record")
def record(group_id: str):
    """A page of the record, with the texts its entries refer to and the names of the people
    in it. `next_cursor` continues it (`next_since` too, for clients of the first version)."""
    def answer(views, p):
        since, as_of = _record_start(group_id, p)
        found = queries.shared_record(views, group_id, since=since, as_of=as_of,
                                      limit=p["limit"])
        found["texts"], found["names"] = texts_and_names(services(), group_id, found)
        found["next_cursor"] = None if found["next_since"] is None else make_cursor(
            "record", group=group_id, after=found["next_since"], as_of=as_of)
        return jsonify(RecordOut().dump(found))

    return _read(group_id, answer, RecordQuery)


def _record_start(group_id: str, params: dict) -> tuple[int, int | None]:
    """Where a record page starts and as of which position: from `since` and `as_of`, or from
    the cursor of the page before (which already says both)."""
    if "cursor" not in params:
        return params["since"], params.get("as_of")
    if "since" in request.args:
        raise ValidationError({"since": ["give either since or cursor"]})
    found = read_cursor("record", params["cursor"])
    if found.get("group") != group_id:
        raise ValidationError({"cursor": ["not a cursor given by this list"]})
    if params.get("as_of", found["as_of"]) != found["as_of"]:
        raise ValidationError({"as_of": ["differs from the as_of the cursor continues"]})
    return found["after"], found["as_of"]


@api.get("/groups/<group_id>/power-balance")
def power_balance(group_id: str):
    return _read(group_id, lambda views, p: jsonify(PowerBalanceOut().dump(
        queries.power_balance(views, group_id, p.get("as_of")))))


@api.get("/groups/<group_id>/power-balance/<figure>/<key>")
def trace(group_id: str, figure: str, key: str):
    """The record entries behind one figure of one category or side, paged by position."""
    return _read(group_id, lambda views, p: jsonify(TraceOut().dump(queries.trace(
        views, group_id, figure, key, as_of=p.get("as_of"), after=p["since"],
        limit=p["limit"]))))


@api.get("/groups/<group_id>/principles")
def principles(group_id: str):
    return _read(group_id, lambda views, p: jsonify(PrinciplesOut().dump(
        queries.principles(views, group_id, p.get("as_of")))))


@api.get("/groups/<group_id>/level")
def level(group_id: str):
    return _read(group_id, lambda views, p: jsonify(LevelOut().dump(
        queries.level(views, group_id, p.get("as_of")))))

