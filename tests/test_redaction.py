"""Redaction and erasure on the real stores: the text a decision cites is erased, the record says
who and why, every figure and the ledger still verify, exports show "[redacted]", and on SQLite
the text is nowhere in the database files' bytes (the log, the views, their write-ahead logs)."""

import json

import psycopg
import pytest

from domain.settings import sqlite_path
from projections import checkpoints
from tests.conftest import PASSWORD
from tests.helpers import admit
from webapp import storage
from webapp.cli import main

SECRET_TITLE = "Derivar a Marta P. a salud mental por su crisis de ansiedad"
SECRET_REASON = "Mi vecino Jorge R. tiene esquizofrenia y no toma la medicación"


@pytest.fixture
def decided(database_url, projected, tmp_path, monkeypatch):
    """A group whose carried proposal has a sensitive title and a vote with a sensitive reason;
    the operator's account; a signed checkpoint."""
    monkeypatch.setenv("RECIPROCA_DATABASE_URL", database_url)
    monkeypatch.setenv("RECIPROCA_INSTANCE_PATH", str(tmp_path / "instance"))
    assert main(["keygen"]) == 0
    monkeypatch.setenv(checkpoints.KEY_SETTING, str(tmp_path / "instance" / "signing-key.pem"))
    with storage.accounts(database_url) as accounts:
        accounts.add_person("operator@example.org", "Operadora", PASSWORD)
        bea_id = accounts.add_person("bea@example.org", "Beatriz Soler", PASSWORD)
    app, runner = projected(database_url)
    chair = "7b0c6f8e-5f0e-4f55-9e53-3f0d2a1d0c11"
    group_id = app.found_group(actor=chair, name="Mesa", purpose="Salud mental",
                               category="professional", founder_name="Lucía",
                               decision_rule={"rule": "majority", "quorum": "1/2"}).id
    app.admit_member(group_id, actor=chair, member_id=bea_id, display_name="Beatriz Soler",
                     category="service_user")
    admit(app, group_id, chair, category="carer")
    proposal = app.table_proposal(group_id, actor=chair, title=SECRET_TITLE, body="Cuerpo",
                                  scope="delivery").id
    app.cast_vote(proposal, actor=chair, position="for")
    app.cast_vote(proposal, actor=bea_id, position="for", reason=SECRET_REASON)
    app.close_proposal(proposal, actor=chair)
    runner.catch_up()
    assert main(["checkpoint"]) == 0
    title_id = app.proposal(proposal).versions[-1]["title"]["text_id"]
    return app, runner, group_id, title_id, bea_id


def figures(capsys, as_of: int) -> list:
    """Every figure as of a position (a redaction is itself an event: it moves "now")."""
    capsys.readouterr()
    assert main(["figures", "--json", "--as-of", str(as_of)]) == 0
    return json.loads(capsys.readouterr().out)


def verify(capsys) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["verify"])
    return code, capsys.readouterr().out


def database_bytes(url: str) -> bytes:
    """Every file of the SQLite store: the log, the views, and their -wal and -shm files."""
    folder = sqlite_path(url).parent
    return b"".join(path.read_bytes() for path in sorted(folder.iterdir())
                    if ".sqlite" in path.name)


def test_redacting_a_text_a_decision_cites(decided, database_url, capsys):
    app, runner, group_id, title_id, _ = decided
    last = app.recorder.max_notification_id()
    before = figures(capsys, last)
    if sqlite_path(database_url):
        assert SECRET_TITLE.encode() in database_bytes(database_url)  # the search can find it
    salt = _salt(database_url, title_id)
    capsys.readouterr()
    assert main(["redact", title_id, "--reason", "datos de salud de una tercera persona",
                 "--by", "operator@example.org"]) == 0
    assert "Redacted the text" in capsys.readouterr().out

    assert app.texts.read([title_id]) == {title_id: None}
    assert _salt(database_url, title_id) is None
    code, out = verify(capsys)
    assert code == 0, out
    assert figures(capsys, last) == before  # figures never depend on a text
    runner.catch_up()
    from projections import queries

    entry = queries.record_entries(runner.views, group_id)[-1]
    with storage.accounts(database_url) as accounts:
        operator = accounts.person_by_email("operator@example.org")["person_id"]
    assert (entry["type"], entry["actor"], entry["data"]["text_id"], entry["data"]["how"]) == (
        "TextRedacted", operator, title_id, "redaction")
    assert app.texts.text(entry["data"]["reason"]) == "datos de salud de una tercera persona"
    closed = next(p for p in queries.proposals(runner.views, group_id))
    assert closed["decision"]["outcome"] == "carried"  # the decision stands, citing the id

    capsys.readouterr()
    assert main(["export", group_id, "--table", "decisions"]) == 0
    assert json.loads(capsys.readouterr().out)["title"] == "[redacted]"

    if sqlite_path(database_url):
        stored = database_bytes(database_url)
        assert SECRET_TITLE.encode() not in stored
        assert salt.encode() not in stored


def test_redacting_twice_or_an_unknown_text_is_refused(decided, capsys):
    _, _, _, title_id, _ = decided
    args = ["--reason", "r", "--by", "operator@example.org"]
    assert main(["redact", title_id, *args]) == 0
    capsys.readouterr()
    assert main(["redact", title_id, *args]) == 2
    assert "already redacted" in capsys.readouterr().err
    assert main(["redact", "00000000-0000-0000-0000-000000000000", *args]) == 2
    assert "no event of any group cites" in capsys.readouterr().err
    assert main(["redact", title_id, "--reason", "r", "--by", "nobody@example.org"]) == 2
    assert "--by" in capsys.readouterr().err


def test_erasing_a_person(decided, database_url, capsys):
    app, runner, group_id, _, bea_id = decided
    last = app.recorder.max_notification_id()
    before = figures(capsys, last)
    capsys.readouterr()
    assert main(["user", "erase", "bea@example.org", "--by", "operator@example.org"]) == 0
    out = capsys.readouterr().out
    assert "Erased the account bea@example.org and 1 names" in out
    assert "1 texts they wrote are kept" in out  # not interactive, not asked for: kept
    with storage.accounts(database_url) as accounts:
        assert accounts.person_by_email("bea@example.org") is None
        assert accounts.names([bea_id]) == {}
    assert main(["user", "erase", "bea@example.org", "--by", "operator@example.org"]) == 2

    with storage.accounts(database_url) as accounts:  # a later erasure of what she wrote
        accounts.add_person("bea@example.org", "B", PASSWORD, person_id=bea_id)
    capsys.readouterr()
    assert main(["user", "erase", "bea@example.org", "--by", "operator@example.org",
                 "--redact-texts"]) == 0
    assert "redacted 1 texts they wrote" in capsys.readouterr().out
    code, out = verify(capsys)
    assert code == 0, out
    assert figures(capsys, last) == before
    if sqlite_path(database_url):
        stored = database_bytes(database_url)
        assert b"Beatriz Soler" not in stored and SECRET_REASON.encode() not in stored
    runner.catch_up()
    from projections import queries

    kinds = [e["data"]["how"] for e in queries.record_entries(runner.views, group_id)
             if e["type"] == "TextRedacted"]
    assert kinds == ["erasure", "erasure"]


def _salt(url: str, text_id: str) -> str | None:
    """The stored salt of a text, read directly from the table."""
    path = sqlite_path(url)
    if path:
        import sqlite3

        with sqlite3.connect(path) as db:
            row = db.execute("SELECT salt FROM reciproca_texts WHERE text_id = ?",
                             (text_id,)).fetchone()
    else:
        with psycopg.connect(url) as db:
            row = db.execute("SELECT salt FROM reciproca_texts WHERE text_id = %s",
                             (text_id,)).fetchone()
    return row[0] if row else None
