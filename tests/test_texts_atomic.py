"""Texts commit with the events that cite them: after a refused, repeated or crashed command
no text row is left that no event cites (counted), on SQLite and on PostgreSQL. Request ids
reach the log only hashed with their caller; tags are text references."""

import json
import threading
import uuid

import pytest

from domain.errors import InvalidValue, NotAMember
from projections.record import cited_texts
from tests.conftest import PASSWORD
from tests.helpers import found_group, stored_events
from webapp.app import create_app


def text_rows(app) -> dict[str, str]:
    with app.texts.db.cursor() as cursor:
        cursor.execute("SELECT text_id, body FROM reciproca_texts")
        return {row["text_id"]: row["body"] for row in cursor.fetchall()}


def _log_bytes(app) -> bytes:
    return b"".join(n.state for n in app.recorder.select_notifications(start=1, limit=1000))


def orphans(app) -> dict[str, str]:
    """Stored texts that no stored event cites."""
    cited = set().union(set(), *(cited_texts(vars(event)) for event in stored_events(app)))
    return {text_id: body for text_id, body in text_rows(app).items() if text_id not in cited}


def test_refused_commands_and_failing_later_fields_store_no_text(database_url, app_on):
    app = app_on(database_url)
    group_id, chair = found_group(app)
    stranger = str(uuid.uuid4())
    before = text_rows(app)
    refused = [
        (NotAMember, lambda: app.table_proposal(group_id, actor=stranger, title="Ingreso",
                                                body="Diagnóstico", scope="risk")),
        (InvalidValue, lambda: app.table_proposal(group_id, actor=chair, title="Ingreso",
                                                  body="Diagnóstico", scope="nowhere")),
        (NotAMember, lambda: app.admit_member(group_id, actor=stranger,
                                              member_id=str(uuid.uuid4()),
                                              display_name="Marta", category="carer")),
        # the description is kept, then a later field (the tags) fails
        (InvalidValue, lambda: app.offer_asset(group_id, actor=chair, description="Diez años",
                                               tags=["ok", "x" * 41])),
        (InvalidValue, lambda: app.offer_asset(group_id, actor=chair, description="Diez años",
                                               tags=["ok"] * 11)),
        (InvalidValue, lambda: app.found_group(actor=chair, name="Mesa", purpose="Salud",
                                               category="carer", founder_name="Lucía",
                                               decision_rule={"rule": "majority",
                                                              "quorum": "2"})),
        (InvalidValue, lambda: app.found_group(actor=chair, name="Mesa", purpose="Salud",
                                               category="dragon", founder_name="Lucía",
                                               decision_rule={"rule": "majority"})),
        (NotAMember, lambda: app.reflect(group_id, actor=stranger, scores={"reciprocity": 3},
                                         comment="Mal")),
    ]
    for error, command in refused:
        with pytest.raises(error):
            command()
    proposal_id = app.table_proposal(group_id, actor=chair, title="t", body="b",
                                     scope="design").id
    with pytest.raises(InvalidValue):
        app.cast_vote(proposal_id, actor=chair, position="maybe", reason="Por su salud")
    with pytest.raises(NotAMember):
        app.amend_proposal(proposal_id, actor=str(uuid.uuid4()), title="x", body="y")
    assert len(text_rows(app)) == len(before) + 2  # the one proposal's title and body
    assert orphans(app) == {}


def test_repeated_commands_store_their_texts_once(database_url, app_on):
    app = app_on(database_url)
    group_id, chair = found_group(app)
    for _ in range(3):
        proposal_id = app.table_proposal(group_id, actor=chair, title="Horario",
                                         body="Sábados", scope="delivery", request_id="k1").id
        app.offer_asset(group_id, actor=chair, description="Tiempo", tags=["a", "b"],
                        request_id="k2")
        app.cast_vote(proposal_id, actor=chair, position="for", reason="Sí", request_id="k3")
    assert sorted(text_rows(app).values()).count("Horario") == 1
    assert sorted(text_rows(app).values()).count("Sí") == 1
    assert orphans(app) == {}


def test_a_crash_inside_the_write_leaves_neither_events_nor_texts(database_url, app_on,
                                                                   monkeypatch):
    app = app_on(database_url)
    group_id, chair = found_group(app)
    events, texts = len(stored_events(app)), text_rows(app)
    recorder_class = type(app.recorder)
    insert = recorder_class._insert_events

    def dies_after_writing(self, cursor, stored, **kwargs):
        insert(self, cursor, stored, **kwargs)  # texts (and on SQLite events) written...
        raise RuntimeError("the process died here")  # ...but never committed

    monkeypatch.setattr(recorder_class, "_insert_events", dies_after_writing)
    with pytest.raises(RuntimeError):
        app.table_proposal(group_id, actor=chair, title="Ingreso", body="Diagnóstico",
                           scope="risk")
    with pytest.raises(RuntimeError):
        app.offer_asset(group_id, actor=chair, description="Diez años", tags=["tiempo"])
    monkeypatch.undo()
    assert len(stored_events(app)) == events
    assert text_rows(app) == texts
    assert orphans(app) == {}


def test_a_crash_in_the_domain_stores_no_text(database_url, app_on, monkeypatch):
    from domain.proposal import Proposal

    app = app_on(database_url)
    group_id, chair = found_group(app)
    texts = text_rows(app)

    def crash(*args, **kwargs):
        raise ZeroDivisionError("a bug, not a refusal")

    monkeypatch.setattr(Proposal, "table", crash)
    with pytest.raises(ZeroDivisionError):
        app.table_proposal(group_id, actor=chair, title="Ingreso", body="Diagnóstico",
                           scope="risk")
    assert text_rows(app) == texts


@pytest.fixture
def web_at(database_url, monkeypatch):
    monkeypatch.setenv("RECIPROCA_DATABASE_URL", database_url)
    flask_app = create_app({"SECRET_KEY": "test-" + "k" * 40, "READ_WAIT_SECONDS": 0.5})
    accounts = flask_app.extensions["reciproca"].accounts
    person_id = accounts.add_person("ana@example.org", "Ana", PASSWORD)
    flask_app.auth = {"Authorization": f"Bearer {accounts.create_token(person_id)}"}
    yield flask_app
    flask_app.extensions["reciproca"].close()


def _new_group(client, headers) -> str:
    return client.post("/api/groups", headers=headers, json={
        "name": "Mesa", "purpose": "p", "category": "carer",
        "decision_rule": {"rule": "majority"}}).json["id"]


def test_twenty_parallel_requests_with_one_key_leave_one_set_of_texts(web_at):
    app, auth = web_at.extensions["reciproca"].app, web_at.auth
    client = web_at.test_client()
    group_id = _new_group(client, auth)
    headers = {**auth, "Idempotency-Key": "same-key-20"}
    answers, start = [], threading.Barrier(20)

    def send():  # the same request twenty times (another body with the key would be a 422)
        start.wait()
        answers.append(web_at.test_client().post(
            f"/api/groups/{group_id}/contributions", headers=headers,
            json={"kind": "asset", "description": "Tiempo", "tags": ["uno", "dos"]}))

    threads = [threading.Thread(target=send) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {a.status_code for a in answers} == {201}
    assert len({a.json["id"] for a in answers}) == 1
    assert [type(e).__name__ for e in stored_events(app)].count("AssetOffered") == 1
    assert orphans(app) == {}
    assert len(text_rows(app)) == 3 + 3  # the group's three texts; description and two tags


def test_request_ids_reach_the_log_only_hashed_with_their_caller(web_at):
    app, auth = web_at.extensions["reciproca"].app, web_at.auth
    client = web_at.test_client()
    key = "my-very-own-idempotency-key"
    group_id = _new_group(client, {**auth, "Idempotency-Key": key + "-g"})
    proposal_id = client.post(f"/api/groups/{group_id}/proposals",
                              headers={**auth, "Idempotency-Key": key + "-p"},
                              json={"title": "t", "body": "b", "scope": "design"}).json["id"]
    assert client.post(f"/api/proposals/{proposal_id}/votes",
                       headers={**auth, "Idempotency-Key": key + "-v"},
                       json={"position": "for"}).status_code == 201
    assert client.post(f"/api/proposals/{proposal_id}/close",
                       headers={**auth, "Idempotency-Key": key + "-c"}, json={}
                       ).status_code == 200
    assert key.encode() not in _log_bytes(app)
    vote, close = [e for e in stored_events(app) if type(e).__name__ in ("VoteCast", "Closed")]
    for event in (vote, close):
        assert len(event.request_id) == 64 and key not in event.request_id
    assert vote.request_id != close.request_id


def test_asset_tags_are_text_references_and_read_back_through_the_record(web_at):
    app, auth = web_at.extensions["reciproca"].app, web_at.auth
    client = web_at.test_client()
    group_id = _new_group(client, auth)
    done = client.post(f"/api/groups/{group_id}/contributions", headers=auth, json={
        "kind": "asset", "description": "Lo que traigo", "tags": ["Marta García", "dx-F20"]})
    assert done.status_code == 201
    assert b"Marta" not in _log_bytes(app) and b"F20" not in _log_bytes(app)
    record = client.get(f"/api/groups/{group_id}/record?after={done.json['position']}",
                        headers=auth).json
    asset = next(e for e in record["entries"] if e["type"] == "AssetOffered")
    assert [record["texts"][tag["text_id"]] for tag in asset["data"]["tags"]] == [
        "marta garcía", "dx-f20"]
    assert json.dumps(asset).count("text_id") == 3
