"""Getting in and choosing how pages speak: sign in (one field per step), sign out, language,
easy-read, and the list of my groups with those waiting for my vote first."""

import secrets

from flask import redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from projections import queries
from webapp.accounts import SignInRefused, SignInThrottled
from webapp.passwords import HashingBusy
from webapp.schemas import SignInIn
from webapp.services import services
from webapp.auth import current_person
from webapp.i18n import LANGUAGES
from webapp.pages import pages
from webapp.pages.common import check_csrf, local, signed_in
from webapp.people import group_pages

KEPT = ("lang", "easy")  # preferences that outlive signing in and out


@pages.get("/")
def home():
    return redirect(url_for("pages.my_groups" if current_person() else "pages.sign_in"))


@pages.route("/signin", methods=["GET", "POST"])
def sign_in():
    target = local(request.values.get("next"), url_for("pages.my_groups"))
    if request.method == "GET":
        return render_template("sign_in.html", step="email", email="", target=target)
    check_csrf()
    email, password = request.form.get("email", "").strip(), request.form.get("password")
    if SignInIn().validate({"email": email, "password": "-"}).get("email"):  # the API's rule
        return render_template("sign_in.html", step="email", email=email, target=target,
                               errors={"email": [_("Write the email address of your account, "
                                                   "for example ana@example.org.")]}), 422
    if password is None:
        return render_template("sign_in.html", step="password", email=email, target=target)
    try:
        person = services().accounts.sign_in(email, password, request.remote_addr or "unknown")
    except SignInThrottled:
        message = _("Too many attempts. Please wait a few minutes and try again.")
        return render_template("sign_in.html", step="password", email=email, target=target,
                               errors={"password": [message]}), 429
    except SignInRefused:
        message = _("The email or the password is not right. Please try again.")
        return render_template("sign_in.html", step="password", email=email, target=target,
                               errors={"password": [message]}), 401
    except HashingBusy as busy:
        message = _("Many people are signing in right now. Please try again in a moment.")
        return render_template("sign_in.html", step="password", email=email, target=target,
                               errors={"password": [message]}), 503, {
                                   "Retry-After": str(busy.retry_after)}
    start_session(person)
    return redirect(target, code=303)


def start_session(person: dict) -> None:
    """A new session at every sign-in, keeping the person's language and easy-read choice."""
    kept = {key: session[key] for key in KEPT if key in session}
    session.clear()
    session.update(kept, person_id=person["person_id"], generation=person["session_generation"],
                   csrf=secrets.token_urlsafe(32))


@pages.post("/signout")
def sign_out():
    check_csrf()
    person = current_person()
    if person is not None:
        services().accounts.end_sessions(person["person_id"])
    kept = {key: session[key] for key in KEPT if key in session}
    session.clear()
    session.update(kept)
    return redirect(url_for("pages.sign_in"), code=303)


@pages.get("/language/<code>")
def choose_language(code: str):
    """A preference, not a change to anyone's data: a plain link sets it."""
    if code in LANGUAGES:
        session["lang"] = code
    return redirect(local(request.args.get("next"), url_for("pages.home")), code=303)


@pages.get("/easy-read/<state>")
def easy_read(state: str):
    session["easy"] = state == "on"
    return redirect(local(request.args.get("next"), url_for("pages.home")), code=303)


@pages.get("/groups")
def my_groups():
    """From the view_people read model, a page of groups at a time with their open proposals
    in one statement: the cost follows the person's groups, never the store's."""
    person = signed_in()
    views, found = services().runner.views, []
    for page in group_pages(person["person_id"]):
        open_ = queries.open_proposals_in(views, [g["id"] for g in page])
        titles = services().app.texts.read([p["title"]["text_id"] for p in open_])
        by_group: dict[str, list] = {}
        for proposal in open_:
            by_group.setdefault(proposal["group_id"], []).append(proposal)
        for group in page:
            here = by_group.get(group["id"], [])
            voting = not group["auditor"] and "observer" not in group["roles"]
            waiting = [titles.get(p["title"]["text_id"]) or _("[redacted]") for p in here
                       if voting and person["person_id"] not in p["ballots"]]
            found.append({**group, "name": group["name"] or _("[redacted]"), "open": len(here),
                          "waiting": waiting})
    found.sort(key=lambda g: (g["auditor"], not g["waiting"], g["name"].casefold()))
    return render_template("my_groups.html", groups=found)


@pages.get("/help")
def help_page():
    return render_template("help.html")
