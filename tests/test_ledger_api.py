"""The ledger, exports and reports over HTTP: what an auditor fetches, checked as docs/audit.md
says, without trusting the server."""

import base64
import json

import pytest

from projections import checkpoints, merkle
from projections.ledger_store import LedgerStore
from tests.test_audit import auditors_snippet


@pytest.fixture
def served(web, people, tmp_path, monkeypatch):
    """A group of Ana's with Bea, some history folded, and a signing key configured."""
    key_file = tmp_path / "signing-key.pem"
    key = checkpoints.create_key_file(key_file)
    monkeypatch.setenv(checkpoints.KEY_SETTING, str(key_file))
    client, ana = web.test_client(), people["ana"]["auth"]
    group = client.post("/api/groups", headers=ana, json={
        "name": "Mesa de barrio", "purpose": "Decidir juntas", "category": "carer",
        "decision_rule": {"rule": "majority", "quorum": "1/2"}}).json["id"]
    client.post(f"/api/groups/{group}/members", headers=ana,
                json={"email": "bea@example.org", "category": "service_user"})
    written = client.post(f"/api/groups/{group}/proposals", headers=ana, json={
        "title": "Cuidar a quien cuida", "body": "Un café al mes", "scope": "delivery"}).json
    services = web.extensions["reciproca"]
    assert services.runner.wait_for(written["position"], 10)
    return client, group, key, LedgerStore(services.runner.views)


def test_the_public_key_is_served_to_anyone(served, people):
    client, _, key, _ = served
    answer = client.get("/api/ledger/public-key")
    assert answer.status_code == 200
    assert base64.b64decode(answer.json["public_key"]) == checkpoints.public_bytes(key)
    assert answer.json["key_id"] == checkpoints.key_id(checkpoints.public_bytes(key))
    assert "PRIVATE" not in json.dumps(answer.json)


def test_without_a_key_there_is_no_public_key(web):
    answer = web.test_client().get("/api/ledger/public-key")
    assert answer.status_code == 404 and "no signing key" in answer.json["errors"]["_"][0]


def test_checkpoint_and_proofs_check_out_with_the_auditors_procedure(served, people):
    client, group, key, ledger = served
    snippet, bea = auditors_snippet(), people["bea"]["auth"]
    assert client.get("/api/ledger/checkpoint", headers=bea).status_code == 404  # none yet
    assert client.get("/api/ledger/checkpoint").status_code == 401
    old = ledger.checkpoint(key)
    assert client.get("/api/ledger/checkpoint", headers=bea).json == old
    written = client.post(f"/api/groups/{group}/contributions", headers=bea, json={
        "kind": "task", "description": "Preparar la sala"}).json
    assert client.get(f"/api/groups/{group}/record?after={written['position']}",
                      headers=bea).status_code == 200
    today = ledger.checkpoint(key)
    assert today["size"] == old["size"] + 1
    public = client.get("/api/ledger/public-key").json["public_key"]
    assert snippet["check_checkpoint"](today, public)

    proof = client.get(f"/api/ledger/consistency?first={old['size']}&second={today['size']}",
                       headers=bea).json
    assert snippet["verify_consistency"](old["size"], today["size"], bytes.fromhex(old["root"]),
                                         bytes.fromhex(today["root"]),
                                         snippet["hexes"](proof["proof"]))
    inclusion = client.get(f"/api/ledger/inclusion?position={written['position']}",
                           headers=bea).json
    leaf = snippet["leaf_hash"](inclusion["event"])  # computed by the auditor, not the server
    assert snippet["verify_inclusion"](leaf, inclusion["leaf_index"], today["size"],
                                       snippet["hexes"](inclusion["proof"]),
                                       bytes.fromhex(today["root"]))
    assert merkle.verify_inclusion(leaf, inclusion["leaf_index"], inclusion["size"],
                                   snippet["hexes"](inclusion["proof"]),
                                   bytes.fromhex(inclusion["root"]))


def test_bad_proof_requests_name_the_field(served, people):
    client, _, _, _ = served
    ana = people["ana"]["auth"]
    for query, field in (("consistency?first=99", "first"), ("consistency", "first"),
                         ("consistency?first=1&second=0", "second"),
                         ("inclusion?position=abc", "position"),
                         ("inclusion?position=1&size=999", "size"),
                         ("inclusion?position=1&extra=1", "extra")):
        answer = client.get(f"/api/ledger/{query}", headers=ana)
        assert answer.status_code == 422 and field in answer.json["errors"], query
    assert client.get("/api/ledger/inclusion?position=9999", headers=ana).status_code == 404


def test_an_inclusion_proof_follows_the_events_group(served, people):
    client, group, _, _ = served
    answer = client.get("/api/ledger/inclusion?position=1", headers=people["carla"]["auth"])
    assert answer.status_code == 404  # Carla belongs to no group: its events do not exist
    absent = client.get("/api/ledger/inclusion?position=9999", headers=people["carla"]["auth"])
    assert answer.json["errors"] == {"_": ["no event is stored at position 1"]}
    assert group not in answer.get_data(as_text=True)  # a probe read the group's id here
    assert list(absent.json["errors"]) == list(answer.json["errors"])


def test_exports_and_the_report_download(served, people):
    client, group, _, _ = served
    bea = people["bea"]["auth"]
    csv = client.get(f"/api/groups/{group}/export?format=csv", headers=bea)
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert csv.data.startswith(b"\xef\xbb\xbf") and "Mesa de barrio" in csv.data.decode()
    assert f'filename="reciproca-{group}-events.csv"' in csv.headers["Content-Disposition"]
    jsonl = client.get(f"/api/groups/{group}/export?table=decisions", headers=bea)
    assert json.loads(jsonl.data.decode().splitlines()[0])["title"] == "Cuidar a quien cuida"
    report = client.get(f"/api/groups/{group}/report?lang=en", headers=bea)
    assert report.status_code == 200 and report.mimetype == "text/html"
    assert "attachment" in report.headers["Content-Disposition"]
    assert "Accountability report" in report.data.decode() and "Mesa de barrio" in (
        report.data.decode())
    bad = client.get(f"/api/groups/{group}/export?format=xlsx", headers=bea)
    assert bad.status_code == 422 and "format" in bad.json["errors"]


def test_the_server_signs_checkpoints_as_the_log_grows(sqlite_url, monkeypatch, tmp_path):
    from tests.helpers import eventually, found_group
    from webapp.app import create_app

    key = checkpoints.create_key_file(tmp_path / "signing-key.pem")
    monkeypatch.setenv(checkpoints.KEY_SETTING, str(tmp_path / "signing-key.pem"))
    monkeypatch.setenv("RECIPROCA_DATABASE_URL", sqlite_url)
    flask_app = create_app({"SECRET_KEY": "test-" + "k" * 40})
    services = flask_app.extensions["reciproca"]
    try:
        found_group(services.app)
        ledger = LedgerStore(services.runner.views)
        eventually(lambda: ledger.checkpoints(), what="a checkpoint signed by the runner")
        signed = ledger.checkpoints()[-1]
        assert signed["size"] == 3  # the founding's three events, signed once folded
        assert checkpoints.check(signed, checkpoints.public_bytes(key)) is None
    finally:
        services.close()


def test_a_bad_checkpoint_interval_is_refused(sqlite_url, monkeypatch, tmp_path):
    from domain.errors import InvalidValue
    from webapp.app import create_app

    checkpoints.create_key_file(tmp_path / "signing-key.pem")
    monkeypatch.setenv(checkpoints.KEY_SETTING, str(tmp_path / "signing-key.pem"))
    monkeypatch.setenv("RECIPROCA_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("RECIPROCA_CHECKPOINT_MINUTES", "0")
    with pytest.raises(InvalidValue, match="RECIPROCA_CHECKPOINT_MINUTES"):
        create_app({"SECRET_KEY": "test-" + "k" * 40})
