"""Exports from the command line on a real SQLite file: every event with its leaf hash (JSON Lines
and CSV), the decisions table, and CSV that spreadsheets read safely."""

import csv
import io
import json

import pytest

from projections.ledger_store import LedgerStore
from tests.helpers import admit, found_group
from webapp.cli import main

FORMULA = '=HYPERLINK("http://example.com/x","pulsa")'


@pytest.fixture
def group(sqlite_url, projected, monkeypatch):
    """A group with a decided proposal whose title and reasons are awkward for spreadsheets."""
    monkeypatch.setenv("RECIPROCA_DATABASE_URL", sqlite_url)
    app, runner = projected(sqlite_url)
    group_id, chair = found_group(app)
    bea = admit(app, group_id, chair, category="carer")
    admit(app, group_id, chair, category="professional")  # does not vote: turnout 2/3
    proposal = app.table_proposal(group_id, actor=chair, title=FORMULA,
                                  body="Cuidar a quien cuida: año, niñas, acción", scope="delivery"
                                  ).id
    app.cast_vote(proposal, actor=chair, position="for", reason="+34 600 000 000, @equipo")
    app.cast_vote(proposal, actor=bea, position="against", reason="-mejor en otoño")
    app.close_proposal(proposal, actor=chair)
    app.table_proposal(group_id, actor=bea, title="Abierta todavía", body="b", scope="design")
    runner.catch_up()
    return app, runner, group_id, proposal


def run(capsysbinary, *args) -> bytes:
    capsysbinary.readouterr()
    assert main(["export", *args]) == 0
    return capsysbinary.readouterr().out


def test_jsonl_has_every_event_with_its_texts_and_leaf_hash(group, capsysbinary):
    app, runner, group_id, _ = group
    lines = run(capsysbinary, group_id).decode("utf-8").splitlines()
    events = [json.loads(line) for line in lines]
    assert [e["position"] for e in events] == list(range(1, app.recorder.max_notification_id()
                                                         + 1))
    assert [e["type"] for e in events][:3] == ["Founded", "MemberJoined", "RoleAssigned"]
    tabled = next(e for e in events if e["type"] == "Tabled")
    assert tabled["data"]["title"]["text"] == FORMULA  # JSON is not a spreadsheet: unchanged
    assert tabled["data"]["body"]["text"] == "Cuidar a quien cuida: año, niñas, acción"
    assert events[0]["actor_name"] == "Lucía" and events[0]["time"].startswith("20")
    ledger = LedgerStore(runner.views)
    for event in events:
        assert event["leaf_hash"] == ledger.leaf_at(event["position"])["leaf"]


def test_csv_is_utf8_with_bom_crlf_and_formula_safe(group, capsysbinary, tmp_path):
    _, _, group_id, _ = group
    out = tmp_path / "events.csv"
    run(capsysbinary, group_id, "--format", "csv", "--out", str(out))
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.count(b"\r\n") == raw.count(b"\n")  # every line ends CRLF (quoted ones too)
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows[0]["type"] == "Founded" and rows[0]["position"] == "1"
    tabled = next(r for r in rows if r["type"] == "Tabled")
    assert "año, niñas, acción" in tabled["data"]  # data cells are JSON, starting "{"
    assert json.loads(tabled["data"])["title"]["text"] == FORMULA
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@")), value


def test_the_decisions_table(group, capsysbinary):
    _, _, group_id, proposal = group
    raw = run(capsysbinary, group_id, "--format", "csv", "--table", "decisions")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    decided, still_open = rows
    assert decided["proposal_id"] == proposal
    assert decided["title"] == "'" + FORMULA  # a spreadsheet shows it, never runs it
    assert (decided["status"], decided["outcome"], decided["for"], decided["against"]) == (
        "closed", "rejected", "1", "1")
    assert decided["rule"] == "majority quorum=1/2" and decided["turnout"] == "2/3 (67%)"
    assert decided["scope"] == "delivery" and decided["ended_at"] > decided["tabled_at"]
    assert still_open["status"] == "open" and still_open["outcome"] == ""
    jsonl = [json.loads(line) for line in run(capsysbinary, group_id, "--table", "decisions")
             .decode().splitlines()]
    assert jsonl[0]["turnout"] == "2/3" and jsonl[0]["title"] == FORMULA


def test_bad_choices_and_unknown_groups_are_clear_errors(group, capsys):
    with pytest.raises(SystemExit):
        main(["export", group[2], "--format", "xlsx"])
    assert "invalid choice" in capsys.readouterr().err
    assert main(["export", "00000000-0000-0000-0000-000000000000"]) == 2
    assert "there is no group" in capsys.readouterr().err
