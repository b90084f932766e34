"""Two `reciproca serve` processes, two workers each, on one PostgreSQL database: 400 concurrent
writes spread over them while one server is killed with SIGKILL and restarted. Oracles: the
stored log (one record entry per event) and `reciproca rebuild` (every view table the same).
"""

import http.client
import itertools
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from helpers import eventually, stored_events
from projections.coordination import AdvisoryLock
from projections.store import open_views
from servers import Server
from test_projection_runner import tables
from webapp.accounts import Accounts
from webapp.cli import main
from webapp.sql import Database
from webapp.storage import close, close_views, open_application

pytestmark = pytest.mark.postgres
PASSWORD = "correct horse battery"
WRITES = 400


def tokens(url: str, names) -> dict[str, str]:
    db = Database(url)
    try:
        accounts = Accounts(db)
        return {name: accounts.create_token(accounts.add_person(f"{name}@example.org",
                                                                name.title(), PASSWORD))
                for name in names}
    finally:
        db.close()


def holder_parent(url: str) -> int | None:
    """The parent process id of the process whose runner holds the lock (a server's master)."""
    description = AdvisoryLock(url).holder()
    if " pid " not in description:
        return None
    pid = int(description.split(" pid ")[1].split()[0])
    with open(f"/proc/{pid}/stat") as stat:
        return int(stat.read().rsplit(")", 1)[1].split()[1])


def test_two_servers_one_killed_mid_run_fold_every_event_once(postgres_url, monkeypatch):
    names = ("ana", "bea", "carla", "dani")
    token = tokens(postgres_url, names)
    first = Server(postgres_url, workers=2)
    servers = [first, None]
    try:
        eventually(lambda: holder_parent(postgres_url) == first.process.pid,
                   what="a worker of the first server taking the runner's lock")
        servers[1] = Server(postgres_url, workers=2)
        status, group = first.call("POST", "/api/groups", token["ana"], {
            "name": "Mesa", "purpose": "p", "category": "carer",
            "decision_rule": {"rule": "majority", "quorum": "1/2"}})
        assert status == 201, group
        gid = group["id"]
        for name, category in zip(names[1:], ("professional", "service_user", "community")):
            assert first.call("POST", f"/api/groups/{gid}/members", token["ana"], {
                "email": f"{name}@example.org", "category": category})[0] == 201
        proposals = [first.call("POST", f"/api/groups/{gid}/proposals", token["ana"], {
            "title": f"P{n}", "body": "b", "scope": "delivery"})[1]["id"] for n in range(4)]

        rng = random.Random(7)
        plan = []
        for n in range(WRITES - len(proposals)):
            who = rng.choice(names)
            if n % 5 == 4:
                plan.append((who, f"/api/groups/{gid}/contributions",
                             {"kind": "task", "description": f"task {n}"}))
            else:
                plan.append((who, f"/api/proposals/{rng.choice(proposals)}/votes",
                             {"position": rng.choice(("for", "for", "against", "abstain"))}))
        plan[300:300] = [("ana", f"/api/proposals/{pid}/close", {}) for pid in proposals]
        done, answers, killed = itertools.count(1), [], threading.Event()

        def write(numbered):
            n, (who, path, body) = numbered
            key = {"Idempotency-Key": f"write-{n}"}  # a retry on the other server is safe
            for attempt in range(40):
                server = servers[(n + attempt) % 2]
                try:
                    status, _ = server.call("POST", path, token[who], body, headers=key)
                    break
                except (OSError, http.client.HTTPException):  # down, or killed mid-answer
                    time.sleep(0.1)  # try the other one
            else:
                status = None
            if next(done) == 150:
                servers[0].kill()  # SIGKILL, master and workers, mid-run
                killed.set()
            answers.append(status)

        with ThreadPoolExecutor(16) as pool:
            futures = [pool.submit(write, numbered) for numbered in enumerate(plan)]
            killed.wait(120)
            servers[0] = Server(postgres_url, workers=2)  # restarted while writes go on
            for future in futures:
                future.result()
        assert killed.is_set() and len(answers) == WRITES
        assert answers.count(201) + answers.count(200) > WRITES // 2, answers
        assert set(answers) <= {200, 201, 409}, answers  # 409: a vote on a closed proposal

        app = open_application(postgres_url)
        views = open_views(postgres_url)
        try:
            events = len(stored_events(app))
            last = app.recorder.max_notification_id()
            eventually(lambda: views.position() == last, what="the views reaching the log's end")
            entries = views.select("SELECT count(*) AS n FROM view_record")[0]["n"]
            assert entries == events
            for server in servers:
                server.stop()
            live = tables(views)
            monkeypatch.setenv("RECIPROCA_DATABASE_URL", postgres_url)
            assert main(["rebuild"]) == 0
            assert tables(views) == live
        finally:
            close_views(views)
            close(app)
    finally:
        for server in servers:
            if server is not None:
                server.stop()
