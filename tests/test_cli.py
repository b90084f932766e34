"""The `reciproca` command line on a real SQLite file: init, demo, figures, rebuild."""

import json
import os
import re

import pytest

from projections.store import open_views
from servers import Server
from test_projection_runner import tables
from webapp.app import create_app
from webapp.cli import main
from webapp.storage import close_views


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("RECIPROCA_DATABASE_URL", f"sqlite:///{tmp_path / 'reciproca.sqlite'}")
    assert main(["init"]) == 0
    assert main(["demo"]) == 0


def figures_json(capsys, *args) -> list:
    capsys.readouterr()
    assert main(["figures", "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_figures_print_the_demo_groups_balance_evidence_and_level(store, capsys):
    capsys.readouterr()
    assert main(["figures"]) == 0
    out = capsys.readouterr().out
    assert "balance index (sides)" in out and "level: " in out
    assert out.count("not evidenced") + out.count("   evidenced") == 6
    for principle in ("asset_based", "peer_support", "facilitating"):
        assert principle in out


def test_rebuild_gives_back_every_figure_live_and_as_of(store, capsys):
    before = figures_json(capsys)
    before_at_100 = figures_json(capsys, "--as-of", "100")
    assert main(["rebuild"]) == 0
    shown = capsys.readouterr().err
    assert re.search(r"\] (\d+)/\1 events, [\d,]+ events/s", shown), shown  # the bar, full
    assert re.search(r"Rebuilt the read models from \d+ events in [\d.]+ s \([\d,]+ events/s",
                     shown), shown
    assert figures_json(capsys) == before
    assert figures_json(capsys, "--as-of", "100") == before_at_100
    assert before != before_at_100


def test_an_unknown_group_is_a_clear_error(store, capsys):
    assert main(["figures", "00000000-0000-0000-0000-000000000000"]) == 2
    assert "there is no group" in capsys.readouterr().err


def test_serve_answers_over_http_and_refuses_several_workers_on_sqlite(store, capsys):
    assert main(["serve", "--workers", "2"]) == 2
    assert "need PostgreSQL" in capsys.readouterr().err
    server = Server(os.environ["RECIPROCA_DATABASE_URL"])
    try:
        assert server.call("GET", "/api/openapi.json")[0] == 200
    finally:
        server.stop()


def test_rebuild_while_a_server_runs_is_refused_and_figures_wait_for_it(store, capsys):
    url = os.environ["RECIPROCA_DATABASE_URL"]
    before = figures_json(capsys)
    views = open_views(url)
    server = Server(url)
    try:
        at_start = tables(views)
        capsys.readouterr()
        assert main(["rebuild"]) == 2
        message = capsys.readouterr().err
        assert "reciproca rebuild: the read models are kept by another running process" in message
        assert "reciproca serve pid" in message and "stop every `reciproca serve`" in message
        assert tables(views) == at_start  # nothing was emptied or folded twice
        assert figures_json(capsys) == before  # read from what the server keeps
    finally:
        server.stop()
        close_views(views)
    assert main(["rebuild"]) == 0  # the lock went with the server
    assert figures_json(capsys) == before


def test_tokens_are_listed_without_secrets_and_revoked_from_the_command_line(store, capsys,
                                                                            monkeypatch):
    import io

    from webapp.accounts import Accounts
    from webapp.sql import Database
    from webapp.storage import database_url

    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    assert main(["user", "add", "ana@example.org", "--name", "Ana"]) == 0
    assert main(["token", "create", "ana@example.org"]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert main(["token", "list", "ana@example.org"]) == 0
    listing = capsys.readouterr().out
    token_id = listing.split()[0]
    assert "active" in listing and token.split("_", 2)[2] not in listing
    assert main(["token", "revoke", "ana@example.org", token_id]) == 0
    db = Database(database_url())
    try:
        assert Accounts(db).token_person(token) is None
    finally:
        db.close()
    assert main(["token", "revoke", "ana@example.org", token_id]) == 2
    assert "no active token" in capsys.readouterr().err


def test_the_demo_gives_its_people_accounts_with_passwords_shown_once(tmp_path, monkeypatch,
                                                                      capsys):
    from webapp.accounts import Accounts
    from webapp.app import create_app
    from webapp.sql import Database

    monkeypatch.setenv("RECIPROCA_DATABASE_URL", f"sqlite:///{tmp_path / 'r.sqlite'}")
    assert main(["init"]) == 0
    assert main(["demo"]) == 0
    lines = capsys.readouterr().out.splitlines()
    group_id = lines[1].split()[4].rstrip(":")
    accounts_shown = [line.split() for line in lines[lines.index(
        "Demo accounts (passwords shown only now):") + 1:]]
    assert len(accounts_shown) == 12
    statuses = [" ".join(shown[2:]) for shown in accounts_shown]
    assert set(statuses) == {"member", "left the group"}
    assert statuses[0] == "member"
    email, password = accounts_shown[0][:2]
    gone_email, gone_password = accounts_shown[statuses.index("left the group")][:2]
    db = Database(f"sqlite:///{tmp_path / 'r.sqlite'}")
    try:
        with db.cursor() as cursor:
            cursor.execute("SELECT password_hash FROM reciproca_people")
            stored = cursor.fetchall()
        assert all(password not in row["password_hash"] for row in stored)
        person = Accounts(db).sign_in(email, password, "127.0.0.1")
    finally:
        db.close()
    web = create_app({"SECRET_KEY": "k" * 40})
    try:
        client = web.test_client()
        signed = client.post("/api/session", json={"email": email, "password": password})
        assert signed.status_code == 201
        group = client.get(f"/api/groups/{group_id}").json
        assert person["person_id"] in [m["id"] for m in group["members"]]
        gone = web.test_client()
        assert gone.post("/api/session", json={"email": gone_email,
                                               "password": gone_password}).status_code == 201
        assert gone.get(f"/api/groups/{group_id}").status_code == 404
    finally:
        web.extensions["reciproca"].close()


def test_views_folded_under_older_rules_are_refused_until_rebuilt(store, capsys, tmp_path):
    """An upgrade that changes the evidence rules needs no event migration: `rebuild` folds the
    log again. Views left by a version before the rules carried their version (a group state
    without `model`, evidence of the old rules) are refused, never folded on."""
    from webapp.storage import close_views, open_views

    fresh = figures_json(capsys)
    views = open_views(f"sqlite:///{tmp_path / 'reciproca.sqlite'}")
    try:
        for table in ("view_groups", "view_snapshots"):
            for row in views.select(f"SELECT group_id, position, state FROM {table}"):
                old = {k: v for k, v in json.loads(row["state"]).items() if k != "model"}
                with views.datastore.transaction(commit=True) as cursor:
                    cursor.execute(f"UPDATE {table} SET state = ? WHERE group_id = ? AND "
                                   "position = ?", (json.dumps(old), row["group_id"],
                                                    row["position"]))
        with views.datastore.transaction(commit=True) as cursor:
            cursor.execute("DELETE FROM view_evidence")
            cursor.execute("DELETE FROM view_figures")  # older versions stored no figures
    finally:
        close_views(views)
    capsys.readouterr()
    assert main(["figures", "--json"]) == 2
    assert "run `reciproca rebuild`" in capsys.readouterr().err
    web = create_app({"SECRET_KEY": "test-" + "k" * 40})
    try:  # the API says the figures are unavailable (503), never a 500 with a trace
        group_id = fresh[0]["power_balance"]["group_id"]
        accounts = web.extensions["reciproca"].accounts
        member = accounts.person_by_email("elena@demo.reciproca.invalid")["person_id"]
        answer = web.test_client().get(f"/api/groups/{group_id}/level", headers={
            "Authorization": f"Bearer {accounts.create_token(member)}"})
        assert answer.status_code == 503 and "operator" in answer.json["errors"]["_"][0]
    finally:
        web.extensions["reciproca"].close()
    assert main(["rebuild"]) == 0
    assert figures_json(capsys) == fresh


def test_figures_name_each_group_and_say_what_now_means(store, capsys):
    capsys.readouterr()
    assert main(["figures"]) == 0
    first, second = capsys.readouterr().out.splitlines()[:2]
    assert first.startswith("Mesa de coproducción") and "· group " in first
    assert "as of its latest event, recorded at 20" in second and "counts until then" in second
    [found] = figures_json(capsys)
    assert found["name"].startswith("Mesa de coproducción")


def test_serve_names_a_port_in_use_in_one_line(tmp_path, monkeypatch, capsys):
    import socket

    monkeypatch.setenv("RECIPROCA_DATABASE_URL", f"sqlite:///{tmp_path / 'r.sqlite'}")
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert f"port {port} on 127.0.0.1 is already in use" in err
    assert f"make run PORT={port + 1}" in err


def test_serve_in_production_without_a_secret_key_says_so_in_one_line(tmp_path, monkeypatch,
                                                                      capsys):
    monkeypatch.setenv("RECIPROCA_DATABASE_URL", f"sqlite:///{tmp_path / 'r.sqlite'}")
    monkeypatch.setenv("RECIPROCA_ENV", "production")
    monkeypatch.delenv("RECIPROCA_SECRET_KEY", raising=False)
    assert main(["serve", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "RECIPROCA_SECRET_KEY must be set" in err


def test_make_run_serves_on_the_port_given():
    import subprocess
    from pathlib import Path

    plan = subprocess.run(["make", "-n", "run", "PORT=5001"], capture_output=True, text=True,
                          cwd=Path(__file__).parents[1], check=True).stdout
    assert "serve --host 127.0.0.1 --port 5001" in plan


def test_help_points_only_to_the_projects_own_docs(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "shared/" not in out and "docs/operations.md" in out


@pytest.mark.parametrize("setting", ['{"min_closed_decisions": 2}', '[1]', "not json",
                                     '{"transformation_balance": "1e-999999"}'])
def test_a_bad_level_threshold_setting_stops_commands_and_the_server_at_start(
        store, capsys, monkeypatch, setting):
    monkeypatch.setenv("RECIPROCA_LEVEL_THRESHOLDS", setting)
    capsys.readouterr()
    assert main(["figures"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("reciproca figures: RECIPROCA_LEVEL_THRESHOLDS")
    assert "Traceback" not in error
    with pytest.raises(ValueError, match="RECIPROCA_LEVEL_THRESHOLDS"):
        create_app({"SECRET_KEY": "test-" + "k" * 40})


HUGE = str(10**30)


@pytest.mark.parametrize("argv, named", [
    (["figures", "--as-of", HUGE], "--as-of"), (["figures", "--as-of", "-5"], "--as-of"),
    (["figures", "--as-of", "²"], "--as-of"), (["serve", "--port", "999999"], "--port"),
    (["serve", "--workers", "0"], "--workers"), (["serve", "--threads", "0"], "--threads"),
    (["proof", "inclusion", HUGE], "POSITION"), (["proof", "consistency", "1", HUGE], "SECOND"),
    (["report", "00000000-0000-0000-0000-000000000000", "--as-of", HUGE], "--as-of")])
def test_numbers_on_the_command_line_are_checked_before_use(store, capsys, argv, named):
    """A probe's tracebacks (OverflowError from SQLite or bind(), ValueError from a thread
    pool) are one-line usage errors naming the argument."""
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    err = capsys.readouterr().err
    assert stopped.value.code == 2 and f"argument {named}" in err and "a whole number from" in err


def test_a_malformed_number_in_the_environment_is_named(store, monkeypatch):
    monkeypatch.setenv("RECIPROCA_THREADS", "²")
    with pytest.raises(SystemExit, match="RECIPROCA_THREADS must be a whole number from 1"):
        main(["figures"])
