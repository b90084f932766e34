"""The one command dispatcher that HTTP and the websocket share.

A command is a name bound to a marshmallow schema (what the input must be), a permission check
(who may ask) and one application method (what it does). `dispatch(name, caller, payload)` takes
a plain dict (a JSON body plus the ids a URL carries), validates it, checks the caller, runs the
command and returns a plain answer ({id, position, ...}). It reads no request globals, so a
websocket message is handled exactly as an HTTP request is. Adding a command is one
`@command(...)` registration below (see docs/development.md).
"""

import uuid
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, is_dataclass

from marshmallow import Schema, ValidationError

from domain.errors import InvalidValue, NotAllowed, NotFound, UnknownMember
from projections import queries
from webapp import schemas
from webapp.services import Services, services


@dataclass(frozen=True)
class Caller:
    """Who asks: the signed-in person, and the request id that makes a retry harmless."""

    person_id: str
    name: str
    is_admin: bool = False
    request_id: str | None = None

    @classmethod
    def of(cls, person: Mapping, request_id: str | None = None) -> "Caller":
        return cls(person["person_id"], person["name"], bool(person.get("is_admin")), request_id)


Permission = Callable[[Services, Caller, dict], None]
Run = Callable[[Services, Caller, dict], object]


@dataclass(frozen=True)
class Command:
    """A registered command. Its schemas are instances made once: making a marshmallow schema
    copies its declared fields (a large part of a vote's own time), using one keeps nothing."""

    schema: Schema
    answer: Schema
    allowed: Permission
    run: Run
    ids: tuple[str, ...] = ()


COMMANDS: dict[str, Command] = {}


def command(name: str, schema: type[Schema], answer: type[Schema], *, allowed: Permission,
            ids: tuple[str, ...] = ()):
    """Register the decorated function as the command `name`: `ids` are the payload keys a
    URL carries (they are not part of the schema), `allowed` raises when the caller may not."""

    def register(run: Run) -> Run:
        COMMANDS[name] = Command(schema(), answer(), allowed, run, ids)
        return run

    return register


def dispatch(name: str, caller: Caller, payload: object) -> dict:
    """Validate, check the caller, run: the answer is the command's `answer` schema dumped."""
    command = COMMANDS[name]
    if not isinstance(payload, dict):
        raise ValidationError({"_": ["the body must be a JSON object"]})
    ids = {key: payload.get(key) for key in command.ids}
    bad_ids = {key: ["an id"] for key, value in ids.items() if not isinstance(value, str)}
    if bad_ids:
        raise ValidationError(bad_ids)
    data = command.schema.load({k: v for k, v in payload.items() if k not in command.ids})
    data |= ids
    found = services()
    command.allowed(found, caller, data)
    result = command.run(found, caller, data)
    return command.answer.dump(asdict(result) if is_dataclass(result) else result)


# Who may ask ---------------------------------------------------------------------------------

def visible_group(found: Services, group_id: str, person_id: str, *, changing: bool = False):
    """The group, if the person belongs to it or audits it; otherwise it does not exist for
    them. Auditors read everything and change nothing. Decided on the group aggregate (up to
    date with the log): for those who need the group itself."""
    group = found.app.group(group_id)
    if person_id in group.members:
        return group
    if person_id in group.auditors:
        if changing:
            raise NotAllowed("an auditor can read this group but change nothing")
        return group
    raise NotFound(f"there is no group with id {group_id}", "group_id")


def visible_proposal(found: Services, proposal_id: str, person_id: str, *,
                     changing: bool = False):
    proposal = found.app.proposal(proposal_id)
    try:
        visible_group(found, proposal.group_id, person_id, changing=changing)
    except NotFound:
        raise NotFound(f"there is no proposal with id {proposal_id}", "proposal_id") from None
    return proposal


# The same checks, for requests that need only the answer: one indexed row of the read models
# when they say yes, the aggregates when they do not. The read models lag the log, so what they
# may grant is bounded: a read sees what the read models would show anyway (a person who has
# just left reads until the views fold the leaving); a command is let through only to its
# application method, which checks the actor's membership again on the aggregate brought up to
# date (a member who has just been removed is refused there). Someone the read models do not
# know yet (just admitted, or in a group or proposal they have not folded) is judged by the
# aggregates, so they act at once.

def check_group(found: Services, group_id: str, person_id: str, *,
                changing: bool = False) -> None:
    _, standing = queries.standing(found.runner.views, person_id, group_id=group_id)
    if not _granted(standing, changing):
        visible_group(found, group_id, person_id, changing=changing)


def check_proposal(found: Services, proposal_id: str, person_id: str, *,
                   changing: bool = False) -> str:
    """The proposal's group id, if the person may see (or change) the proposal."""
    group_id, standing = queries.standing(found.runner.views, person_id,
                                          proposal_id=proposal_id)
    if _granted(standing, changing):
        return group_id
    return visible_proposal(found, proposal_id, person_id, changing=changing).group_id


def _granted(standing: str | None, changing: bool) -> bool:
    return standing == "member" or (standing == "auditor" and not changing)


def anyone(found: Services, caller: Caller, data: dict) -> None:
    """Any signed-in person (the domain checks the rest)."""


def group_member(found: Services, caller: Caller, data: dict) -> None:
    check_group(found, data["group_id"], caller.person_id, changing=True)


def proposal_member(found: Services, caller: Caller, data: dict) -> None:
    check_proposal(found, data["proposal_id"], caller.person_id, changing=True)


def group_member_or_admin(found: Services, caller: Caller, data: dict) -> None:
    """An organisation admin acts on groups they do not belong to (the domain checks which)."""
    if not caller.is_admin:
        group_member(found, caller, data)


def _account(found: Services, email: str) -> dict:
    person = found.accounts.person_by_email(email)
    if person is None:
        raise ValidationError({"email": ["no account has this email"]})
    return person


def _id(value) -> str | None:
    return None if value is None else str(value)


# Groups and members ---------------------------------------------------------------------------

@command("found_group", schemas.GroupIn, schemas.Written, allowed=anyone)
def _found_group(found: Services, caller: Caller, data: dict):
    return found.app.found_group(
        actor=caller.person_id, name=data["name"], purpose=data["purpose"],
        category=data["category"], founder_name=caller.name,
        decision_rule=data["decision_rule"], request_id=caller.request_id)


@command("admit_member", schemas.MemberIn, schemas.MemberWritten, allowed=group_member,
         ids=("group_id",))
def _admit_member(found: Services, caller: Caller, data: dict):
    newcomer = _account(found, data["email"])
    done = found.app.admit_member(
        data["group_id"], actor=caller.person_id, member_id=newcomer["person_id"],
        display_name=newcomer["name"], category=data["category"], role=data["role"])
    return {"member_id": done.id, "position": done.position}


@command("appoint_auditor", schemas.AuditorIn, schemas.AuditorWritten,
         allowed=group_member_or_admin, ids=("group_id",))
def _appoint_auditor(found: Services, caller: Caller, data: dict):
    auditor = _account(found, data["email"])
    done = found.app.appoint_auditor(data["group_id"], actor=caller.person_id,
                                     auditor_id=auditor["person_id"],
                                     as_organisation_admin=caller.is_admin)
    return {"auditor_id": done.id, "position": done.position}


@command("change_role", schemas.RoleChangeIn, schemas.Written, allowed=group_member,
         ids=("group_id",))
def _change_role(found: Services, caller: Caller, data: dict):
    return found.app.change_role(data["group_id"], actor=caller.person_id,
                                 member_id=str(data["member_id"]), role=data["role"],
                                 action=data["action"])


# Proposals ------------------------------------------------------------------------------------

@command("table_proposal", schemas.ProposalIn, schemas.Written, allowed=group_member,
         ids=("group_id",))
def _table_proposal(found: Services, caller: Caller, data: dict):
    change = data.get("role_change") or data.get("rule_change")
    if change and "member_id" in change:
        change = {**change, "member_id": str(change["member_id"])}
    return found.app.table_proposal(
        data["group_id"], actor=caller.person_id, title=data["title"], body=data["body"],
        scope=data["scope"], kind=data["kind"], rule=data.get("rule"), change=change,
        closes_at=data.get("closes_at"), request_id=caller.request_id)


@command("amend_proposal", schemas.AmendIn, schemas.Written, allowed=proposal_member,
         ids=("proposal_id",))
def _amend_proposal(found: Services, caller: Caller, data: dict):
    return found.app.amend_proposal(data["proposal_id"], actor=caller.person_id,
                                    title=data["title"], body=data["body"])


@command("comment", schemas.CommentIn, schemas.Written, allowed=proposal_member,
         ids=("proposal_id",))
def _comment(found: Services, caller: Caller, data: dict):
    return found.app.comment_on_proposal(data["proposal_id"], actor=caller.person_id,
                                         body=data["body"], reply_to=_id(data.get("reply_to")),
                                         request_id=caller.request_id)


@command("vote", schemas.VoteIn, schemas.Written, allowed=proposal_member,
         ids=("proposal_id",))
def _vote(found: Services, caller: Caller, data: dict):
    return found.app.cast_vote(data["proposal_id"], actor=caller.person_id,
                               position=data["position"], reason=data.get("reason"),
                               voter=_id(data.get("voter_id")), request_id=caller.request_id)


@command("close_proposal", schemas.EmptyIn, schemas.Closed, allowed=proposal_member,
         ids=("proposal_id",))
def _close_proposal(found: Services, caller: Caller, data: dict):
    done = found.app.close_proposal(data["proposal_id"], actor=caller.person_id,
                                    request_id=caller.request_id)
    return {"id": done.id, "position": done.position, "outcome": done.decision["outcome"],
            "decision": done.decision}


@command("withdraw_proposal", schemas.EmptyIn, schemas.Written, allowed=proposal_member,
         ids=("proposal_id",))
def _withdraw_proposal(found: Services, caller: Caller, data: dict):
    return found.app.withdraw_proposal(data["proposal_id"], actor=caller.person_id)


# Contributions --------------------------------------------------------------------------------

@command("contribute", schemas.ContributionIn, schemas.Written, allowed=group_member,
         ids=("group_id",))
def _contribute(found: Services, caller: Caller, data: dict):
    app, group_id = found.app, data.pop("group_id")
    common = {"actor": caller.person_id, "request_id": caller.request_id}
    kind = data.pop("kind")
    if kind == "asset":
        return app.offer_asset(group_id, **common, **data)
    if kind == "support":
        return app.give_support(group_id, **common, to_member_id=str(data["to_member_id"]),
                                description=data["description"])
    if kind == "task":
        return app.take_on_task(group_id, **common, **data)
    return app.reflect(group_id, **common, **data)


# Leaving, removal and categories ------------------------------------------------------------

def _path_member(data: dict) -> str:
    """The member a URL names: a malformed id names nobody (404)."""
    try:
        return str(uuid.UUID(data["member_id"]))
    except ValueError:
        raise NotFound(f"there is no member with id {data['member_id']}", "member_id") from None


def _unknown_member_is_not_found(change: Callable[[], object]):
    try:
        return change()
    except UnknownMember as unknown:
        raise NotFound(unknown.message, "member_id") from None


@command("leave_group", schemas.EmptyIn, schemas.Written, allowed=group_member,
         ids=("group_id", "member_id"))
def _leave_group(found: Services, caller: Caller, data: dict):
    """A member leaves: only for themself (a chair removes others, with a reason)."""
    if _path_member(data) != caller.person_id:
        raise NotAllowed("you can leave only for yourself; a chair removes other members")
    return found.app.leave_group(data["group_id"], actor=caller.person_id,
                                 member_id=caller.person_id)


@command("remove_member", schemas.RemovalIn, schemas.Written, allowed=group_member,
         ids=("group_id", "member_id"))
def _remove_member(found: Services, caller: Caller, data: dict):
    member_id = _path_member(data)
    if member_id == caller.person_id:
        raise InvalidValue("to leave the group yourself, use leave", "member_id")
    return _unknown_member_is_not_found(lambda: found.app.leave_group(
        data["group_id"], actor=caller.person_id, member_id=member_id, reason=data["reason"]))


@command("change_category", schemas.CategoryIn, schemas.Written, allowed=group_member,
         ids=("group_id", "member_id"))
def _change_category(found: Services, caller: Caller, data: dict):
    """People name their own category (the domain refuses anyone else)."""
    member_id = _path_member(data)
    return _unknown_member_is_not_found(lambda: found.app.change_category(
        data["group_id"], actor=caller.person_id, member_id=member_id,
        category=data["category"]))
