"""The pages one-time links open: an invitation, and a password reset.

Someone opening an invitation from a chair or facilitator sees which group invites them and
what joining means, then joins in one step: signed in, at once; otherwise by choosing a name and
a password (the account is made as they join). A reset link asks for the new password once.
Both do exactly what the API does."""

from datetime import datetime

from flask import flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from marshmallow import ValidationError

from domain.errors import DomainError
from webapp.auth import current_person
from webapp.pages import pages
from webapp.pages.account import start_session
from webapp.pages.common import check_csrf, failure
from webapp.people import invitation_offer, join_by_link
from webapp.schemas import NewAccountIn
from webapp.services import services, status_of


@pages.route("/invitations/<secret>", methods=["GET", "POST"])
def invitation_page(secret: str):
    try:
        offer = invitation_offer(secret)
    except DomainError as error:  # unknown (404), or used, expired or withdrawn (410)
        return render_template("error.html", title=_("This invitation link does not work"),
                               message=_("It may have been used already, have expired or have "
                                         "been withdrawn. Ask the person who invited you for a "
                                         "new link.")), status_of(error)
    person = current_person()

    def page(errors: dict | None = None, values: dict | None = None):
        expires = format_datetime(datetime.fromisoformat(offer["expires_at"]), "medium")
        return render_template("invitation.html", offer=offer, secret=secret, expires=expires,
                               errors=errors or {}, values=values or {})

    if request.method == "GET":
        return page()
    check_csrf()
    given = {key: request.form.get(key, "") for key in ("name", "email", "password")}
    try:
        done, group_id = join_by_link(secret, person, {} if person else NewAccountIn().load(given))
    except (ValidationError, DomainError) as error:
        return page(failure(error), {**given, "password": ""}), status_of(error)
    if person is None:
        start_session(services().accounts.person_by_email(given["email"]))
    services().runner.wait_for(done.position, 5.0)
    return redirect(url_for("pages.group_page", group_id=group_id), code=303)


@pages.route("/password-reset/<secret>", methods=["GET", "POST"])
def password_reset_page(secret: str):
    if request.method == "GET":
        return render_template("password_reset.html", errors={})
    check_csrf()
    try:
        services().accounts.reset_password(secret, request.form.get("password", ""))
    except DomainError as error:
        return render_template("password_reset.html", errors=failure(error)), status_of(error)
    flash(_("Your new password is set. Sign in with it."))
    return redirect(url_for("pages.sign_in"), code=303)
