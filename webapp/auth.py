"""Who is calling: a session cookie (browsers) or an API token (scripts), and CSRF protection.

A session holds the person's id and their account's session generation; signing out increments
the generation, so every copy of the old cookie stops working. Tokens are accepted only in the
`Authorization: Bearer` header, never in a URL. Changes made with a cookie must carry the
session's CSRF token in the `X-CSRF-Token` header; token-authenticated calls need none (a browser
never adds an Authorization header by itself).
"""

import hmac
import secrets

from flask import Blueprint, abort, g, jsonify, request, session

from webapp.accounts import SignInRefused, SignInThrottled
from webapp.inputs import json_body
from webapp.schemas import PersonOut, SignInIn
from webapp.services import error_response, services

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

auth = Blueprint("auth", __name__, url_prefix="/api")


def current_person() -> dict | None:
    if "person" not in g:
        g.person, g.via = _from_token() or _from_session() or (None, None)
    return g.person


def require_person() -> dict:
    person = current_person()
    if person is None:
        abort(401, "sign in, or send an API token in the Authorization header")
    return person


def _from_token():
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    person_id = services().accounts.token_person(header.removeprefix("Bearer ").strip())
    if person_id is None:
        abort(401, "the API token is not valid")
    return services().accounts.person(person_id), "token"


def _from_session():
    person_id = session.get("person_id")
    if not person_id:
        return None
    person = services().accounts.person(person_id)
    if person is None or person["session_generation"] != session.get("generation"):
        session.clear()
        return None
    return person, "session"


@auth.before_app_request
def _check_csrf():
    if request.method in SAFE_METHODS or not request.path.startswith("/api/"):
        return None
    if current_person() is None or g.via != "session":
        return None
    sent = request.headers.get("X-CSRF-Token", "")
    if not hmac.compare_digest(sent.encode(), session.get("csrf", "").encode()):
        return error_response(403, {"csrf": ["missing or wrong X-CSRF-Token header"]})
    return None


@auth.post("/session")
def sign_in():
    """Sign in with email and password; the answer carries the CSRF token for later changes."""
    data = SignInIn().load(json_body())
    try:
        person = services().accounts.sign_in(data["email"], data["password"],
                                             request.remote_addr or "unknown")
    except SignInThrottled as throttled:
        return error_response(429, {"_": ["too many failed sign-ins; try again later"]},
                              **{"Retry-After": str(throttled.retry_after_seconds)})
    except SignInRefused as refused:
        return error_response(401, {"_": [str(refused)]})
    session.clear()  # a new session at every sign-in
    session.update(person_id=person["person_id"], generation=person["session_generation"],
                   csrf=secrets.token_urlsafe(32))
    return jsonify(PersonOut().dump({**person, "csrf_token": session["csrf"]})), 201


@auth.get("/session")
def who_am_i():
    person = require_person()
    return jsonify(PersonOut().dump({**person, "csrf_token": session.get("csrf", "")}))


@auth.delete("/session")
def sign_out():
    """Sign out everywhere: every session of this account stops working."""
    person = require_person()
    services().accounts.end_sessions(person["person_id"])
    session.clear()
    return "", 204
