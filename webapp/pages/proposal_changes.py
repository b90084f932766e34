"""A proposer changing their own open proposal from its page: amending it (a new version, until
its first vote; every version stays in the record) and withdrawing it (after a confirmation,
because it cannot be undone). Both go through the dispatcher the API uses, so the domain
decides who may; the pages only offer the controls to the proposer."""

from functools import partial

from flask import abort, render_template, url_for
from flask_babel import gettext as _

from domain.errors import NotFound
from webapp.commands import visible_proposal
from webapp.pages import pages
from webapp.pages.common import signed_in
from webapp.pages.group import form_command, form_fields
from webapp.pages.reading import Room
from webapp.services import services


def group_of(proposal_id: str) -> str:
    """The proposal's group, if the person signed in may see it (404 otherwise)."""
    person = signed_in()
    try:
        return visible_proposal(services(), proposal_id, person["person_id"]).group_id
    except NotFound:
        abort(404)


def own_proposal(proposal_id: str) -> tuple[Room, dict]:
    """The proposal as its proposer sees it: 404 outside the group, 403 for anyone else. Its
    page says when it can no longer be changed (closed, or someone voted)."""
    room = Room(group_of(proposal_id), signed_in())
    view = next(p for p in room.proposals if p["id"] == proposal_id)
    if view["proposer"] != room.person["person_id"]:
        abort(403)
    return room, room.proposal(view)


@pages.get("/proposals/<proposal_id>/amend")
def amend_page(proposal_id: str, errors: dict | None = None, values: dict | None = None):
    room, p = own_proposal(proposal_id)
    return render_template("amend.html", room=room, p=p, errors=errors or {},
                           values=values or {"title": p["title"], "body": p["body"]})


@pages.post("/proposals/<proposal_id>/amend")
def amend(proposal_id: str):
    payload = {**form_fields("title", "body"), "proposal_id": proposal_id}
    return form_command("amend_proposal", group_of(proposal_id), payload,
                        _("Your proposal was changed. The earlier version stays in the record."),
                        page=partial(amend_page, proposal_id))


@pages.get("/proposals/<proposal_id>/withdraw")
def withdraw_page(proposal_id: str, errors: dict | None = None, values: dict | None = None):
    room, p = own_proposal(proposal_id)
    back = url_for("pages.proposal_page", proposal_id=proposal_id)
    return render_template(
        "confirm.html", room=room, errors=errors or {}, form_id="withdraw",
        title=_("Withdraw “%(title)s”?", title=p["title"]),
        points=[_("Nobody will be able to vote on it any more."),
                _("It stays in the record as withdrawn."),
                _("You cannot undo this. You can table a new proposal later.")],
        action=url_for("pages.withdraw", proposal_id=proposal_id), back=back, done=back,
        confirm=_("Yes, withdraw my proposal"), cancel=_("No, keep it open"),
        possible=p["status"] == "open", impossible=_("This proposal is already closed."))


@pages.post("/proposals/<proposal_id>/withdraw")
def withdraw(proposal_id: str):
    return form_command("withdraw_proposal", group_of(proposal_id), {"proposal_id": proposal_id},
                        _("Your proposal was withdrawn."),
                        page=partial(withdraw_page, proposal_id))
