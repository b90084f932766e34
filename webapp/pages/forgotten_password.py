"""Asking for a password-reset link by email, signed out, as `POST /api/password-resets` does:
the answer is the same whether or not the email has an account, so nobody can learn who has
one; a server without mail says whom to ask instead."""

from flask import render_template, request
from flask_babel import gettext as _

from webapp.pages import pages
from webapp.pages.common import check_csrf
from webapp.people import mail_reset_link
from webapp.schemas import ResetRequestIn


@pages.route("/password-reset", methods=["GET", "POST"])
def forgotten_password():
    if request.method == "GET":
        return render_template("forgotten_password.html", errors={}, email="", sent=False)
    check_csrf()
    email = request.form.get("email", "").strip()
    if ResetRequestIn().validate({"email": email}):
        message = _("Write the email address of your account, for example ana@example.org.")
        return render_template("forgotten_password.html", errors={"email": [message]},
                               email=email, sent=False), 422
    if not mail_reset_link(email):
        message = _("This server cannot send mail. Ask the person who runs Reciproca for a "
                    "link to choose a new password.")
        return render_template("forgotten_password.html", errors={"_": [message]},
                               email=email, sent=False), 503
    return render_template("forgotten_password.html", errors={}, email=email, sent=True), 202
