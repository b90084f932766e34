"""The hostile-input battery: every operation of the served OpenAPI document, attacked through a
real `reciproca serve` (gunicorn) on SQLite and on PostgreSQL.

Each hostile request must answer a JSON 4xx naming what is wrong, within one second (the
issue's bound, measured per request), while the server keeps answering an ordinary request from
another thread, and the log must not change. The requests are schemathesis-generated negative
data for each operation, and for each operation the cases an outside probe tried: bodies that
are not objects, nested 1,000 deep (signed in or not), not JSON, not declared as JSON or too
large; lone surrogates and NUL bytes in every text property; integers beyond 64 bits in every
query; URLs and headers past the app's limits and past gunicorn's.
"""

import collections
import http.client
import json
import threading
import time
import uuid

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from hypothesis import strategies as st
from schemathesis import GenerationMode

from tests.servers import Server, account
from webapp.storage import close, open_application

BOUND_SECONDS = 1.0  # the requirement for every hostile request
GIVE_UP_SECONDS = 5.0  # a hostile request not answered by then is noted, not waited for
GENERATED_PER_OPERATION = 6
MAJORITY = {"rule": "majority", "quorum": "1/2"}
NOT_OBJECTS = [b"[1]", b'"x"', b"123", b"true", b"null"]
TEXT_ATTACKS = [("lone surrogate", "\ud800"), ("NUL", "a\u0000b"),
                ("only invisible characters", "\u200b\u2060\u00a0")]
DEEP = b"[" * 1000 + b"]" * 1000
HUGE = str(2**70)


class Battery:
    """The served app, called with raw bytes; every answer timed."""

    def __init__(self, host: str, port: int, person: dict):
        self.host, self.port = host, port
        self.person_id, self.auth = person["id"], person["auth"]
        self.refusals: list[str] = []  # each answer that was not a quick JSON 4xx

    def send(self, method: str, path: str, body: bytes | None = None,
             headers: dict | None = None, timeout: float = 30) -> tuple[int, str, bytes, float]:
        """(status, content type, body, seconds) of one request over a new connection."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        started = time.monotonic()
        try:
            connection.request(method, path, body=body, headers=headers or {})
            answer = connection.getresponse()
            data = answer.read()
        finally:
            connection.close()
        return answer.status, answer.getheader("Content-Type", ""), data, \
            time.monotonic() - started

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        """An ordinary signed-in JSON request."""
        status, _, data, _ = self.send(
            method, path, None if body is None else json.dumps(body).encode(),
            {**self.auth, "Content-Type": "application/json"})
        return status, json.loads(data)

    def judge(self, label: str, status: int, content_type: str, data: bytes, elapsed: float,
              field: str | None = None, *, timed: bool = True) -> None:
        """Note the answer unless it is a JSON 4xx naming `field` (when given), within the
        bound (when `timed`)."""
        try:
            errors = json.loads(data).get("errors") \
                if content_type.startswith("application/json") else None
        except (ValueError, AttributeError):
            errors = None
        problems = []
        if not 400 <= status < 500:
            problems.append(f"status {status}")
        if not isinstance(errors, dict) or not errors:
            problems.append(f"no JSON errors: {data[:100]!r}")
        elif field is not None and status not in (401, 403, 404) and field not in errors:
            problems.append(f"{field} not named in {errors}")
        if timed and elapsed >= BOUND_SECONDS:
            problems.append(f"{elapsed:.2f} s")
        if problems:
            self.refusals.append(f"{label} -> {', '.join(problems)}")

    def attempt(self, label: str, send, field: str | None = None, *, timed: bool = True):
        """Judge what `send()` answers. A request slower than the bound is sent once more and
        judged on that second answer: a defect is slow every time, a pause of a loaded
        machine's scheduler is not."""
        for tries_left in (1, 0):
            try:
                answer = send()
            except (OSError, requests.RequestException) as error:
                self.refusals.append(f"{label} -> no answer ({error!r})")
                return
            if not timed or answer[3] < BOUND_SECONDS:
                break
        self.judge(label, *answer, field, timed=timed)

    def hostile(self, label: str, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None, field: str | None = None) -> None:
        self.attempt(f"{label}: {method} {path[:80]}", lambda: self.send(
            method, path, body, headers, timeout=GIVE_UP_SECONDS), field)


class Heartbeat(threading.Thread):
    """An ordinary request, over and over, from another thread while the battery runs."""

    def __init__(self, server: "Battery"):
        super().__init__(daemon=True)
        self.server, self.statuses, self.stopping = server, [], threading.Event()

    def run(self):
        while not self.stopping.is_set():
            self.statuses.append(self.server.send("GET", "/api/openapi.json")[0])
            self.stopping.wait(0.05)


@pytest.fixture
def server(database_url):
    ana = account(database_url)
    served = Server(database_url)
    try:
        yield Battery("127.0.0.1", served.port, ana)
    finally:
        served.stop()


def log_length(url: str) -> int:
    app = open_application(url)
    try:
        return app.recorder.max_notification_id() or 0
    finally:
        close(app)


def _scene(server: Battery) -> dict:
    """A group and a proposal of the signed-in caller, for the paths' ids."""
    def post(path, body):
        status, answer = server.call("POST", path, body)
        assert status == 201, answer
        return answer["id"]

    group = post("/api/groups", {"name": "Mesa", "purpose": "p", "category": "carer",
                                 "decision_rule": MAJORITY})
    proposal = post(f"/api/groups/{group}/proposals", {"title": "t", "body": "b",
                                                       "scope": "delivery"})
    return {"group_id": group, "proposal_id": proposal, "figure": "agenda", "key": "carer"}


def _valid_bodies(ids: dict, person_id: str) -> dict:
    """A body each write would accept, so that one bad property is all that is wrong."""
    return {
        "/api/session": {"email": "ana@example.org", "password": "not the password"},
        "/api/groups": {"name": "Mesa", "purpose": "p", "category": "carer",
                        "decision_rule": MAJORITY},
        "/api/groups/{group_id}/members": {"email": "ana@example.org", "category": "carer"},
        "/api/groups/{group_id}/auditors": {"email": "ana@example.org"},
        "/api/groups/{group_id}/roles": {"member_id": person_id, "role": "facilitator",
                                         "action": "assign"},
        "/api/groups/{group_id}/proposals": {"title": "t", "body": "b", "scope": "delivery"},
        "/api/proposals/{proposal_id}/votes": {"position": "for", "reason": "r"},
        "/api/groups/{group_id}/contributions": {"kind": "task", "description": "d"},
    }


def _properties(document: dict, operation: dict) -> dict:
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    reference = body.get("schema", {}).get("$ref", "")
    return document["components"]["schemas"].get(reference.rsplit("/", 1)[-1], {}).get(
        "properties", {})


def _probe_cases(server: Battery, document: dict, ids: dict, valid: dict) -> int:
    """The probe's cases, for every operation; returns how many requests were sent."""
    sent = 0
    signed = {**server.auth, "Content-Type": "application/json"}
    for template, operations in document["paths"].items():
        path = template.format_map(collections.defaultdict(lambda: str(uuid.uuid4()), ids))
        for method, operation in operations.items():
            method = method.upper()
            cases = [
                ("long URL (the app's limit)", path + "?x=" + "a" * 5000, None, server.auth,
                 "url"),
                ("long URL (gunicorn's limit)", path + "?x=" + "a" * 9000, None, server.auth,
                 "url"),
                ("long header (the app's limit)", path, None,
                 {**server.auth, "X-Long": "a" * 5000}, "headers"),
                ("long header (gunicorn's limit)", path, None,
                 {**server.auth, "X-Long": "a" * 9000}, "headers"),
                ("many headers (the app's limit)", path, None,
                 {**server.auth, **{f"X-H{i}": "a" for i in range(70)}}, "headers"),
                ("many headers (gunicorn's limit)", path, None,
                 {**server.auth, **{f"X-H{i}": "a" for i in range(120)}}, "headers"),
            ]
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query" and method == "GET":  # writes read no query
                    name = parameter["name"]
                    cases.append((f"{name} beyond 64 bits", f"{path}?{name}={HUGE}", None,
                                  server.auth, name))
            if "requestBody" in operation:
                cases += [(f"not an object: {body!r}", path, body, signed, "_")
                          for body in NOT_OBJECTS]
                cases += [
                    ("1,000 levels deep, signed in", path, DEEP, signed, "body"),
                    ("1,000 levels deep, not signed in", path, DEEP,
                     {"Content-Type": "application/json"}, None),  # 401, or 400 signing in
                    ("not JSON", path, b'{"a": ', signed, "body"),
                    ("no Content-Type", path, b"{}", server.auth, "Content-Type"),
                    ("larger than 64 KiB", path, b'{"a": "' + b"x" * 70_000 + b'"}', signed,
                     "body"),
                ]
                base = valid.get(template, {})
                for name, schema in _properties(document, operation).items():
                    if schema.get("type") != "string":
                        continue
                    for attack, text in TEXT_ATTACKS:
                        if "password" in name and attack == "only invisible characters":
                            continue  # any characters make a password (this one is wrong: 401)
                        cases.append((f"{attack} in {name}", path,
                                      json.dumps({**base, name: text}).encode(), signed, name))
            if template == "/api/groups" and method == "POST":
                cases.append(("a quorum of 1E999999999", path, json.dumps(
                    valid[template]).replace('"1/2"', "1E999999999").encode(), signed,
                    "decision_rule.quorum"))
            for label, target, body, headers, field in cases:
                server.hostile(label, method, target, body, headers, field)
            sent += len(cases)
    return sent


def _generated_cases(server: Battery, document_url: str, ids: dict) -> int:
    """schemathesis's negative data for every operation: signed in unless it is the headers
    that are negated (then the generated, wrong credentials are sent as they are)."""
    schema = schemathesis.openapi.from_url(document_url)
    sent = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(max_examples=GENERATED_PER_OPERATION, derandomize=True, deadline=None,
                  database=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
               use_known=st.booleans())
        def attack(case, use_known):
            nonlocal sent
            negated = {location.value for location, component in case.meta.components.items()
                       if component.mode == GenerationMode.NEGATIVE}
            if not negated:
                return  # nothing of this operation could be made invalid
            if use_known and "path" not in negated:
                case.path_parameters = {k: ids.get(k, v) for k, v in
                                        (case.path_parameters or {}).items()}
            headers = {} if "header" in negated else server.auth
            # A well-formed sign-in costs one password hash by design (seconds on a loaded
            # machine); the sign-in throttling bounds those, not this battery.
            password_checked = case.path == "/api/session" and "body" not in negated
            label = (f"generated ({', '.join(sorted(negated))} negated): {case.method} "
                     f"{case.formatted_path}")

            def send():
                started = time.monotonic()
                answer = case.call(base_url=f"http://{server.host}:{server.port}",
                                   headers=headers, timeout=GIVE_UP_SECONDS)
                return (answer.status_code, answer.headers.get("content-type", [""])[0],
                        answer.content, time.monotonic() - started)

            sent += 1
            server.attempt(label, send, timed=not password_checked)

        try:
            attack()
        except Unsatisfiable:
            pass  # the operation has nothing that can be made invalid (no parameters, no body)
    return sent


def test_every_hostile_request_is_a_quick_json_4xx_and_changes_nothing(server, database_url):
    ids = _scene(server)
    status, document = server.call("GET", "/api/openapi.json")
    assert status == 200
    before = log_length(database_url)
    heartbeat = Heartbeat(server)
    heartbeat.start()
    try:
        sent = _probe_cases(server, document, ids, _valid_bodies(ids, server.person_id))
        sent += _generated_cases(server, f"http://{server.host}:{server.port}/api/openapi.json",
                                 ids)
    finally:
        heartbeat.stopping.set()
        heartbeat.join()
    assert not server.refusals, "\n".join(server.refusals[:30])
    assert sent > 300
    assert heartbeat.statuses and set(heartbeat.statuses) == {200}
    assert log_length(database_url) == before


def test_gunicorn_answers_in_json_and_names_no_server(server):
    """What gunicorn refuses itself (a request line it cannot parse) is JSON too, and no answer
    carries a `Server` banner."""
    import socket

    with socket.create_connection((server.host, server.port), timeout=10) as raw:
        raw.sendall(b"NOT A REQUEST\r\n\r\n")
        answer = raw.recv(4096).decode("latin-1")
    head, _, body = answer.partition("\r\n\r\n")
    assert head.startswith("HTTP/1.1 400") and "application/json" in head
    assert "Server:" not in head
    assert json.loads(body)["errors"]
    connection = http.client.HTTPConnection(server.host, server.port, timeout=10)
    connection.request("GET", "/api/openapi.json")
    assert connection.getresponse().getheader("Server") is None
