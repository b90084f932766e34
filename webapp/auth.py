"""Who is calling: a session cookie (browsers) or an API token (scripts), and CSRF protection.

A session holds the person's id and their account's session generation; signing out increments
the generation, so every copy of the old cookie stops working. Tokens are accepted only in the
`Authorization: Bearer` header, never in a URL. Changes made with a cookie must carry the
session's CSRF token in the `X-CSRF-Token` header and, when the browser names the page that sent
them (`Origin`, `Sec-Fetch-Site`), come from this site; token-authenticated calls need neither (a
browser never adds an Authorization header by itself).
"""

import hmac
import secrets
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, g, jsonify, request, session

from webapp.accounts import SignInRefused, SignInThrottled
from webapp.inputs import json_body
from webapp.schemas import PersonOut, SignInIn
from webapp.services import error_response, services

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
DEFAULT_PORTS = {"http": 80, "https": 443}

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
    person = services().accounts.token_person(header.removeprefix("Bearer ").strip())
    if person is None:
        abort(401, "the API token is not valid")
    return person, "token"


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
def _check_browser_writes():
    """Changes not made with an API token must come from this site's own pages: a browser says
    which page sent a request (Origin, or Sec-Fetch-Site), and a cookie's changes also carry the
    session's CSRF token. Clients sending neither header (scripts) are judged by the token."""
    if request.method in SAFE_METHODS:
        return None
    if request.headers.get("Authorization", "").startswith("Bearer "):
        return None  # a browser never adds an Authorization header by itself
    problem = foreign_origin()
    if problem and request.path.startswith("/api/"):
        return error_response(403, {"origin": [problem]})
    if problem:
        abort(403, problem)  # a page's form: answered as a page
    if not request.path.startswith("/api/"):
        return None  # pages check their forms' CSRF token themselves
    if current_person() is None or g.via != "session":
        return None
    sent = request.headers.get("X-CSRF-Token", "")
    if not hmac.compare_digest(sent.encode(), session.get("csrf", "").encode()):
        return error_response(403, {"csrf": ["missing or wrong X-CSRF-Token header"]})
    return None


def foreign_origin() -> str | None:
    """Why this request comes from another site, or None. `Sec-Fetch-Site` decides when the
    browser sends it; otherwise `Origin` is compared with RECIPROCA_PUBLIC_URL (or the address
    the request was sent to). An `Origin` of "null" (sent, for instance, under this app's
    no-referrer policy) says nothing, so then only the CSRF token decides."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return None if site == "same-origin" else "changes are accepted only from this site"
    origin = request.headers.get("Origin", "null")
    expected = _origin(current_app.config["PUBLIC_URL"] or request.host_url)
    if origin != "null" and _origin(origin) != expected:
        return f"changes are accepted only from {expected}"
    return None


def _origin(url: str) -> str | None:
    """scheme://host[:port], lower-cased, without a default port; None when not a web origin."""
    parts = urlsplit(url.strip())
    try:
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    shown = "" if port in (None, DEFAULT_PORTS[parts.scheme]) else f":{port}"
    return f"{parts.scheme}://{parts.hostname}{shown}"


@auth.post("/session")
def sign_in():
    """Sign in with email and password; the answer carries the CSRF token for later changes."""
    data = SignInIn().load(json_body())
    try:
        person = services().accounts.sign_in(data["email"], data["password"],
                                             request.remote_addr or "unknown")
    except SignInThrottled:
        raise  # 429, as every throttled password check (services.handle_error)
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
