"""The Flask application factory: settings, services, blueprints, security headers.

Nothing imports this module but entry points (the CLI, the tests): what a request reaches lives
in `webapp/services.py`.
"""

import logging
import os
import re
import secrets
import uuid

from flask import Flask, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

from projections.level import configured_thresholds
from webapp import i18n, storage
from webapp.api import api
from webapp.auth import auth
from webapp.inputs import JSONProvider, check_size
from webapp.ledger_api import ledger_api
from webapp.live import init_live
from webapp.openapi import openapi
from webapp.pages import pages
from webapp.pages.helpers import page_error
from webapp.people import people
from webapp.services import Services, handle_error

log = logging.getLogger("reciproca")

CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; "
                           "img-src 'self' data:; connect-src 'self'; object-src 'none'; "
                           "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def create_app(config: dict | None = None) -> Flask:
    settings = {
        "DATABASE_URL": storage.database_url(),
        "SECRET_KEY": os.environ.get("RECIPROCA_SECRET_KEY"),
        "PRODUCTION": os.environ.get("RECIPROCA_ENV") == "production",
        "PUBLIC_URL": os.environ.get("RECIPROCA_PUBLIC_URL", ""),
        "READ_WAIT_SECONDS": 5.0,
        "WS_PING_SECONDS": 25.0,  # keepalive pings on each websocket
        "WS_MAX_MESSAGE_BYTES": 64 * 1024,  # the largest message a client may send
        "TRUSTED_PROXIES": _trusted_proxies(os.environ.get("RECIPROCA_TRUSTED_PROXIES", "0")),
        **(config or {}),
    }
    configured_thresholds()  # a bad RECIPROCA_LEVEL_THRESHOLDS stops the start, naming it
    if not settings["SECRET_KEY"]:
        if settings["PRODUCTION"]:
            raise RuntimeError("RECIPROCA_SECRET_KEY must be set when RECIPROCA_ENV=production")
        settings["SECRET_KEY"] = secrets.token_hex(32)
        log.warning("RECIPROCA_SECRET_KEY is not set: sessions last only as long as this process")
    flask_app = Flask(__name__, instance_path=str(storage.instance_path()), static_folder=None)
    flask_app.config.update(
        settings,
        MAX_CONTENT_LENGTH=64 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings["PRODUCTION"] or settings["PUBLIC_URL"].startswith("https:"),
    )
    flask_app.json = JSONProvider(flask_app)
    if settings["TRUSTED_PROXIES"]:
        proxies = settings["TRUSTED_PROXIES"]
        flask_app.wsgi_app = ProxyFix(flask_app.wsgi_app, x_for=proxies, x_proto=proxies,
                                      x_host=proxies)
    flask_app.extensions["reciproca"] = Services.open(
        settings["DATABASE_URL"], clock=settings.get("CLOCK"),
        smtp_url=os.environ.get("RECIPROCA_SMTP_URL", ""),
        mail_from=os.environ.get("RECIPROCA_MAIL_FROM", ""), production=settings["PRODUCTION"])
    flask_app.before_request(_request_id)  # first: before the blueprints' own checks
    flask_app.before_request(check_size)
    i18n.init_app(flask_app)
    for blueprint in (auth, api, ledger_api, people, openapi, pages):
        flask_app.register_blueprint(blueprint)
    init_live(flask_app)
    flask_app.after_request(_security_headers)
    flask_app.register_error_handler(Exception, _error)
    return flask_app


def _error(error: Exception):
    """JSON errors for the API and the websocket; a page in the person's language elsewhere."""
    if request.path.startswith(("/api/", "/ws/")):
        return handle_error(error)
    return page_error(error)


def _trusted_proxies(text: str) -> int:
    """RECIPROCA_TRUSTED_PROXIES: how many proxies in front of the app add X-Forwarded-For,
    -Proto and -Host. Only that many hops are believed: with 0, a client's own X-Forwarded-For
    is ignored (otherwise anyone could pick the address their sign-in failures count against)."""
    if not text.strip().isdigit() or int(text) > 10:
        raise RuntimeError(f"RECIPROCA_TRUSTED_PROXIES must be a whole number from 0 to 10, "
                           f"not {text[:20]!r}")
    return int(text)


def _request_id() -> None:
    given = request.headers.get("X-Request-Id", "")
    g.request_id = given if re.fullmatch(r"[A-Za-z0-9._-]{8,64}", given) else uuid.uuid4().hex


def _security_headers(response):
    if response.status_code == 204:  # no content, so no content type (Flask's default is HTML)
        response.headers.pop("Content-Type", None)
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Request-Id"] = g.get("request_id", "")
    if request.is_secure:  # https (behind trusted proxies: as they say): keep to it for a year
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    return response
