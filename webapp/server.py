"""How gunicorn answers what never reaches the app: its limits, in JSON, without a banner.

The app bounds URLs and headers below these limits (webapp/inputs.py), so it answers first; a
request beyond them (a request line over 8190 bytes, a header line over 8190, more than 100
headers, a malformed request) is refused by gunicorn itself, and that answer is JSON too.
gunicorn has no setting for either its HTML error page or its `Server` header, so both are
replaced here, once, in the serving process.
"""

import json

from gunicorn import util
from gunicorn.http import wsgi

LIMITS = {
    "limit_request_line": 8190,  # gunicorn's maximum; the app refuses URLs over 4096 first
    "limit_request_fields": 100,
    "limit_request_field_size": 8190,
}
FIELDS = {414: "url", 431: "headers"}


def write_json_error(sock, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's own refusals as `{"errors": {field: [reason]}}`; the request is not echoed."""
    body = json.dumps({"errors": {FIELDS.get(status_int, "_"): [reason]}})
    head = (f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            "X-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\n\r\n")
    util.write_nonblock(sock, (head + body).encode("latin-1"))


def _without_banner(default_headers):
    def headers(response) -> list[str]:
        return [line for line in default_headers(response) if not line.startswith("Server:")]

    return headers


def configure(cfg) -> None:
    """Set the limits on a gunicorn config; answer gunicorn's errors in JSON, with no banner."""
    for name, value in LIMITS.items():
        cfg.set(name, value)
    if util.write_error is not write_json_error:
        util.write_error = write_json_error
        wsgi.Response.default_headers = _without_banner(wsgi.Response.default_headers)
