"""`Idempotency-Key`: a repeated key returns the first answer and writes nothing again.

The first successful answer to a (person, key) pair is kept in an ordinary table, the key scoped
to the request's method and path: a key reused on another endpoint is another request, never the
first endpoint's answer in the wrong shape. The key also
reaches the domain as the command's request id, so even two copies of a request racing each
other create one proposal and count one vote (see domain/application.py).
"""

import functools
import json
import re

from flask import g, jsonify, make_response, request

from webapp.services import error_response, services
from webapp.auth import require_person

def request_id() -> str | None:
    """The domain request id of this request: the caller's key, scoped to the caller."""
    return g.get("idempotency_request_id")


def idempotent(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return view(*args, **kwargs)
        if not re.fullmatch(r"[\x21-\x7e]{1,200}", key):
            return error_response(422, {"Idempotency-Key": ["1 to 200 visible ASCII characters"]})
        person_id = require_person()["person_id"]
        stored = f"{request.method} {request.path} {key}"
        db = services().accounts.db
        with db.cursor() as cursor:
            cursor.execute(db.sql("SELECT status, body FROM reciproca_idempotency "
                                  "WHERE person_id = :person_id AND key = :key"),
                           {"person_id": person_id, "key": stored})
            found = cursor.fetchone()
        if found:
            response = jsonify(json.loads(found["body"]))
            response.status_code = found["status"]
            return response
        g.idempotency_request_id = f"{person_id}:{key}"
        response = make_response(view(*args, **kwargs))
        if 200 <= response.status_code < 300:
            with db.cursor() as cursor:
                cursor.execute(db.sql(
                    "INSERT INTO reciproca_idempotency (person_id, key, status, body) "
                    "VALUES (:person_id, :key, :status, :body) "
                    "ON CONFLICT (person_id, key) DO NOTHING"),
                    {"person_id": person_id, "key": stored, "status": response.status_code,
                     "body": response.get_data(as_text=True)})
        return response

    return wrapper

