"""`Idempotency-Key` scoped to the caller, the endpoint and the body (the IETF draft's rules):
a repeat answers what the first request answered, a reuse for another request is a 422, a failed
request can be retried, a claim left by a dead process is taken over, and 20 concurrent copies
through real HTTP (gunicorn, SQLite and PostgreSQL) run once and answer as the winner did."""

import threading

from tests.helpers import event_names
from tests.servers import Server, account
from webapp.sql import Database
from webapp.storage import close, open_application

MAJORITY = {"rule": "majority", "quorum": "1/2"}
PROPOSAL = {"title": "Horario", "body": "Sábados", "scope": "delivery"}


def _group(client, auth) -> str:
    return client.post("/api/groups", headers=auth, json={
        "name": "Mesa", "purpose": "p", "category": "carer", "decision_rule": MAJORITY}).json["id"]


def test_a_key_reused_with_another_body_or_on_another_endpoint_is_refused(web, people):
    client, ana = web.test_client(), people["ana"]["auth"]
    group = _group(client, ana)
    keyed = {**ana, "Idempotency-Key": "k-1"}
    first = client.post(f"/api/groups/{group}/proposals", headers=keyed, json=PROPOSAL)
    assert first.status_code == 201
    again = client.post(f"/api/groups/{group}/proposals", headers=keyed, json=PROPOSAL)
    assert (again.status_code, again.json) == (201, first.json)
    other_body = client.post(f"/api/groups/{group}/proposals", headers=keyed,
                             json={**PROPOSAL, "title": "Otro"})
    other_endpoint = client.post(f"/api/proposals/{first.json['id']}/votes", headers=keyed,
                                 json={"position": "for"})
    for refused in (other_body, other_endpoint):
        assert refused.status_code == 422
        assert list(refused.json["errors"]) == ["Idempotency-Key"]
    names = event_names(web.extensions["reciproca"].app)
    assert names.count("Tabled") == 1 and "VoteCast" not in names


def test_keys_belong_to_their_caller(web, people):
    client = web.test_client()
    group = _group(client, people["ana"]["auth"])
    client.post(f"/api/groups/{group}/members", headers=people["ana"]["auth"],
                json={"email": people["bea"]["email"], "category": "professional"})
    for person in ("ana", "bea"):
        answer = client.post(f"/api/groups/{group}/proposals", json=PROPOSAL,
                             headers={**people[person]["auth"], "Idempotency-Key": "same"})
        assert answer.status_code == 201
    assert event_names(web.extensions["reciproca"].app).count("Tabled") == 2


def test_a_refused_request_keeps_nothing_and_can_be_retried_with_its_key(web, people):
    client, ana = web.test_client(), people["ana"]["auth"]
    group = _group(client, ana)
    keyed = {**ana, "Idempotency-Key": "retry-1"}
    members = f"/api/groups/{group}/members"
    body = {"email": people["bea"]["email"], "category": "professional"}
    refused = client.post(members, headers=keyed, json={**body, "category": "nobody"})
    assert refused.status_code == 422 and "category" in refused.json["errors"]
    assert client.post(members, headers=keyed, json=body).status_code == 201


def test_a_claim_left_by_a_dead_process_is_taken_over(web, people):
    client, ana = web.test_client(), people["ana"]["auth"]
    group = _group(client, ana)
    keyed = {**ana, "Idempotency-Key": "orphan"}
    path = f"/api/groups/{group}/proposals"
    assert client.post(path, headers=keyed, json=PROPOSAL).status_code == 201
    db = web.extensions["reciproca"].accounts.db
    with db.cursor() as cursor:  # as if the process died after claiming, before answering
        cursor.execute("UPDATE reciproca_idempotency_keys SET status = NULL, body = NULL, "
                       "claimed_at = claimed_at - 3600")
    again = client.post(path, headers=keyed, json=PROPOSAL)
    assert again.status_code == 201  # the domain's request id finds the same proposal
    assert event_names(web.extensions["reciproca"].app).count("Tabled") == 1


def test_twenty_concurrent_copies_through_gunicorn_write_once(database_url):
    """One copy wins; the others wait for its answer and return it (or, if it were still
    running after five seconds, answer 409 with Retry-After)."""
    token = account(database_url)["token"]
    server = Server(database_url, threads=24)
    try:
        group = server.call("POST", "/api/groups", token, {
            "name": "Mesa", "purpose": "p", "category": "carer",
            "decision_rule": MAJORITY})[1]["id"]
        texts_before = _texts(database_url)
        start, answers = threading.Barrier(20), []

        def copy():
            start.wait()
            answers.append(server.call("POST", f"/api/groups/{group}/proposals", token,
                                       PROPOSAL, headers={"Idempotency-Key": "twenty"}))

        threads = [threading.Thread(target=copy) for _ in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        server.stop()
    assert len(answers) == 20
    created = [answer for status, answer in answers if status == 201]
    busy = [answer for status, answer in answers if status == 409]
    assert created and len(created) + len(busy) == 20
    assert all(answer == created[0] for answer in created)
    assert all(list(answer["errors"]) == ["Idempotency-Key"] for answer in busy)
    assert _texts(database_url) == texts_before + 2  # one title and one body: one copy ran
    app = open_application(database_url)
    try:
        assert event_names(app).count("Tabled") == 1
    finally:
        close(app)


def _texts(url: str) -> int:
    db = Database(url)
    try:
        with db.cursor() as cursor:
            cursor.execute("SELECT count(*) AS n FROM reciproca_texts")
            return cursor.fetchone()["n"]
    finally:
        db.close()
