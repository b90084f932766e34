"""Meeting mode: the room's shared screen. Large type, the proposal under discussion with live
tallies, a QR code to join from a phone, and the note-taker's panel to record the votes of
members present in person (a chair, facilitator or note-taker records; the event names both).

The QR code is drawn on the server as SVG by `segno` (pure Python, no dependencies), so the page
loads no script or image from anywhere else and works on a venue's slow wifi.
"""

import segno
from flask import jsonify, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from marshmallow import ValidationError

from domain.errors import DomainError
from webapp.pages import pages
from webapp.pages.common import check_csrf, failure, signed_in
from webapp.pages.reading import Room
from webapp.people import create_invitation
from webapp.schemas import InvitationIn
from webapp.services import status_of


def qr_svg(url: str, title: str) -> Markup:
    """A QR code as inline SVG (segno escapes the title; the URL is ours)."""
    code = segno.make(url, error="m")
    return Markup(code.svg_inline(scale=6, title=title, omitsize=True, dark="#000000",
                                  light="#ffffff", border=2))


@pages.route("/groups/<group_id>/meeting", methods=["GET", "POST"])
def meeting_page(group_id: str):
    """A chair or facilitator may show an invitation's QR code (a POST makes a new one, so the
    secret is never in an address); otherwise the code opens the sign-in page."""
    room = Room(group_id, signed_in())
    open_ = room.open_proposals()
    current = _current(open_, request.values.get("proposal"))
    join, title, errors = url_for("pages.sign_in", _external=True), _("Scan to open Reciproca"), {}
    status = 200
    if request.method == "POST":
        check_csrf()
        try:
            join = create_invitation(group_id, InvitationIn().load(
                {"category": request.form.get("category", "")}))["url"]
            title = _("Scan to join this group")
        except (ValidationError, DomainError) as error:
            errors, status = failure(error), status_of(error)
    return render_template("meeting.html", room=room, current=current, others=open_,
                           join_url=join, qr=qr_svg(join, title), invited=not errors and
                           request.method == "POST", errors=errors,
                           entries=room.entries(newest=5)), status


def _current(open_: list[dict], chosen: str | None) -> dict | None:
    """The proposal on the screen: the one chosen if it is open, else the latest open one."""
    return next((p for p in open_ if p["id"] == chosen), open_[0] if open_ else None)


@pages.get("/groups/<group_id>/meeting/current")
def meeting_current(group_id: str):
    """For the screen's script while no proposal is on it: the proposal now open (if any), its
    part of the screen and the note-taker's panel, drawn by the page's own partials."""
    room = Room(group_id, signed_in())
    current = _current(room.open_proposals(), None)
    return jsonify({
        "id": current and current["id"],
        "html": render_template("_meeting_current.html", room=room, current=current),
        "notes": render_template("_meeting_notes.html", room=room, current=current),
        "announce": current and _("Now deciding: %(title)s", title=current["title"])})
