"""What a request reaches (the application, its runner, the accounts) and how errors answer.

Blueprints, the command dispatcher and the CLI import this module; it imports none of them, so
imports point one way: `app.py` (the factory) -> blueprints -> `commands.py` -> here.

Every error reaches the client as `{"errors": {field: [messages]}}`; no stack trace ever does.
Unexpected errors are logged with the request's id, which the client also receives.
"""

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, g, jsonify
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from domain import errors
from domain.application import Reciproca
from projections import checkpoints
from projections.deadlines import deadline_duty
from projections.ledger_store import LedgerStore, PeriodicCheckpoint
from projections.fold import StaleViews
from projections.level import InvalidThresholds
from projections.runner import Runner
from webapp import storage
from webapp.accounts import Accounts, LinkGone, SignInThrottled
from webapp.i18n import translated
from webapp.invitations import Invitations
from webapp.mail import Outbox, log_transport, smtp_transport
from webapp.passwords import HashingBusy
from webapp.sql import Database

log = logging.getLogger("reciproca")

STATUS = [  # most specific first
    (errors.UnknownMember, 422), (errors.InvalidValue, 422), (errors.NotAMember, 404),
    (errors.NotFound, 404), (errors.NotAllowed, 403), (errors.AlreadyMember, 409),
    (errors.LastChair, 409), (LinkGone, 410),
    (errors.ProposalClosed, 409), (errors.AmendmentTooLate, 409),
    (errors.ConcurrencyConflict, 409), (errors.DomainError, 422),
]


@dataclass
class Services:
    """What a web process holds: the application, its projection runner, the accounts and
    invitations, and the outbox whose sender delivers mail in the background."""

    app: Reciproca
    runner: Runner
    accounts: Accounts
    invitations: Invitations
    outbox: Outbox

    @classmethod
    def open(cls, url: str, clock: Callable[[], datetime] | None = None, *, smtp_url: str = "",
             mail_from: str = "", production: bool = False) -> "Services":
        """`clock`: the application's (tests inject one to reach deadlines). Proposals close at
        their deadline as a duty of whichever process's runner holds the lock. `smtp_url`
        empty: mail is written to the log in development, refused in production (see
        webapp/mail.py)."""
        app = storage.open_application(url, clock=clock)
        runner = storage.open_runner(app, url)
        runner.duties.append(deadline_duty(app, runner.views))
        key = checkpoints.configured_key()  # a bad key file stops the start, saying why
        if key is not None:
            runner.duties.append(PeriodicCheckpoint(LedgerStore(runner.views), key,
                                                    checkpoint_interval()))
        runner.start()
        db = Database(url)
        transport = (smtp_transport(smtp_url) if smtp_url
                     else None if production else log_transport)
        outbox = Outbox(db, transport, mail_from or "reciproca@localhost")
        if transport is not None:
            outbox.start()
        return cls(app, runner, Accounts(db), Invitations(db), outbox)

    def close(self) -> None:
        self.outbox.stop()
        self.runner.stop()
        storage.close_views(self.runner.views)
        storage.close(self.app)
        self.accounts.db.close()


def checkpoint_interval() -> float:
    """RECIPROCA_CHECKPOINT_MINUTES: how often the ledger is signed while it grows (default 60)."""
    value = os.environ.get("RECIPROCA_CHECKPOINT_MINUTES", "60")
    if not value.isdigit() or not 1 <= int(value) <= 10080:
        raise errors.InvalidValue("RECIPROCA_CHECKPOINT_MINUTES must be a whole number of "
                                  "minutes from 1 to 10080", "RECIPROCA_CHECKPOINT_MINUTES")
    return int(value) * 60.0


def services() -> Services:
    return current_app.extensions["reciproca"]


def error_response(status: int, messages: dict[str, list[str]], **headers):
    """`{"errors": {field: [messages]}}`, the messages in the caller's language."""
    response = jsonify({"errors": {field: [translated(m) for m in found]
                                   for field, found in messages.items()}})
    response.status_code = status
    response.headers.update(headers)
    return response


def status_of(error: errors.DomainError | ValidationError) -> int:
    """The HTTP status of a refused command, the same for the API, the pages and the socket."""
    if isinstance(error, errors.DomainError):
        return next(code for kind, code in STATUS if isinstance(error, kind))
    return 422


def handle_error(error: Exception):
    """The app's one error handler: every exception becomes a JSON error answer."""
    if isinstance(error, ValidationError):
        return error_response(422, _flatten(error.normalized_messages()))
    if isinstance(error, errors.DomainError):
        status = status_of(error)
        field = error.field if status == 422 else "_"
        return error_response(status, {field or "_": [error.message]})
    if isinstance(error, SignInThrottled):  # a sign-in, or a password change's current password
        return error_response(429, {"_": ["too many wrong passwords; try again later"]},
                              **{"Retry-After": str(error.retry_after_seconds)})
    if isinstance(error, HashingBusy):
        return error_response(503, {"_": ["too many password checks at once; try again in a "
                                          "moment"]}, **{"Retry-After": str(error.retry_after)})
    if isinstance(error, HTTPException):
        field = getattr(error, "field", "_")
        return error_response(error.code or 500, {field: [error.description or error.name]})
    if isinstance(error, (StaleViews, InvalidThresholds)):  # the operator's to fix, not a bug
        log.error("request %s: %s", g.get("request_id"), error)
        return error_response(503, {"_": ["the figures are unavailable until the server's "
                                           "operator fixes its set-up; try again later"]})
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
