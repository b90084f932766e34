"""Commands sent over a group's socket, handled by the same dispatcher and schemas as HTTP.

A message is a JSON object: `type` names the command (as the dispatcher does: `vote`,
`close_proposal`, `table_proposal`, `contribute`, ...), an optional `ref` (any JSON value up to
200 characters) is echoed in the answer, and the other fields are what the HTTP body (and path)
carries. A command that names a group acts on the socket's own group. The answer is a `result`
message, or an `error` message with the HTTP status and the same `errors` object as HTTP.
"""

import json

from flask import current_app
from marshmallow import ValidationError

from webapp.auth import require_person
from webapp.commands import COMMANDS, Caller, dispatch
from webapp.services import handle_error

NOT_OVER_SOCKET = {"found_group"}  # not about the socket's group


def handle(text: str, group_id: str) -> dict:
    """The reply to one client message (never raises for bad input)."""
    ref = None
    try:
        message = current_app.json.loads(text)
        if not isinstance(message, dict):
            raise ValidationError({"_": ["a message is a JSON object with a type"]})
        ref = message.pop("ref", None)
        if len(json.dumps(ref)) > 200:
            ref = None
            raise ValidationError({"ref": ["at most 200 characters"]})
        name = message.pop("type", None)
        if name not in COMMANDS or name in NOT_OVER_SOCKET:
            raise ValidationError({"type": ["not a command this socket accepts"]})
        if "group_id" in COMMANDS[name].ids:
            if message.setdefault("group_id", group_id) != group_id:
                raise ValidationError({"group_id": ["this socket follows another group"]})
        answer = dispatch(name, Caller.of(require_person()), message)
        return {"type": "result", "command": name, "ref": ref, **answer}
    except Exception as error:  # noqa: BLE001 - every error is an `error` message
        return error_message(error, ref)


def error_message(error: Exception, ref=None) -> dict:
    """The `error` message: the HTTP status and errors the API would answer."""
    response = handle_error(error)
    return {"type": "error", "ref": ref, "status": response.status_code,
            "errors": response.get_json()["errors"]}
