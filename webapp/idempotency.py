"""`Idempotency-Key`, as the IETF draft "The Idempotency-Key HTTP Header Field" describes it.

A key belongs to its caller and to the first request it was sent with: that request's method,
path and a fingerprint of its body (a SHA-256 of the exact bytes). Sent again with the same
request, it answers what the first one answered and writes nothing again; sent with another
body or to another endpoint, it is refused (422 naming `Idempotency-Key`).

Concurrent copies have exactly one winner: the first to claim the key (a row inserted with
ON CONFLICT DO NOTHING) runs the command; the others wait up to `WAIT_SECONDS` for its answer
and return it, or answer 409 with `Retry-After` if it is still running. A failed request
releases its claim (only successful answers are kept), so a retry runs again; a claim left by
a process that died is taken over after `STALE_SECONDS`. The key also reaches the domain as the
command's request id, so even a retry that overtakes a lost answer creates nothing twice (see
domain/application.py).
"""

import functools
import hashlib
import re
import time
import uuid

from flask import g, make_response, request

from webapp.auth import require_person
from webapp.services import error_response, services

FORMAT = re.compile(r"[\x21-\x7e]{1,200}")
WAIT_SECONDS = 5.0  # how long a copy waits for the winner's answer before answering 409
POLL_SECONDS = 0.05
STALE_SECONDS = 120.0  # longer than any request may run (gunicorn's timeout is 30 s)
FIELD = "Idempotency-Key"


def request_id() -> str | None:
    """The domain request id of this request: the caller's key, scoped to the caller."""
    return g.get("idempotency_request_id")


def idempotent(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get(FIELD)
        if key is None:
            return view(*args, **kwargs)
        if not FORMAT.fullmatch(key):
            return error_response(422, {FIELD: ["1 to 200 visible ASCII characters"]})
        person_id = require_person()["person_id"]
        keys = Keys(services().accounts.db, person_id, key)
        deadline = time.monotonic() + WAIT_SECONDS
        found = keys.claim()
        while found is not None:
            if found["request"] != keys.request:
                return error_response(422, {FIELD: [
                    "this key was already used for another request (another endpoint or "
                    "another body); use a new key for a new request"]})
            if found["status"] is not None:
                return make_response((found["body"], found["status"],
                                      {"Content-Type": "application/json"}))
            if time.monotonic() > deadline:
                return error_response(409, {FIELD: ["a request with this key is still running; "
                                                    "retry shortly"]}, **{"Retry-After": "1"})
            time.sleep(POLL_SECONDS)
            found = keys.look() or keys.claim()  # released by a failed winner: claim it
        g.idempotency_request_id = f"{person_id}:{key}"
        try:
            response = make_response(view(*args, **kwargs))
        except BaseException:
            keys.release()
            raise
        if 200 <= response.status_code < 300:
            keys.answer(response.status_code, response.get_data(as_text=True))
        else:
            keys.release()
        return response

    return wrapper


class Keys:
    """One caller's key in the idempotency table, claimed for this request."""

    def __init__(self, db, person_id: str, key: str):
        self.db, self.claim_id = db, uuid.uuid4().hex
        body = hashlib.sha256(request.get_data(cache=True)).hexdigest()
        self.request = (request.method, request.path, body)
        self.row = {"person_id": person_id, "key": key}

    def claim(self) -> dict | None:
        """None when this request now holds the key; else what the key holds (its `request`,
        and `status` and `body` once answered)."""
        method, path, fingerprint = self.request
        now = time.time()
        claim = {**self.row, "method": method, "path": path, "fingerprint": fingerprint,
                 "claim": self.claim_id, "now": now, "stale": now - STALE_SECONDS}
        with self.db.cursor(write=True) as cursor:
            cursor.execute(self.db.sql(
                "INSERT INTO reciproca_idempotency_keys (person_id, key, method, path, "
                "fingerprint, claim, claimed_at) VALUES (:person_id, :key, :method, :path, "
                ":fingerprint, :claim, :now) ON CONFLICT (person_id, key) DO NOTHING"), claim)
            if cursor.rowcount == 1:
                return None
            cursor.execute(self.db.sql(
                "UPDATE reciproca_idempotency_keys SET claim = :claim, claimed_at = :now "
                "WHERE person_id = :person_id AND key = :key AND status IS NULL "
                "AND claimed_at < :stale AND method = :method AND path = :path "
                "AND fingerprint = :fingerprint"), claim)
            if cursor.rowcount == 1:
                return None
            found = self._select(cursor)
        return found or {"request": self.request, "status": None}  # released meanwhile

    def look(self) -> dict | None:
        """What the key holds now (read only, so waiting copies take no write lock)."""
        with self.db.cursor() as cursor:
            return self._select(cursor)

    def _select(self, cursor) -> dict | None:
        cursor.execute(self.db.sql(
            "SELECT method, path, fingerprint, status, body FROM reciproca_idempotency_keys "
            "WHERE person_id = :person_id AND key = :key"), self.row)
        found = cursor.fetchone()
        if found is None:
            return None
        return {**found, "request": (found["method"], found["path"], found["fingerprint"])}

    def answer(self, status: int, body: str) -> None:
        with self.db.cursor() as cursor:
            cursor.execute(self.db.sql(
                "UPDATE reciproca_idempotency_keys SET status = :status, body = :body "
                "WHERE person_id = :person_id AND key = :key AND claim = :claim"),
                {**self.row, "status": status, "body": body, "claim": self.claim_id})

    def release(self) -> None:
        with self.db.cursor() as cursor:
            cursor.execute(self.db.sql(
                "DELETE FROM reciproca_idempotency_keys WHERE person_id = :person_id "
                "AND key = :key AND claim = :claim AND status IS NULL"),
                {**self.row, "claim": self.claim_id})
