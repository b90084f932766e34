"""The JSON API of shared/api.md: validate, check who is calling, call one command or query.

The domain decides what a member may do (its errors map to 403, 404, 409, 422); this layer adds
what only it knows: the caller's account, and that a group is invisible (404) to people who
neither belong to it nor audit it. Writes answer with the log position of their last event;
reads accept `after=POSITION` and answer once the read models include it.
"""

from flask import Blueprint, current_app, jsonify, request

from domain.errors import NotAllowed, NotFound
from projections import queries
from webapp.app import error_response, services
from webapp.auth import require_person
from webapp.idempotency import idempotent, request_id
from webapp.schemas import (
    AuditorIn,
    AuditorWritten,
    Closed,
    ContributionIn,
    EmptyIn,
    GroupIn,
    GroupOut,
    LevelOut,
    MemberIn,
    MemberWritten,
    PowerBalanceOut,
    PrinciplesOut,
    ProposalIn,
    ProposalOut,
    ReadQuery,
    RecordOut,
    RoleChangeIn,
    TraceOut,
    VoteIn,
    Written,
)

api = Blueprint("api", __name__, url_prefix="/api")


def body(schema) -> dict:
    return schema().load(request.get_json(silent=True) or {})


def written(done, status: int = 201):
    return jsonify(Written().dump({"id": done.id, "position": done.position})), status


def visible_group(group_id: str, person: dict, *, changing: bool = False):
    """The group, if the caller belongs to it or audits it; otherwise it does not exist for
    them. Auditors read everything and change nothing."""
    group = services().app.group(group_id)
    if person["person_id"] in group.members:
        return group
    if person["person_id"] in group.auditors:
        if changing:
            raise NotAllowed("an auditor can read this group but change nothing")
        return group
    raise NotFound(f"there is no group with id {group_id}", "group_id")


def read_query() -> dict:
    """Read parameters, after waiting (bounded) for the read models to pass `after`."""
    params = ReadQuery().load(request.args.to_dict())
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
    person, data = require_person(), body(GroupIn)
    done = services().app.found_group(
        actor=person["person_id"], name=data["name"], purpose=data["purpose"],
        category=data["category"], founder_name=person["name"],
        decision_rule=data["decision_rule"], request_id=request_id())
    return written(done)


@api.get("/groups/<group_id>")
def group(group_id: str):
    person = require_person()
    group = visible_group(group_id, person)
    texts = services().app.texts
    given = texts.read([ref["text_id"] for ref in group.display_names.values()])
    accounts = services().accounts.names(list(group.members))

    def name(member_id: str) -> str | None:
        """The account's name, else the name given when the member joined (None if erased)."""
        return accounts.get(member_id) or given[group.display_names[member_id]["text_id"]]

    return jsonify(GroupOut().dump({
        "id": group_id, "name": texts.text(group.name), "purpose": texts.text(group.purpose),
        "decision_rule": group.rule, "your_roles": group.roles_of(person["person_id"]),
        "members": [{"id": member_id, "category": member["category"], "roles": member["roles"],
                     "name": name(member_id)} for member_id, member in group.members.items()],
    }))


@api.post("/groups/<group_id>/members")
@idempotent
def admit_member(group_id: str):
    person, data = require_person(), body(MemberIn)
    visible_group(group_id, person, changing=True)
    newcomer = services().accounts.person_by_email(data["email"])
    if newcomer is None:
        return error_response(422, {"email": ["no account has this email"]})
    done = services().app.admit_member(
        group_id, actor=person["person_id"], member_id=newcomer["person_id"],
        display_name=newcomer["name"], category=data["category"], role=data["role"])
    return jsonify(MemberWritten().dump({"member_id": done.id, "position": done.position})), 201


@api.post("/groups/<group_id>/auditors")
@idempotent
def appoint_auditor(group_id: str):
    """A chair, or an organisation admin, appoints a read-only auditor."""
    person, data = require_person(), body(AuditorIn)
    if not person["is_admin"]:
        visible_group(group_id, person, changing=True)
    auditor = services().accounts.person_by_email(data["email"])
    if auditor is None:
        return error_response(422, {"email": ["no account has this email"]})
    done = services().app.appoint_auditor(group_id, actor=person["person_id"],
                                          auditor_id=auditor["person_id"],
                                          as_organisation_admin=person["is_admin"])
    return jsonify(AuditorWritten().dump({"auditor_id": done.id,
                                          "position": done.position})), 201


@api.post("/groups/<group_id>/roles")
@idempotent
def change_role(group_id: str):
    person, data = require_person(), body(RoleChangeIn)
    visible_group(group_id, person, changing=True)
    done = services().app.change_role(group_id, actor=person["person_id"],
                                      member_id=str(data["member_id"]), role=data["role"],
                                      action=data["action"])
    return written(done)


# Proposals ------------------------------------------------------------------------------------

@api.post("/groups/<group_id>/proposals")
@idempotent
def table_proposal(group_id: str):
    person, data = require_person(), body(ProposalIn)
    visible_group(group_id, person, changing=True)
    change = data.get("role_change") or data.get("rule_change")
    if change and "member_id" in change:
        change = {**change, "member_id": str(change["member_id"])}
    done = services().app.table_proposal(
        group_id, actor=person["person_id"], title=data["title"], body=data["body"],
        scope=data["scope"], kind=data["kind"], rule=data.get("rule"), change=change,
        request_id=request_id())
    return written(done)


def visible_proposal(proposal_id: str, person: dict, *, changing: bool = False):
    proposal = services().app.proposal(proposal_id)
    try:
        visible_group(proposal.group_id, person, changing=changing)
    except NotFound:
        raise NotFound(f"there is no proposal with id {proposal_id}", "proposal_id") from None
    return proposal


@api.get("/proposals/<proposal_id>")
def proposal(proposal_id: str):
    proposal = visible_proposal(proposal_id, require_person())
    texts = services().app.texts
    latest = proposal.versions[-1]
    tally = dict.fromkeys(("for", "against", "abstain", "block"), 0)
    for position in proposal.ballots.values():
        tally[position] += 1
    return jsonify(ProposalOut().dump({
        "id": proposal_id, "group_id": proposal.group_id, "proposer": proposal.proposer,
        "title": texts.text(latest["title"]), "body": texts.text(latest["body"]),
        "versions": len(proposal.versions), "scope": proposal.scope, "kind": proposal.kind,
        "rule": proposal.rule, "change": proposal.change, "status": proposal.status,
        "votes": proposal.ballots, "tally": tally,
        "outcome": proposal.decision["outcome"] if proposal.decision else None,
        "decision": proposal.decision,
    }))


@api.post("/proposals/<proposal_id>/votes")
@idempotent
def cast_vote(proposal_id: str):
    person, data = require_person(), body(VoteIn)
    visible_proposal(proposal_id, person, changing=True)
    voter = str(data["voter_id"]) if data.get("voter_id") else None
    return written(services().app.cast_vote(
        proposal_id, actor=person["person_id"], position=data["position"],
        reason=data.get("reason"), voter=voter, request_id=request_id()))


@api.post("/proposals/<proposal_id>/close")
@idempotent
def close_proposal(proposal_id: str):
    person = require_person()
    body(EmptyIn)
    visible_proposal(proposal_id, person, changing=True)
    done = services().app.close_proposal(proposal_id, actor=person["person_id"],
                                         request_id=request_id())
    return jsonify(Closed().dump({"id": done.id, "position": done.position,
                                  "outcome": done.decision["outcome"],
                                  "decision": done.decision}))


@api.post("/proposals/<proposal_id>/withdraw")
@idempotent
def withdraw_proposal(proposal_id: str):
    person = require_person()
    body(EmptyIn)
    visible_proposal(proposal_id, person, changing=True)
    return written(services().app.withdraw_proposal(proposal_id, actor=person["person_id"]),
                   200)


# Contributions --------------------------------------------------------------------------------

@api.post("/groups/<group_id>/contributions")
@idempotent
def contribute(group_id: str):
    person, data = require_person(), body(ContributionIn)
    visible_group(group_id, person, changing=True)
    app, actor, key = services().app, person["person_id"], request_id()
    kind = data.pop("kind")
    if kind == "asset":
        done = app.offer_asset(group_id, actor=actor, request_id=key, **data)
    elif kind == "support":
        done = app.give_support(group_id, actor=actor, request_id=key,
                                to_member_id=str(data["to_member_id"]),
                                description=data["description"])
    elif kind == "task":
        done = app.take_on_task(group_id, actor=actor, request_id=key, **data)
    else:
        done = app.reflect(group_id, actor=actor, request_id=key, **data)
    return written(done)


# Read models ----------------------------------------------------------------------------------

def _read(group_id: str, answer):
    visible_group(group_id, require_person())
    params = read_query()
    if not isinstance(params, dict):
        return params
    return answer(services().runner.views, params)


@api.get("/groups/<group_id>/record")
def record(group_id: str):
    """A page of the record; `texts` gives the free text its entries refer to by id."""
    def answer(views, p):
        found = queries.shared_record(views, group_id, since=p["since"], as_of=p.get("as_of"),
                                      limit=p["limit"])
        found["texts"] = services().app.texts.read(sorted(_text_ids(found)))
        return jsonify(RecordOut().dump(found))

    return _read(group_id, answer)


def _text_ids(value) -> set[str]:
    if isinstance(value, dict):
        if set(value) == {"text_id", "digest"}:
            return {value["text_id"]}
        return set().union(*map(_text_ids, value.values()))
    if isinstance(value, list):
        return set().union(*map(_text_ids, value))
    return set()


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

