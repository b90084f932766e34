"""Roles in a group: who holds which, and changing them in the two ways the domain allows. A
chair assigns or revokes a role directly; any voting member may instead table a role-change
proposal, which applies itself if it carries. Both go through the dispatcher the API uses."""

from functools import partial

from flask import render_template, request, url_for
from flask_babel import gettext as _

from domain.vocabulary import ROLE_ACTIONS, ROLES
from webapp import i18n
from webapp.pages import pages
from webapp.pages.common import signed_in
from webapp.pages.group import form_command, form_fields
from webapp.pages.reading import Room

ROLE_FORM = ("member_id", "role", "action")


@pages.get("/groups/<group_id>/roles")
def roles_page(group_id: str, errors: dict | None = None, values: dict | None = None):
    room = Room(group_id, signed_in())
    return render_template("roles.html", room=room, roles=ROLES, errors=errors or {},
                           values=values or {})


def _back(group_id: str) -> str:
    return url_for("pages.roles_page", group_id=group_id)


@pages.post("/groups/<group_id>/roles")
def change_role(group_id: str):
    payload = {**{key: request.form.get(key, "") for key in ROLE_FORM}, "group_id": group_id}
    return form_command("change_role", group_id, payload, _("The role was changed."),
                        page=partial(roles_page, group_id))


@pages.post("/groups/<group_id>/roles/proposal")
def propose_role_change(group_id: str):
    """A role-change proposal with a title in the page's language; the group decides it."""
    change = {key: request.form.get(key, "") for key in ROLE_FORM}
    payload = {"group_id": group_id, "kind": "role_change", "scope": "governance",
               "title": _title(Room(group_id, signed_in()), change),
               **form_fields("body"), "role_change": change}
    return form_command("table_proposal", group_id, payload,
                        _("Your proposal was tabled. The group decides it by voting."),
                        page=partial(roles_page, group_id))


def _title(room: Room, change: dict) -> str:
    if (change["role"] not in ROLES or change["action"] not in ROLE_ACTIONS
            or change["member_id"] not in room.members):
        return _("A change of roles")  # the schema names what is wrong
    name, role = room.names.person(change["member_id"]), i18n.ROLES[change["role"]]
    if change["action"] == "assign":
        return _("Give %(name)s the role: %(role)s", name=name, role=role)
    return _("Take the role away from %(name)s: %(role)s", name=name, role=role)
