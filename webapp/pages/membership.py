"""A member's own place in a group: the category they take part as (people name their own, so
only they change it) and leaving the group (after a confirmation: coming back needs a new
invitation). Both go through the dispatcher the API uses."""

from functools import partial

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _

from domain.vocabulary import CATEGORIES
from webapp.pages import pages
from webapp.pages.common import signed_in
from webapp.pages.group import form_command
from webapp.pages.reading import Room


def my_room(group_id: str) -> Room:
    """The group as one of its members sees it: 404 outside it, 403 for its auditors (they
    read the group but have no place in it)."""
    room = Room(group_id, signed_in())
    if not room.can("member"):
        abort(403)
    return room


@pages.get("/groups/<group_id>/me")
def membership_page(group_id: str, errors: dict | None = None, values: dict | None = None):
    room = my_room(group_id)
    mine = room.members[room.person["person_id"]]
    return render_template("membership.html", room=room, category=mine["category"],
                           roles=[r for r in mine["roles"] if r != "member"],
                           categories=CATEGORIES, errors=errors or {}, values=values or {})


@pages.post("/groups/<group_id>/me/category")
def change_category(group_id: str):
    payload = {"category": request.form.get("category", ""), "group_id": group_id,
               "member_id": signed_in()["person_id"]}
    return form_command("change_category", group_id, payload,
                        _("Your category was changed."),
                        page=partial(membership_page, group_id))


@pages.get("/groups/<group_id>/leave")
def leave_page(group_id: str, errors: dict | None = None, values: dict | None = None):
    room = my_room(group_id)
    return render_template(
        "confirm.html", room=room, errors=errors or {}, form_id="leave",
        title=_("Leave “%(group)s”?", group=room.name),
        points=[_("You will no longer see this group or take part in it."),
                _("What you did stays in the record."),
                _("To come back, you need a new invitation.")],
        action=url_for("pages.leave", group_id=group_id),
        back=url_for("pages.membership_page", group_id=group_id),
        done=url_for("pages.my_groups"), confirm=_("Yes, leave the group"),
        cancel=_("No, stay in the group"), possible=True)


@pages.post("/groups/<group_id>/leave")
def leave(group_id: str):
    payload = {"group_id": group_id, "member_id": signed_in()["person_id"]}
    return form_command("leave_group", group_id, payload, _("You left the group."),
                        page=partial(leave_page, group_id))
