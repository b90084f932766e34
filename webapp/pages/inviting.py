"""Bringing people in, for a group's chairs and facilitators: an invitation link (with the
category and role offered, a note for the team and how long it works; shown once, with its QR
code), the open invitations to withdraw, admitting someone who already has an account, and
(chairs only) appointing an auditor. Each does what its API endpoint does, with its checks."""

from functools import partial

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from domain.errors import DomainError
from domain.vocabulary import CATEGORIES
from webapp.pages import pages
from webapp.pages.common import check_csrf, failure, signed_in, whole_number
from webapp.pages.group import form_command, form_fields
from webapp.pages.meeting import qr_svg
from webapp.pages.reading import Room, when
from webapp.people import create_invitation
from webapp.schemas import InvitationIn
from webapp.services import services, status_of


def _leading_room(group_id: str) -> Room:
    """404 outside the group; 403 for members who may not admit people (the API's rule)."""
    room = Room(group_id, signed_in())
    if not room.can("lead"):
        abort(403)
    return room


@pages.get("/groups/<group_id>/people")
def people_page(group_id: str, errors: dict | None = None, values: dict | None = None,
                link: str | None = None):
    room = _leading_room(group_id)
    open_ = [{**i, "expires": when(i["expires"]), "by": room.names.person(i["invited_by"])}
             for i in services().invitations.open_ones(group_id)]
    return render_template("people.html", room=room, categories=CATEGORIES, invitations=open_,
                           errors=errors or {}, values=values or {}, link=link,
                           qr=link and qr_svg(link, _("Scan to join this group")))


@pages.post("/groups/<group_id>/people/invitation")
def invite(group_id: str):
    signed_in()
    check_csrf()
    given = {**form_fields("category", "role", "note"), "expires_in_days":
             whole_number(request.form.get("expires_in_days"), digits=3)
             or request.form.get("expires_in_days") or 7}
    try:
        made = create_invitation(group_id, InvitationIn().load(given))
    except (ValidationError, DomainError) as error:
        return people_page(group_id, {"invite": failure(error)},
                           request.form.to_dict()), status_of(error)
    return people_page(group_id, link=made["url"]), 201


@pages.post("/groups/<group_id>/invitations/<invitation_id>/withdraw")
def withdraw_invitation(group_id: str, invitation_id: str):
    _leading_room(group_id)
    check_csrf()
    if not services().invitations.revoke(group_id, invitation_id):
        abort(404)
    flash(_("The invitation was withdrawn: its link no longer works."))
    return redirect(url_for("pages.people_page", group_id=group_id), code=303)


@pages.post("/groups/<group_id>/people/admit")
def admit(group_id: str):
    payload = {**form_fields("email", "category", "role"), "group_id": group_id}
    return form_command("admit_member", group_id, payload, _("They are now a member."),
                        page=partial(people_page, group_id))


@pages.post("/groups/<group_id>/people/auditor")
def appoint_auditor(group_id: str):
    payload = {**form_fields("email"), "group_id": group_id}
    return form_command("appoint_auditor", group_id, payload,
                        _("They are now an auditor of the group."),
                        page=partial(people_page, group_id))
