"""The Flask application factory: settings, services, security headers and JSON errors.

Every error reaches the client as `{"errors": {field: [messages]}}`; no stack trace ever does.
Unexpected errors are logged with the request's id, which the client also receives.
"""

import logging
import os
import re
import secrets
import uuid
from dataclasses import dataclass
from decimal import Decimal

from flask import Flask, g, jsonify, request
from flask.json.provider import DefaultJSONProvider
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from domain import errors
from domain.application import Reciproca
from projections.runner import Runner
from webapp import storage
from webapp.accounts import Accounts
from webapp.sql import Database

log = logging.getLogger("reciproca")

CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; "
                           "img-src 'self' data:; connect-src 'self'; object-src 'none'; "
                           "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
STATUS = [  # most specific first
    (errors.UnknownMember, 422), (errors.InvalidValue, 422), (errors.NotAMember, 404),
    (errors.NotFound, 404), (errors.NotAllowed, 403), (errors.AlreadyMember, 409),
    (errors.ProposalClosed, 409), (errors.AmendmentTooLate, 409),
    (errors.ConcurrencyConflict, 409), (errors.DomainError, 422),
]


class ExactJSONProvider(DefaultJSONProvider):
    """Decimal numbers in requests are kept exactly as written (0.1 stays 1/10)."""

    def loads(self, s, **kwargs):
        return super().loads(s, parse_float=Decimal, **kwargs)


@dataclass
class Services:
    """What a web process holds: the application, its projection runner and the accounts."""

    app: Reciproca
    runner: Runner
    accounts: Accounts

    def close(self) -> None:
        self.runner.stop()
        storage.close_views(self.runner.views)
        storage.close(self.app)
        self.accounts.db.close()


def create_app(config: dict | None = None) -> Flask:
    settings = {
        "DATABASE_URL": storage.database_url(),
        "SECRET_KEY": os.environ.get("RECIPROCA_SECRET_KEY"),
        "PRODUCTION": os.environ.get("RECIPROCA_ENV") == "production",
        "PUBLIC_URL": os.environ.get("RECIPROCA_PUBLIC_URL", ""),
        "READ_WAIT_SECONDS": 5.0,
        **(config or {}),
    }
    if not settings["SECRET_KEY"]:
        if settings["PRODUCTION"]:
            raise RuntimeError("RECIPROCA_SECRET_KEY must be set when RECIPROCA_ENV=production")
        settings["SECRET_KEY"] = secrets.token_hex(32)
        log.warning("RECIPROCA_SECRET_KEY is not set: sessions last only as long as this process")
    flask_app = Flask(__name__, instance_path=str(storage.instance_path()))
    flask_app.config.update(
        settings,
        MAX_CONTENT_LENGTH=64 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings["PRODUCTION"] or settings["PUBLIC_URL"].startswith("https:"),
    )
    flask_app.json = ExactJSONProvider(flask_app)
    flask_app.extensions["reciproca"] = _open_services(settings["DATABASE_URL"])

    from webapp.api import api
    from webapp.auth import auth
    from webapp.openapi import openapi

    for blueprint in (auth, api, openapi):
        flask_app.register_blueprint(blueprint)
    flask_app.before_request(_request_id)
    flask_app.after_request(_security_headers)
    flask_app.register_error_handler(Exception, _error)
    return flask_app


def _open_services(url: str) -> Services:
    app = storage.open_application(url)
    runner = storage.open_runner(app, url)
    runner.start()
    return Services(app, runner, Accounts(Database(url)))


def services() -> Services:
    from flask import current_app

    return current_app.extensions["reciproca"]


def _request_id() -> None:
    given = request.headers.get("X-Request-Id", "")
    g.request_id = given if re.fullmatch(r"[A-Za-z0-9._-]{8,64}", given) else uuid.uuid4().hex


def _security_headers(response):
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Request-Id"] = g.get("request_id", "")
    return response


def error_response(status: int, messages: dict[str, list[str]], **headers):
    response = jsonify({"errors": messages})
    response.status_code = status
    response.headers.update(headers)
    return response


def _error(error: Exception):
    if isinstance(error, ValidationError):
        return error_response(422, _flatten(error.normalized_messages()))
    if isinstance(error, errors.DomainError):
        status = next(code for kind, code in STATUS if isinstance(error, kind))
        field = error.field if status == 422 else "_"
        return error_response(status, {field or "_": [error.message]})
    if isinstance(error, HTTPException):
        return error_response(error.code or 500, {"_": [error.description or error.name]})
    log.exception("request %s failed", g.get("request_id"))
    return error_response(500, {"_": [f"internal error; request id {g.get('request_id')}"]})


def _flatten(messages, prefix: str = "") -> dict[str, list[str]]:
    """Nested marshmallow messages as {"decision_rule.quorum": [...]}."""
    flat = {}
    for key, value in (messages.items() if isinstance(messages, dict) else [("_", messages)]):
        name = f"{prefix}{key}" if key != "_schema" else (prefix.rstrip(".") or "_")
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat.setdefault(name, []).extend(str(v) for v in value)
    return flat
