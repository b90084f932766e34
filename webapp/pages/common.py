"""What every page needs: who is signed in, the CSRF token of forms, safe redirects, the
group's names and texts, and answering a form either as a page (no JavaScript) or as JSON."""

import hmac
import re
import secrets
from fractions import Fraction
from urllib.parse import urlsplit

from flask import abort, current_app, flash, jsonify, redirect, request, session, url_for
from flask_babel import get_locale, gettext as _
from marshmallow import ValidationError

from domain import errors
from projections.record import cited_texts as text_ids
from webapp import i18n
from webapp.auth import current_person
from webapp.services import services, status_of


def csrf_token() -> str:
    """The session's CSRF token, made on first use (signed-out forms need one too)."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def check_csrf() -> None:
    sent = request.form.get("csrf_token", "") or request.headers.get("X-CSRF-Token", "")
    if not hmac.compare_digest(sent.encode(), session.get("csrf", "").encode()):
        abort(400, _("This form has expired. Please reload the page and try again."))


def whole_number(value: str | None, digits: int = 18) -> int | None:
    """`value` as a whole number when it is at most `digits` ASCII digits, else None: what a
    form or a hand-edited address sends never reaches int() unbounded (int("²") raises, a long
    number passes Python's digit limit or the database's 64 bits)."""
    return int(value) if value and re.fullmatch(rf"[0-9]{{1,{digits}}}", value) else None


def signed_in() -> dict:
    """The person signed in with a session cookie; otherwise off to the sign-in page."""
    person = current_person()
    if person is None:
        abort(redirect(url_for("pages.sign_in", next=request.full_path.rstrip("?"))))
    return person


def local(target: str | None, default: str) -> str:
    """Only a path on this site (never another host) may be a redirect's target."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


class Names:
    """People's names and free texts for one group, read in a few queries per page."""

    def __init__(self, group=None):
        self.texts = services().app.texts
        self._given = {}
        self._people = {}
        if group is not None:
            refs = {member: ref["text_id"] for member, ref in group.display_names.items()}
            found = self.texts.read(list(refs.values()))
            self._given = {member: found[text_id] for member, text_id in refs.items()}
            self.load(list(group.display_names) + list(group.auditors))

    def load(self, person_ids) -> None:
        missing = [p for p in person_ids if p not in self._people]
        if missing:
            self._people.update(services().accounts.names(missing))

    def person(self, person_id: str | None) -> str:
        if person_id is None:
            return _("someone")
        if person_id not in self._people and person_id not in self._given:
            self.load([person_id])
        return self._people.get(person_id) or self._given.get(person_id) or _("(name erased)")

    def read(self, refs) -> dict:
        """The texts of references ({text_id, digest}) found anywhere in `refs`."""
        return self.texts.read(sorted(text_ids(refs)))


def text_of(texts: dict, ref: dict | None) -> str:
    if ref is None:
        return ""
    found = texts.get(ref["text_id"])
    return _("[redacted]") if found is None else found


FIELD_MESSAGES = {
    "Missing data for required field.": lambda: _("Please fill this in."),
    "Field may not be null.": lambda: _("Please fill this in."),
    "Not a valid string.": lambda: _("Please write some text here."),
}


def failure(error: Exception) -> dict[str, list[str]]:
    """A refused command as messages per field, in the page's language."""
    if isinstance(error, ValidationError):
        messages = error.normalized_messages()
        return {str(field): [_translated(m) for m in _leaves(found)]
                for field, found in messages.items()}
    kinds = [(errors.NotAllowed, lambda: _("You may not do this in this group.")),
             (errors.ProposalClosed, lambda: _("This proposal is already closed.")),
             (errors.AmendmentTooLate, lambda: _("It can no longer be changed: someone voted.")),
             (errors.ConcurrencyConflict, lambda: _("Someone changed this at the same time. "
                                                    "Please try again.")),
             (errors.NotFound, lambda: _("This no longer exists.")),
             (errors.DomainError, lambda: _("This could not be done: %(why)s",
                                            why=_translated(error.message)))]
    message = next(text() for kind, text in kinds if isinstance(error, kind))
    return {getattr(error, "field", None) or "_": [message]}


def _leaves(found) -> list[str]:
    """The messages of one field, however deep marshmallow nested them (a score's "value")."""
    if isinstance(found, dict):
        return [m for inner in found.values() for m in _leaves(inner)]
    return [str(m) for m in found] if isinstance(found, list) else [str(found)]


def _translated(message) -> str:
    """A schema's or the domain's message in the page's language (the API's catalogue)."""
    found = FIELD_MESSAGES.get(str(message))
    return found() if found else i18n.translated(str(message), str(get_locale()), words=True)


def answer(done_message: str, target: str, *, position: int | None = None):
    """A command succeeded: JSON for the page's script, else a message and a redirect. Either
    way, once the read models include the change (bounded wait), so the next page shows it."""
    if position is not None:
        services().runner.wait_for(position, current_app.config["READ_WAIT_SECONDS"])
    if wants_json():
        return jsonify({"ok": True, "message": done_message, "position": position})
    flash(done_message)
    return redirect(target, code=303)


def refused(error: Exception, page):
    """A command was refused: JSON errors for the script, else `page(messages)` again, with
    the status the API gives the same refusal (403 for a role that may not, 409 if closed)."""
    messages, status = failure(error), status_of(error)
    if wants_json():
        return jsonify({"errors": messages}), status
    return page(messages), status


def share(exact: str | None) -> str:
    """A fraction as people read it: "3 of every 8 (38 %)"; "—" when it is undefined."""
    if exact is None:
        return "—"
    value = Fraction(exact)
    percent = round(float(value) * 100)
    if value.denominator == 1 or value.denominator > 60:  # "4 of every 25337620" helps nobody
        return _("%(percent)s %%", percent=percent)
    return _("%(num)s of every %(den)s (%(percent)s %%)", num=value.numerator,
             den=value.denominator, percent=percent)
