"""My account: who I am signed in as, and changing my password (the current one first, then a
new one under the same NIST rules as everywhere; every other session ends, this one carries
on), exactly as `POST /api/me/password` does, guesses throttled like sign-ins."""

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from webapp.accounts import AccountError, SignInThrottled
from webapp.pages import pages
from webapp.pages.common import check_csrf, failure, signed_in
from webapp.passwords import HashingBusy
from webapp.schemas import PasswordChangeIn
from webapp.services import services, status_of

FIELDS = ("current_password", "new_password", "new_password_again")


@pages.get("/account")
def account_page(errors: dict | None = None):
    return render_template("account.html", me=signed_in(), errors=errors or {})


@pages.post("/account/password")
def change_password():
    person = signed_in()
    check_csrf()
    given = {key: request.form.get(key, "") for key in FIELDS}
    missing = {key: [_("Please fill this in.")] for key in FIELDS if not given[key]}
    if missing:
        return account_page(missing), 422
    if given["new_password"] != given["new_password_again"]:
        return account_page({"new_password_again": [
            _("The two new passwords are not the same. Please type the new one twice.")]}), 422
    try:
        data = PasswordChangeIn().load({key: given[key] for key in FIELDS[:2]})
        generation = services().accounts.change_password(
            person["person_id"], data["current_password"], data["new_password"],
            request.remote_addr or "unknown")
    except (ValidationError, AccountError) as error:
        return account_page(failure(error)), status_of(error)
    except SignInThrottled:
        message = _("Too many attempts. Please wait a few minutes and try again.")
        return account_page({"current_password": [message]}), 429
    except HashingBusy as busy:
        message = _("Many people are signing in right now. Please try again in a moment.")
        return account_page({"_": [message]}), 503, {"Retry-After": str(busy.retry_after)}
    session["generation"] = generation
    flash(_("Your password was changed. You are still signed in here; anywhere else you were "
            "signed in, you need the new password."))
    return redirect(url_for("pages.account_page"), code=303)
