"""A chair removing another member, giving a reason the record shows (after a confirmation).
It goes through the dispatcher the API uses: the domain refuses anyone but a chair, and the
last chair; the page offers it only to a chair."""

from functools import partial

from flask import abort, render_template, url_for
from flask_babel import gettext as _

from webapp.pages import pages
from webapp.pages.common import signed_in
from webapp.pages.group import form_command, form_fields
from webapp.pages.reading import Room


@pages.get("/groups/<group_id>/members/<member_id>/remove")
def removal_page(group_id: str, member_id: str, errors: dict | None = None,
                 values: dict | None = None):
    room = Room(group_id, signed_in())
    if not room.can("chair"):
        abort(403)
    if member_id not in room.members or member_id == room.person["person_id"]:
        abort(404)  # oneself: leaving is on one's own page
    roles = url_for("pages.roles_page", group_id=group_id)
    name = room.names.person(member_id)
    return render_template(
        "confirm.html", room=room, errors=errors or {}, values=values or {}, form_id="remove",
        title=_("Remove %(name)s from the group?", name=name),
        points=[_("%(name)s will no longer see this group or take part in it.", name=name),
                _("What they did stays in the record, with your reason."),
                _("To come back, they need a new invitation.")],
        reason_label=_("Why? (everyone in the group will read it in the record)"),
        action=url_for("pages.remove_member", group_id=group_id, member_id=member_id),
        back=roles, done=roles, confirm=_("Yes, remove %(name)s", name=name),
        cancel=_("No, keep %(name)s in the group", name=name), possible=True)


@pages.post("/groups/<group_id>/members/<member_id>/remove")
def remove_member(group_id: str, member_id: str):
    payload = {**form_fields("reason"), "group_id": group_id, "member_id": member_id}
    return form_command("remove_member", group_id, payload, _("The member was removed."),
                        page=partial(removal_page, group_id, member_id))
