"""Reading what a request sends, before anything computes with it: the one JSON loader, and
the bounds on a request's URL and headers.

A body is read only when it says it is JSON, must be UTF-8, may nest at most `MAX_DEPTH` levels
(counted on the raw text before parsing, so a deep body never reaches a recursive parser), and
keeps decimal numbers exact. Whatever fails here is a 400 naming `Content-Type` or `body`; what
parses but is not what an endpoint wants is the schema's 422. URLs and headers are bounded
below the HTTP server's own limits (docs/operations.md), so the app answers first, in JSON.
"""

import json
import re
from decimal import Decimal

from flask import current_app, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import HTTPException

MAX_DEPTH = 32
MAX_URL = 4096  # bytes of path and query; gunicorn's request line limit is 8190
MAX_HEADERS = 64  # gunicorn refuses more than 100
MAX_HEADER = 4096  # bytes of one header's value; gunicorn refuses a line over 8190
_STRUCTURE = re.compile(r'[\[\]{}"\\]')


class Refused(HTTPException):
    """A request refused before it is read: `code` is the HTTP status, `field` names what to
    fix (the error handler answers `{"errors": {field: [message]}}`)."""

    def __init__(self, code: int, field: str, message: str):
        super().__init__(message)
        self.code, self.field = code, field


def check_size() -> None:
    """Before every request: a body, URL or headers beyond the app's bounds are refused (413,
    414, 431), before anything reads them."""
    environ = request.environ
    if (request.content_length or 0) > current_app.config["MAX_CONTENT_LENGTH"]:
        raise Refused(413, "body", f"the body is larger than "
                                   f"{current_app.config['MAX_CONTENT_LENGTH']} bytes")
    if len(environ.get("PATH_INFO", "")) + len(environ.get("QUERY_STRING", "")) > MAX_URL:
        raise Refused(414, "url", f"the URL is longer than {MAX_URL} characters")
    headers = [value for key, value in environ.items() if key.startswith("HTTP_")]
    if len(headers) > MAX_HEADERS:
        raise Refused(431, "headers", f"more than {MAX_HEADERS} headers")
    if any(len(value) > MAX_HEADER for value in headers):
        raise Refused(431, "headers", f"a header is longer than {MAX_HEADER} characters")


def nesting_depth(text: str, stop_above: int = MAX_DEPTH) -> int:
    """How deeply arrays and objects nest in JSON text (strings skipped), without parsing it;
    stops counting once past `stop_above`."""
    depth = deepest = 0
    in_string, skip_to = False, -1
    for match in _STRUCTURE.finditer(text):
        at, char = match.start(), match.group()
        if at < skip_to:
            continue
        if in_string:
            if char == "\\":
                skip_to = at + 2
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > stop_above:
                break
        elif char in "]}":
            depth -= 1
    return deepest


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def loads(data: bytes | str):
    """JSON text to Python values, bounded: refuses what is not UTF-8, nests too deeply or is
    not JSON (NaN and Infinity included); decimals stay exact (0.1 is 1/10)."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise Refused(400, "body", "the body is not UTF-8 text") from None
    if nesting_depth(data) > MAX_DEPTH:
        raise Refused(400, "body", f"the body nests more than {MAX_DEPTH} levels deep")
    try:
        return json.loads(data, parse_float=Decimal, parse_constant=_no_constant)
    except ValueError as error:
        raise Refused(400, "body", f"the body is not valid JSON: {error}") from None


def json_body():
    """The request's JSON body, {} when it sends none. Bounded in size by the app's
    MAX_CONTENT_LENGTH (413)."""
    data = request.get_data(cache=True)
    if not data:
        return {}
    if request.mimetype != "application/json":
        raise Refused(400, "Content-Type", "send the body as JSON, with Content-Type: "
                                      "application/json")
    return loads(data)


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, reading through the bounded loader wherever a request's JSON is read."""

    def loads(self, s, **kwargs):
        return loads(s)
