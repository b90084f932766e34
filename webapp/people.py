"""The API of people and their groups: who I am, my groups, invitations, passwords.

Everything here lets a group run without the server's command line: a chair or facilitator
invites by a secret link, the person opens it (with or without an account) and joins; people
find their groups, change their password, or ask for a reset link by email. Joining changes the
record (through the application); the rest is account state (webapp/accounts.py,
webapp/invitations.py). Leaving, removal and category changes are commands (webapp/commands.py).
"""

from datetime import timedelta

from flask import Blueprint, current_app, jsonify, request, session

from domain.errors import NotFound
from domain.vocabulary import ADMITTING_ROLES
from projections import queries
from webapp import schemas
from webapp.api import read_query
from webapp.auth import current_person, require_person
from webapp.commands import visible_group
from webapp.inputs import json_body
from webapp.links import invitation_link, reset_link
from webapp.services import error_response, services

people = Blueprint("people", __name__, url_prefix="/api")

MAIL_RESET_VALIDITY = timedelta(hours=1)
MAIL_RESET_EVERY = timedelta(minutes=5)  # at most one reset mail per account this often


def _body(schema) -> dict:
    return schema().load(json_body())


def _base_url() -> str:
    """Where people open links: the configured public URL, else the address asked."""
    return current_app.config["PUBLIC_URL"] or request.host_url


# Who I am and my groups ---------------------------------------------------------------------

def _groups(person_id: str, *, after: str = "", limit: int = queries.MAX_PAGE) -> list[dict]:
    found = queries.groups_of(services().runner.views, person_id, after=after, limit=limit)
    names = services().app.texts.read([g["name_text_id"] for g in found if g["name_text_id"]])
    return [{**g, "name": names.get(g["name_text_id"])} for g in found]


def group_pages(person_id: str):
    """Every group the person belongs to or audits, a page (of at most MAX_PAGE) at a time, from
    the view_people read model: the cost follows the person's groups, not the store's."""
    page = _groups(person_id)
    while page:
        yield page
        page = (_groups(person_id, after=page[-1]["id"])
                if len(page) == queries.MAX_PAGE else [])


@people.get("/me")
def me():
    """The caller and every group they belong to or audit."""
    person = require_person()
    params = read_query(schemas.AfterQuery)
    if not isinstance(params, dict):
        return params
    found = [g for page in group_pages(person["person_id"]) for g in page]
    return jsonify(schemas.MeOut().dump({
        "person_id": person["person_id"], "name": person["name"], "email": person["email"],
        "admin": person["is_admin"], "groups": found}))


@people.get("/groups")
def my_groups():
    """The caller's groups a page at a time; `cursor` is the last page's `next_cursor`."""
    person = require_person()
    params = read_query(schemas.GroupsQuery)
    if not isinstance(params, dict):
        return params
    page = _groups(person["person_id"], after=params.get("cursor", ""), limit=params["limit"])
    return jsonify(schemas.GroupsPage().dump({
        "groups": page,
        "next_cursor": page[-1]["id"] if len(page) == params["limit"] else None}))


# Invitations --------------------------------------------------------------------------------

def _inviting_group(group_id: str) -> str:
    """The caller, if they may invite to this group (a chair or facilitator)."""
    person_id = require_person()["person_id"]
    group = visible_group(services(), group_id, person_id, changing=True)
    group.require_role(person_id, ADMITTING_ROLES, "invite people")
    return person_id


@people.post("/groups/<group_id>/invitations")
def invite(group_id: str):
    return jsonify(schemas.InvitationWritten().dump(
        create_invitation(group_id, _body(schemas.InvitationIn)))), 201


def create_invitation(group_id: str, data: dict) -> dict:
    """A new invitation by the caller (a chair or facilitator): its id, expiry and link. The API
    and meeting mode's QR code both invite this way."""
    person_id = _inviting_group(group_id)
    created = services().invitations.create(
        group_id=group_id, invited_by=person_id, category=data["category"], role=data["role"],
        note=data.get("note"), days=data["expires_in_days"])
    return {"id": created["invitation_id"], "expires_at": created["expires"],
            "url": invitation_link(_base_url(), created["secret"])}


@people.get("/groups/<group_id>/invitations")
def invitations(group_id: str):
    _inviting_group(group_id)
    return jsonify(schemas.InvitationsOut().dump({"invitations": [
        {"id": i["invitation_id"], "category": i["category"], "role": i["role"],
         "note": i["note"], "invited_by": i["invited_by"], "created_at": i["created"],
         "expires_at": i["expires"]} for i in services().invitations.open_ones(group_id)]}))


@people.delete("/groups/<group_id>/invitations/<invitation_id>")
def withdraw_invitation(group_id: str, invitation_id: str):
    _inviting_group(group_id)
    if not services().invitations.revoke(group_id, invitation_id):
        raise NotFound("there is no open invitation with this id", "invitation_id")
    return "", 204


@people.get("/invitations/<secret>")
def invitation(secret: str):
    """What the link offers, to anyone holding it: signing in is not needed to look."""
    return jsonify(schemas.InvitationPreview().dump(invitation_offer(secret)))


def invitation_offer(secret: str) -> dict:
    """The group's name and purpose, the category and role offered, the expiry; nothing else."""
    found = services().invitations.find(secret)
    group = services().app.group(found["group_id"])
    texts = services().app.texts
    return {"group_name": texts.text(group.name), "group_purpose": texts.text(group.purpose),
            "category": found["category"], "role": found["role"],
            "expires_at": found["expires"]}


@people.post("/invitations/<secret>/accept")
def accept(secret: str):
    person = current_person()
    done, group_id = join_by_link(secret, person,
                                  _body(schemas.EmptyIn if person else schemas.NewAccountIn))
    return jsonify(schemas.Joined().dump({"member_id": done.id, "group_id": group_id,
                                          "position": done.position})), 201


def join_by_link(secret: str, person: dict | None, new: dict) -> tuple:
    """Join at once when signed in; otherwise create the account (`new`: name, email,
    password) and join in one step. The invitation is claimed first (single use) and given back
    if the join is refused; an account made for a refused join is removed again. The API and the
    invitation page both join this way."""
    found = services().invitations.claim(secret)
    created = None
    try:
        if person is None:
            created = services().accounts.add_person(new["email"], new["name"], new["password"])
            person = services().accounts.person(created)
        done = services().app.join_by_invitation(
            found["group_id"], member_id=person["person_id"], invited_by=found["invited_by"],
            display_name=person["name"], category=found["category"], role=found["role"])
    except BaseException:
        if created:
            services().accounts.remove_person(created)
        services().invitations.release(found["invitation_id"])
        raise
    services().invitations.used_by(found["invitation_id"], person["person_id"])
    return done, found["group_id"]


# Passwords ----------------------------------------------------------------------------------

@people.post("/me/password")
def change_password():
    """Every other session ends; this one (if the change was made with it) carries on."""
    person = require_person()
    data = _body(schemas.PasswordChangeIn)
    generation = services().accounts.change_password(
        person["person_id"], data["current_password"], data["new_password"],
        request.remote_addr or "unknown")
    if session.get("person_id") == person["person_id"]:
        session["generation"] = generation
    return "", 204


@people.post("/password-resets")
def request_reset():
    """Always 202, whether or not the email has an account, so accounts cannot be probed."""
    data = _body(schemas.ResetRequestIn)
    if not mail_reset_link(data["email"]):
        return error_response(503, {"_": ["mail is not configured on this server; ask its "
                                          "operator for a reset link"]})
    return jsonify({"status": "if an account has this email, a link is on its way"}), 202


def mail_reset_link(email: str) -> bool:
    """Mail a reset link to the account with this email, unless there is none, it is disabled
    or one was mailed within MAIL_RESET_EVERY (the caller answers alike either way). False
    when this server has no mail to send it with."""
    outbox = services().outbox
    if outbox.transport is None:
        return False
    accounts = services().accounts
    person = accounts.person_by_email(email)
    if person and not person["disabled"] and not accounts.reset_asked_within(
            person["person_id"], MAIL_RESET_EVERY):
        secret = accounts.create_reset(person["person_id"], MAIL_RESET_VALIDITY)
        outbox.add(person["email"], "Reciproca: set a new password",
                   f"Someone (we hope you) asked to set a new password for {person['email']}.\n"
                   f"Open this link within an hour to choose one:\n\n"
                   f"{reset_link(_base_url(), secret)}\n\n"
                   f"If it was not you, ignore this mail: your password stays as it is.\n")
    return True


@people.post("/password-resets/<secret>")
def reset_password(secret: str):
    data = _body(schemas.ResetIn)
    services().accounts.reset_password(secret, data["password"])
    return "", 204
