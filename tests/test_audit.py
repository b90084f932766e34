"""The ledger on the real stores: `reciproca verify` finds and locates each kind of change made
directly in the SQLite file or in PostgreSQL with SQL; checkpoints and proofs stay consistent as
the log grows."""

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from domain.settings import sqlite_path
from projections import checkpoints, merkle
from tests.helpers import admit, found_group
from webapp.cli import main

EVENTS = 12  # a founding (3 events), then members admitted


@pytest.fixture
def ledgered(database_url, projected, tmp_path, monkeypatch):
    """A store of EVENTS events, all folded into the ledger, and a checkpoint signed."""
    monkeypatch.setenv("RECIPROCA_DATABASE_URL", database_url)
    monkeypatch.setenv("RECIPROCA_INSTANCE_PATH", str(tmp_path / "instance"))
    assert main(["keygen"]) == 0
    monkeypatch.setenv(checkpoints.KEY_SETTING, str(tmp_path / "instance" / "signing-key.pem"))
    app, runner = projected(database_url)
    group_id, chair = found_group(app)
    for _ in range(EVENTS - 3):
        admit(app, group_id, chair)
    assert app.recorder.max_notification_id() == EVENTS
    runner.catch_up()
    assert main(["checkpoint", "--out", str(tmp_path / "kept.json")]) == 0
    return Store(database_url), app, runner, group_id, chair


class Store:
    """Direct SQL on the event table: what someone with access to the database could do."""

    def __init__(self, url: str):
        self.path = sqlite_path(url)
        self.url = url
        self.table, self.position = (("stored_events", "rowid") if self.path
                                     else ("reciproca_events", "notification_id"))

    def run(self, statement: str, *params):
        statement = statement.format(table=self.table, position=self.position)
        if self.path:
            with sqlite3.connect(self.path) as db:
                return db.execute(statement, params).fetchall()
        with psycopg.connect(self.url, autocommit=True) as db:
            cursor = db.execute(statement.replace("?", "%s"), params)
            return cursor.fetchall() if cursor.description else []

    def row(self, position: int):
        return self.run("SELECT originator_id, originator_version, topic, state FROM {table} "
                        "WHERE {position} = ?", position)[0]

    def set_position(self, old: int, new: int) -> None:
        self.run("UPDATE {table} SET {position} = ? WHERE {position} = ?", new, old)


def verify(capsys, *args) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["verify", *args])
    return code, capsys.readouterr().out


def flip_byte(store, position):
    state = bytearray(store.row(position)[3])
    state[len(state) // 2] ^= 0x01
    store.run("UPDATE {table} SET state = ? WHERE {position} = ?", bytes(state), position)


def change_version(store, position):
    store.run("UPDATE {table} SET originator_version = originator_version + 1000 "
              "WHERE {position} = ?", position)


def change_topic(store, position):
    store.run("UPDATE {table} SET topic = topic || 'x' WHERE {position} = ?", position)


def delete(store, position):
    store.run("DELETE FROM {table} WHERE {position} = ?", position)


def swap(store, position):
    store.set_position(position, -1)
    store.set_position(position + 1, position)
    store.set_position(-1, position + 1)


def replace_last(store, position):
    """The last event deleted and another written in its place (SQLite hands out its rowid
    again; on PostgreSQL the position is given explicitly)."""
    originator_id, version, topic, _ = store.row(position)
    state = store.row(position - 1)[3]  # another admission: a valid, different event
    delete(store, position)
    columns = "originator_id, originator_version, topic, state"
    if store.path:
        store.run(f"INSERT INTO {{table}} ({columns}) VALUES (?, ?, ?, ?)",
                  originator_id, version, topic, state)
        assert store.run("SELECT max(rowid) FROM {table}")[0][0] == position  # the id reused
    else:
        store.run(f"INSERT INTO {{table}} ({columns}, notification_id) VALUES (?, ?, ?, ?, ?)",
                  originator_id, version, topic, state, position)


def truncate(store, position):
    store.run("DELETE FROM {table} WHERE {position} >= ?", position)


TAMPERING = {"a changed byte": (flip_byte, 5), "changed metadata (version)": (change_version, 7),
             "changed metadata (type)": (change_topic, 3), "a deleted event": (delete, 6),
             "two events swapped": (swap, 4), "the last event replaced": (replace_last, EVENTS),
             "a truncated log": (truncate, EVENTS - 2)}


def test_an_untouched_store_verifies(ledgered, capsys):
    code, out = verify(capsys)
    assert code == 0, out
    assert out.startswith("The log is intact") and f"{EVENTS} events, {EVENTS} in the ledger" in out


@pytest.mark.parametrize("kind", TAMPERING)
def test_each_change_is_detected_and_located(ledgered, capsys, kind):
    store = ledgered[0]
    tamper, position = TAMPERING[kind]
    tamper(store, position)
    code, out = verify(capsys)
    assert code == 1, out
    assert f"the first bad position is {position}." in out
    assert "checkpoint of size 12" in out  # the signed checkpoint no longer matches either


def test_a_changed_checkpoint_is_detected(ledgered, capsys, tmp_path):
    kept = json.loads((tmp_path / "kept.json").read_text())
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps({**kept, "root": "ab" * 32}))
    code, out = verify(capsys, "--checkpoint", str(forged))
    assert code == 1 and "signature does not match" in out
    other = checkpoints.Ed25519PrivateKey.generate()
    resigned = checkpoints.sign(other, kept["size"], bytes.fromhex("ab" * 32))
    forged.write_text(json.dumps(resigned))
    code, out = verify(capsys, "--checkpoint", str(forged))
    assert code == 1 and "signature does not match" in out
    key = checkpoints.load_key_file(tmp_path / "instance" / "signing-key.pem")
    forged.write_text(json.dumps(checkpoints.sign(key, kept["size"], bytes(32))))
    code, out = verify(capsys, "--checkpoint", str(forged))
    assert code == 1 and "does not match the first 12 events" in out


def test_new_events_keep_old_checkpoints_consistent(ledgered, capsys, tmp_path):
    _, app, runner, group_id, chair = ledgered
    kept = json.loads((tmp_path / "kept.json").read_text())
    for _ in range(7):
        admit(app, group_id, chair)
    code, out = verify(capsys)  # not folded yet: pending, not missing
    assert code == 0 and "7 events not yet in the ledger (positions 13–19)" in out
    capsys.readouterr()
    assert main(["checkpoint"]) == 0
    latest = json.loads(capsys.readouterr().out)
    assert latest["size"] == EVENTS + 7
    code, out = verify(capsys, "--checkpoint", str(tmp_path / "kept.json"))
    assert code == 0 and "2 signed checkpoints" not in out and "3 signed checkpoints" in out

    assert main(["proof", "consistency", str(kept["size"])]) == 0
    proof = json.loads(capsys.readouterr().out)
    assert merkle.verify_consistency(
        kept["size"], latest["size"], bytes.fromhex(kept["root"]), bytes.fromhex(latest["root"]),
        [bytes.fromhex(p) for p in proof["proof"]])
    for position in (1, 6, EVENTS + 7):
        assert main(["proof", "inclusion", str(position)]) == 0
        found = json.loads(capsys.readouterr().out)
        assert merkle.verify_inclusion(
            bytes.fromhex(found["leaf_hash"]), found["leaf_index"], latest["size"],
            [bytes.fromhex(p) for p in found["proof"]], bytes.fromhex(latest["root"]))


def test_keys_and_checkpoints_need_a_key_and_never_overwrite_one(ledgered, capsys, monkeypatch):
    assert main(["keygen"]) == 2
    assert "never overwritten" in capsys.readouterr().err
    monkeypatch.delenv(checkpoints.KEY_SETTING)
    assert main(["checkpoint"]) == 2
    assert checkpoints.KEY_SETTING in capsys.readouterr().err


def test_a_rebuild_folds_the_same_ledger_and_keeps_the_checkpoints(ledgered, capsys):
    capsys.readouterr()
    assert main(["proof", "consistency", "0"]) == 0
    before = json.loads(capsys.readouterr().out)
    assert main(["rebuild"]) == 0
    code, out = verify(capsys)
    assert code == 0 and "1 signed checkpoints checked" in out
    assert main(["proof", "consistency", "0"]) == 0
    assert json.loads(capsys.readouterr().out) == before


def snippet_code() -> str:
    """The stand-alone checker of docs/audit.md."""
    text = (Path(__file__).parent.parent / "docs" / "audit.md").read_text(encoding="utf-8")
    return text.split("```python\n", 1)[1].split("```", 1)[0]


def auditors_snippet() -> dict:
    namespace = {"__name__": "auditor"}
    exec(compile(snippet_code(), "audit.md", "exec"), namespace)  # noqa: S102 - our own docs
    return namespace


def test_the_auditors_snippet_checks_what_the_server_gives(ledgered, capsys, tmp_path):
    snippet = auditors_snippet()
    _, app, runner, group_id, chair = ledgered
    old = json.loads((tmp_path / "kept.json").read_text())
    for _ in range(5):
        admit(app, group_id, chair)
    runner.catch_up()
    capsys.readouterr()
    assert main(["checkpoint"]) == 0
    today = json.loads(capsys.readouterr().out)
    assert main(["proof", "consistency", str(old["size"])]) == 0
    consistency = json.loads(capsys.readouterr().out)
    assert main(["proof", "inclusion", "7"]) == 0
    inclusion = json.loads(capsys.readouterr().out)
    key = old["public_key"]
    hexes = snippet["hexes"]
    assert snippet["check_checkpoint"](old, key) and snippet["check_checkpoint"](today, key)
    args = (old["size"], today["size"], bytes.fromhex(old["root"]), bytes.fromhex(today["root"]))
    assert snippet["verify_consistency"](*args, hexes(consistency["proof"]))
    leaf = snippet["leaf_hash"](inclusion["event"])
    assert leaf.hex() == inclusion["leaf_hash"]
    assert snippet["verify_inclusion"](leaf, inclusion["leaf_index"], today["size"],
                                       hexes(inclusion["proof"]), bytes.fromhex(today["root"]))
    # and it refuses what a dishonest server could send
    with pytest.raises(Exception):
        snippet["check_checkpoint"]({**today, "root": old["root"]}, key)
    bad = hexes(consistency["proof"])
    bad[0] = bytes([bad[0][0] ^ 1]) + bad[0][1:]
    assert not snippet["verify_consistency"](*args, bad)
    changed = {**inclusion["event"], "version": inclusion["event"]["version"] + 1}
    assert not snippet["verify_inclusion"](snippet["leaf_hash"](changed), inclusion["leaf_index"],
                                           today["size"], hexes(inclusion["proof"]),
                                           bytes.fromhex(today["root"]))
    # the snippet as a program, on the files an auditor keeps
    (tmp_path / "check.py").write_text(snippet_code())
    files = {"old": old, "today": today, "consistency": consistency, "inclusion": inclusion}
    for name, document in files.items():
        (tmp_path / f"{name}.json").write_text(json.dumps(document))
    done = subprocess.run([sys.executable, str(tmp_path / "check.py"), key,
                           *(str(tmp_path / f"{name}.json") for name in files)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "holds event 7" in done.stdout, done.stderr


def test_periodic_checkpoints_sign_a_grown_ledger_at_most_once_per_interval(ledgered, tmp_path):
    from projections.ledger_store import LedgerStore, PeriodicCheckpoint

    _, app, runner, group_id, chair = ledgered
    ledger, now = LedgerStore(runner.views), [1000.0]
    key = checkpoints.load_key_file(tmp_path / "instance" / "signing-key.pem")
    duty = PeriodicCheckpoint(ledger, key, every=60, clock=lambda: now[0])
    sizes = lambda: [c["size"] for c in ledger.checkpoints()]  # noqa: E731
    duty()
    assert sizes() == [EVENTS]  # not grown since the last checkpoint: nothing new
    admit(app, group_id, chair)
    runner.catch_up()
    duty()
    assert sizes() == [EVENTS, EVENTS + 1]  # grown: signed at once
    admit(app, group_id, chair)
    runner.catch_up()
    now[0] += 30
    duty()
    assert sizes() == [EVENTS, EVENTS + 1]  # grown, but not due yet
    now[0] += 31
    duty()
    assert sizes() == [EVENTS, EVENTS + 1, EVENTS + 2]


def test_views_folded_before_the_ledger_existed_ask_for_a_rebuild(ledgered, capsys):
    from projections.runner import LedgerBehind

    _, app, runner, group_id, chair = ledgered
    runner.views.execute("DELETE FROM ledger_state")  # as a store from before the ledger
    runner.views.execute("DELETE FROM ledger_leaves")
    runner.views.execute("DELETE FROM ledger_nodes")
    admit(app, group_id, chair)
    with pytest.raises(LedgerBehind, match="reciproca rebuild"):
        runner.catch_up()
    runner.stop()
    assert main(["rebuild"]) == 0
    code, out = verify(capsys)
    assert code == 0 and f"{EVENTS + 1} events, {EVENTS + 1} in the ledger" in out
