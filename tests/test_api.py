"""The JSON API: a whole decision over real HTTP with only a token, bad input, not-found and
permission answers, sessions with CSRF, cookie flags, security headers, idempotency, after=."""

import json
import threading
import urllib.error
import urllib.request
import uuid

import pytest
from werkzeug.serving import make_server

from tests.conftest import PASSWORD
from tests.helpers import event_names
from webapp.app import create_app

MAJORITY = {"rule": "majority", "quorum": "1/2"}


def log_position(web) -> int:
    return web.extensions["reciproca"].app.recorder.max_notification_id() or 0


def group_with_bea(client, people, role="member"):
    ana, bea = people["ana"], people["bea"]
    group_id = client.post("/api/groups", headers=ana["auth"], json={
        "name": "Mesa", "purpose": "Salud mental", "category": "service_user",
        "decision_rule": MAJORITY}).json["id"]
    response = client.post(f"/api/groups/{group_id}/members", headers=ana["auth"],
                           json={"email": bea["email"], "category": "professional",
                                 "role": role})
    assert response.status_code == 201
    return group_id


def test_a_script_with_only_a_token_runs_a_whole_decision_over_http(web, people):
    server = make_server("127.0.0.1", 0, web, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"

    def call(method, path, person, body=None):
        request = urllib.request.Request(
            base + path, method=method, data=None if body is None else json.dumps(body).encode(),
            headers={**people[person]["auth"], "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())

    try:
        status, group = call("POST", "/api/groups", "ana", {
            "name": "Mesa de coproducción", "purpose": "Salud mental comunitaria",
            "category": "service_user",
            "decision_rule": {"rule": "supermajority", "threshold": "2/3", "quorum": 0.5}})
        assert status == 201
        gid = group["id"]
        for name, category in (("bea", "professional"), ("carla", "carer")):
            assert call("POST", f"/api/groups/{gid}/members", "ana",
                        {"email": people[name]["email"], "category": category})[0] == 201
        status, proposal = call("POST", f"/api/groups/{gid}/proposals", "carla", {
            "title": "Abrir los sábados", "body": "Horario ampliado", "scope": "delivery"})
        pid = proposal["id"]
        for name, position in (("ana", "for"), ("bea", "against"), ("carla", "for")):
            assert call("POST", f"/api/proposals/{pid}/votes", name,
                        {"position": position})[0] == 201
        status, closed = call("POST", f"/api/proposals/{pid}/close", "carla")
        # 2 for, 1 against: 2/3 >= 2/3 with all 3 voting -> carried; both for votes pivotal.
        assert (status, closed["outcome"]) == (200, "carried")
        assert sorted(closed["decision"]["pivotal"]) == sorted([people["ana"]["id"],
                                                                people["carla"]["id"]])
        status, balance = call("GET", f"/api/groups/{gid}/power-balance"
                                      f"?after={closed['position']}", "bea")
        assert status == 200
        assert balance["categories"]["shares"]["carer"]["agenda"]["exact"] == "1"
        assert balance["sides"]["shares"]["lived_experience"]["success"]["exact"] == "1"
        status, record = call("GET", f"/api/groups/{gid}/record?after={closed['position']}",
                              "bea")
        assert [e["type"] for e in record["entries"]][-2:] == ["Closed", "DecisionRecorded"]
        assert "Abrir los sábados" in record["texts"].values()
        # 3 voting members (< 4), 1 closed decision (< 3): both named as what is missing
        level = call("GET", f"/api/groups/{gid}/level", "ana")[1]
        assert (level["level"], level["unmet"]) == ("insufficient_data",
                                                    ["voting_members", "closed_decisions"])
        # evidence: ana's founding chair (a service user leads: blurring distinctions) and
        # carla's carried proposal (lived experience carried: facilitating); no reciprocity;
        # lived-experience voting members ana and carla, neither linked by peer support
        principles = call("GET", f"/api/groups/{gid}/principles", "bea")[1]
        assert {p: (v["count"], v["evidenced"]) for p, v in principles["principles"].items()} == {
            "asset_based": (0, False), "capabilities": (0, False), "reciprocity": (0, False),
            "peer_support": (0, False), "blurring_distinctions": (1, True),
            "facilitating": (1, True)}
        assert principles["principles"]["reciprocity"]["giving"] == {"lived_experience": 0,
                                                                     "provider": 0}
        assert principles["peer_network"] == {"exact": "0", "value": 0.0}
        assert principles["peer_network_members"] == {"linked": 0,
                                                      "lived_experience_voting_members": 2}
    finally:
        server.shutdown()


@pytest.mark.parametrize("body, fields", [
    ({}, {"name", "purpose", "category", "decision_rule"}),
    ({"name": "", "purpose": "x" * 2001, "category": "vecino",
      "decision_rule": MAJORITY}, {"name", "purpose", "category"}),
    ({"name": "Mesa", "purpose": "p", "category": "carer",
      "decision_rule": {"rule": "majority", "quorum": "3/2"}}, {"decision_rule.quorum"}),
    ({"name": "Mesa", "purpose": "p", "category": "carer",
      "decision_rule": {"rule": "majority", "quorum": "abc"}}, {"decision_rule.quorum"}),
    ({"name": "Mesa", "purpose": "p", "category": "carer", "decision_rule": MAJORITY,
      "colour": "red"}, {"colour"}),
])
def test_bad_input_is_422_naming_each_field_and_writes_nothing(web, people, body, fields):
    client, before = web.test_client(), log_position(web)
    response = client.post("/api/groups", headers=people["ana"]["auth"], json=body)
    assert response.status_code == 422
    assert set(response.json["errors"]) == fields
    assert log_position(web) == before


def test_proposal_and_vote_input_is_checked_before_anything_is_written(web, people):
    client = web.test_client()
    group_id = group_with_bea(client, people)
    before = log_position(web)
    bad = client.post(f"/api/groups/{group_id}/proposals", headers=people["ana"]["auth"],
                      json={"title": "t" * 201, "body": "b", "scope": "delivery",
                            "kind": "role_change"})
    assert bad.status_code == 422
    assert set(bad.json["errors"]) == {"title", "role_change"}
    pid = client.post(f"/api/groups/{group_id}/proposals", headers=people["ana"]["auth"],
                      json={"title": "t", "body": "b", "scope": "delivery"}).json["id"]
    before = log_position(web)
    bad = client.post(f"/api/proposals/{pid}/votes", headers=people["ana"]["auth"],
                      json={"position": "maybe", "reason": "r" * 2001})
    assert (bad.status_code, set(bad.json["errors"])) == (422, {"position", "reason"})
    assert log_position(web) == before


def test_not_found_not_signed_in_not_a_member_and_not_allowed(web, people):
    client = web.test_client()
    group_id = group_with_bea(client, people, role="observer")
    pid = client.post(f"/api/groups/{group_id}/proposals", headers=people["ana"]["auth"],
                      json={"title": "t", "body": "b", "scope": "delivery"}).json["id"]
    assert client.get(f"/api/groups/{group_id}").status_code == 401
    assert client.get(f"/api/groups/{uuid.uuid4()}", headers=people["ana"]["auth"]).status_code == 404
    assert client.get("/api/groups/not-an-id", headers=people["ana"]["auth"]).status_code == 404
    # carla belongs to nothing: the group does not exist for her, for reads and writes alike
    for path in (f"/api/groups/{group_id}", f"/api/groups/{group_id}/record",
                 f"/api/proposals/{pid}"):
        assert client.get(path, headers=people["carla"]["auth"]).status_code == 404
    before = log_position(web)
    assert client.post(f"/api/proposals/{pid}/votes", headers=people["carla"]["auth"],
                       json={"position": "for"}).status_code == 404
    observer_vote = client.post(f"/api/proposals/{pid}/votes", headers=people["bea"]["auth"],
                                json={"position": "for"})
    assert observer_vote.status_code == 403
    assert log_position(web) == before
    client.post(f"/api/proposals/{pid}/close", headers=people["ana"]["auth"])
    late = client.post(f"/api/proposals/{pid}/votes", headers=people["ana"]["auth"],
                       json={"position": "for"})
    assert late.status_code == 409 and "closed" in late.json["errors"]["_"][0]


def test_a_repeated_idempotency_key_answers_the_same_and_writes_once(web, people):
    client = web.test_client()
    group_id = group_with_bea(client, people)
    headers = {**people["ana"]["auth"], "Idempotency-Key": "table-1"}
    body = {"title": "Horario", "body": "Sábados", "scope": "delivery"}
    first = client.post(f"/api/groups/{group_id}/proposals", headers=headers, json=body)
    again = client.post(f"/api/groups/{group_id}/proposals", headers=headers, json=body)
    assert (first.status_code, first.json) == (again.status_code, again.json)
    assert event_names(web.extensions["reciproca"].app).count("Tabled") == 1
    vote = {**people["bea"]["auth"], "Idempotency-Key": "table-1"}  # another person's key
    assert client.post(f"/api/proposals/{first.json['id']}/votes", headers=vote,
                       json={"position": "for"}).status_code == 201
    # the same person's key on another endpoint is refused (the IETF draft's rule), never the
    # first endpoint's answer in the wrong shape
    own = client.post(f"/api/proposals/{first.json['id']}/votes", headers=headers,
                      json={"position": "against"})
    assert own.status_code == 422 and list(own.json["errors"]) == ["Idempotency-Key"]


def test_reads_wait_for_after_and_answer_503_while_the_read_models_lag(web, people):
    client = web.test_client()
    group_id = group_with_bea(client, people)
    written = client.post(f"/api/groups/{group_id}/contributions",
                          headers=people["bea"]["auth"],
                          json={"kind": "task", "description": "Actas"}).json["position"]
    record = client.get(f"/api/groups/{group_id}/record?after={written}",
                        headers=people["bea"]["auth"])
    assert record.json["entries"][-1]["position"] == written
    beyond = client.get(f"/api/groups/{group_id}/level?after={written + 1000}",
                        headers=people["bea"]["auth"])
    assert beyond.status_code == 422 and "after" in beyond.json["errors"]
    web.extensions["reciproca"].runner.stop()  # the read models stop following the log
    newer = client.post(f"/api/groups/{group_id}/contributions", headers=people["bea"]["auth"],
                        json={"kind": "task", "description": "Sala"}).json["position"]
    late = client.get(f"/api/groups/{group_id}/level?after={newer}",
                      headers=people["bea"]["auth"])
    assert late.status_code == 503 and late.headers["Retry-After"] == "1"


def sign_in(client, person):
    return client.post("/api/session", json={"email": person["email"], "password": PASSWORD})


def test_cookie_sessions_need_the_csrf_header_and_end_everywhere_at_sign_out(web, people):
    client, ana = web.test_client(), people["ana"]
    signed = sign_in(client, ana)
    assert signed.status_code == 201
    cookie = signed.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    body = {"name": "Mesa", "purpose": "p", "category": "carer", "decision_rule": MAJORITY}
    refused = client.post("/api/groups", json=body)
    assert refused.status_code == 403 and "csrf" in refused.json["errors"]
    csrf = {"X-CSRF-Token": signed.json["csrf_token"]}
    assert client.post("/api/groups", json=body, headers=csrf).status_code == 201
    stolen = web.test_client()
    stolen.set_cookie("session", client.get_cookie("session").value)
    assert stolen.get("/api/session").status_code == 200
    assert client.delete("/api/session", headers=csrf).status_code == 204
    assert stolen.get("/api/session").status_code == 401


def test_cookies_are_secure_when_served_over_https(sqlite_url, monkeypatch, people):
    monkeypatch.setenv("RECIPROCA_DATABASE_URL", sqlite_url)
    secure = create_app({"SECRET_KEY": "s" * 40, "PUBLIC_URL": "https://reciproca.example"})
    try:
        cookie = sign_in(secure.test_client(), people["ana"]).headers["Set-Cookie"]
        assert "Secure" in cookie
    finally:
        secure.extensions["reciproca"].close()


def test_production_refuses_to_start_without_a_secret_key(sqlite_url, monkeypatch):
    monkeypatch.setenv("RECIPROCA_DATABASE_URL", sqlite_url)
    monkeypatch.delenv("RECIPROCA_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="RECIPROCA_SECRET_KEY"):
        create_app({"PRODUCTION": True})


def test_repeated_failed_sign_ins_are_throttled(web, people):
    """On a stopped clock: the wait after the fifth failure never runs out during the test."""
    from datetime import datetime, timezone

    from webapp.accounts import Accounts

    services, stopped = web.extensions["reciproca"], datetime.now(timezone.utc)
    services.accounts = Accounts(services.accounts.db, clock=lambda: stopped)
    client = web.test_client()
    for _ in range(5):
        wrong = client.post("/api/session", json={"email": people["ana"]["email"],
                                                  "password": "wrong password"})
        assert wrong.status_code == 401
    throttled = sign_in(client, people["ana"])
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) >= 1


def test_tokens_count_only_in_the_header_and_stop_working_when_revoked(web, people):
    client, accounts = web.test_client(), web.extensions["reciproca"].accounts
    token = people["ana"]["auth"]["Authorization"].removeprefix("Bearer ")
    assert client.get("/api/session", headers=people["ana"]["auth"]).status_code == 200
    assert client.get(f"/api/session?access_token={token}&token={token}").status_code == 401
    (listed,) = accounts.tokens(people["ana"]["id"])
    accounts.revoke_token(people["ana"]["id"], listed["token_id"])
    assert client.get("/api/session", headers=people["ana"]["auth"]).status_code == 401


def test_security_headers_and_errors_without_stack_traces(web, people, monkeypatch, caplog):
    client = web.test_client()
    answer = client.get("/api/openapi.json")
    headers = answer.headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(web.extensions["reciproca"].app, "group", broken)
    failed = client.get(f"/api/groups/{uuid.uuid4()}", headers=people["ana"]["auth"])
    request_id = failed.headers["X-Request-Id"]
    assert failed.status_code == 500
    assert failed.json == {"errors": {"_": [f"internal error; request id {request_id}"]}}
    assert "secret internals" not in failed.get_data(as_text=True)
    assert request_id in caplog.text and "secret internals" in caplog.text


def test_the_openapi_document_covers_exactly_the_api_routes(web):
    document = web.test_client().get("/api/openapi.json").json
    documented = {(method.upper(), path) for path, methods in document["paths"].items()
                  for method in methods}
    served = {(method, rule.rule.replace("<", "{").replace(">", "}"))
              for rule in web.url_map.iter_rules() if rule.rule.startswith("/api/")
              and rule.rule != "/api/openapi.json"
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert documented == served


def test_a_person_belongs_to_several_groups_and_sees_only_those(web, people):
    client = web.test_client()
    first = group_with_bea(client, people)
    second = client.post("/api/groups", headers=people["carla"]["auth"], json={
        "name": "Otra mesa", "purpose": "Barrio", "category": "community",
        "decision_rule": MAJORITY}).json["id"]
    client.post(f"/api/groups/{second}/members", headers=people["carla"]["auth"],
                json={"email": people["bea"]["email"], "category": "professional"})
    third = client.post("/api/groups", headers=people["carla"]["auth"], json={
        "name": "Tercera", "purpose": "p", "category": "carer",
        "decision_rule": MAJORITY}).json["id"]
    seen = {gid: client.get(f"/api/groups/{gid}", headers=people["bea"]["auth"]).status_code
            for gid in (first, second, third)}
    assert seen == {first: 200, second: 200, third: 404}
    members = client.get(f"/api/groups/{first}", headers=people["bea"]["auth"]).json["members"]
    assert sorted(m["name"] for m in members) == ["Ana", "Bea"]


def test_an_idempotency_key_reused_on_another_endpoint_is_refused(web, people):
    """Never the first endpoint's answer in the wrong shape: a 422 naming the key (the IETF
    draft's rule), nothing written (tests/test_idempotency.py covers the rest)."""
    client, auth = web.test_client(), people["ana"]["auth"]
    headers = {**auth, "Idempotency-Key": "one-key-for-two-things"}
    founded = client.post("/api/groups", headers=headers, json={
        "name": "Mesa", "purpose": "p", "category": "carer", "decision_rule": MAJORITY})
    before = log_position(web)
    tabled = client.post(f"/api/groups/{founded.json['id']}/proposals", headers=headers, json={
        "title": "t", "body": "b", "scope": "delivery"})
    assert tabled.status_code == 422 and list(tabled.json["errors"]) == ["Idempotency-Key"]
    assert log_position(web) == before
