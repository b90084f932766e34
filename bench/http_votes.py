"""Votes per second over HTTP with 8 clients, against a bare Flask + library endpoint.

Both servers are real gunicorn processes on loopback, measured one after the other in the same
run; each client keeps one connection open, as a browser or a script would.
"""

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager

from bench.common import median, percentile, scratch_postgres, scratch_sqlite
from bench.votes import Bare
from domain.settings import library_settings
from webapp.accounts import Accounts
from webapp.sql import Database

CLIENTS = 8
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
PASSWORD = "a bench passphrase long enough"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def _serving(command: list[str], env: dict, port: int):
    process = subprocess.Popen(command, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError(f"{command[0]} did not listen on port {port}")
        yield process
    finally:
        process.terminate()
        process.wait(30)


def _load(port: int, path_of, body_of, headers_of) -> dict:
    """CLIENTS threads POSTing for SECONDS; throughput and latency percentiles. A 409 (a vote
    that kept conflicting with concurrent ones) is counted apart, any other failure is fatal."""
    latencies, failures, conflicts, stop = [], [], [], time.monotonic() + SECONDS

    def client(n: int):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        i = 0
        while time.monotonic() < stop:
            started = time.perf_counter()
            conn.request("POST", path_of(n), json.dumps(body_of(n, i)), headers_of(n))
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            if response.status == 409:
                conflicts.append(n)
            elif response.status != 201:
                failures.append(response.status)
            i += 1
        latencies.extend(mine)
        conn.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"{len(failures)} requests failed: {sorted(set(failures))}")
    return {"per_second": len(latencies) / elapsed, "p50_ms": 1000 * median(latencies),
            "p99_ms": 1000 * percentile(latencies, 99), "requests": len(latencies),
            "conflicts": len(conflicts)}


def _people(url: str) -> list[tuple[str, str]]:
    db = Database(url)
    try:
        accounts = Accounts(db)
        people = []
        for n in range(CLIENTS):
            person = accounts.add_person(f"bench{n}@example.org", f"Bench {n}", PASSWORD)
            people.append((person, accounts.create_token(person)))
        return people
    finally:
        db.close()


def proposal_on(port: int, token: str, members: int = 1):
    """Over HTTP: a group of the token's person with bench1…benchN as members, and a proposal
    in it; returns (post, group id, proposal id), `post(path, body, token)` POSTing there."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def post(path, body, as_token=token):
        conn.close()  # a fresh connection: a kept-alive one may have timed out meanwhile
        conn.request("POST", path, json.dumps(body), {
            "Authorization": f"Bearer {as_token}", "Content-Type": "application/json"})
        response = conn.getresponse()
        answer = json.loads(response.read())
        if response.status >= 300:
            raise RuntimeError(f"{path}: {response.status} {answer}")
        return answer

    gid = post("/api/groups", {"name": "Mesa", "purpose": "Bench", "category": "carer",
                               "decision_rule": {"rule": "majority", "quorum": "1/2"}})["id"]
    for n in range(1, members + 1):
        post(f"/api/groups/{gid}/members", {"email": f"bench{n}@example.org",
                                            "category": "professional"})
    pid = post(f"/api/groups/{gid}/proposals", {"title": "Horario", "body": "b",
                                                "scope": "delivery"})["id"]
    return post, gid, pid


def _ours(url: str, workers: int) -> dict:
    people = _people(url)
    port = _free_port()
    command = [sys.executable, "-m", "webapp.cli", "serve", "--port", str(port),
               "--workers", str(workers)]
    auth = [{"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            for _, token in people]
    with _serving(command, {"RECIPROCA_DATABASE_URL": url}, port):
        _, _, proposal_id = proposal_on(port, people[0][1], members=len(people) - 1)
        positions = ("for", "against", "abstain")
        return _load(port, lambda n: f"/api/proposals/{proposal_id}/votes",
                     lambda n, i: {"position": positions[(n + i) % 3]}, lambda n: auth[n])


def _bare(url: str, workers: int) -> dict:
    Bare(library_settings(url, create_tables=True)).close()  # once, before workers race
    port = _free_port()
    command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
               "--workers", str(workers), "--threads", "16", "--worker-class", "gthread",
               "bench.bare_app:app"]
    with _serving(command, {"BENCH_DATABASE_URL": url}, port):
        return _load(port, lambda n: "/vote", lambda n, i: {},
                     lambda n: {"Content-Type": "application/json"})


def over_http(database: str) -> dict:
    scratch, workers = ((scratch_sqlite, 1) if database == "sqlite"
                        else (scratch_postgres, 2))
    with scratch() as url:
        ours = _ours(url, workers)
    with scratch() as url:
        bare = _bare(url, workers)
    return {"ours": ours, "bare": bare, "ratio": ours["per_second"] / bare["per_second"],
            "workers": workers, "clients": CLIENTS}


if __name__ == "__main__":
    print(json.dumps(over_http(sys.argv[1] if len(sys.argv) > 1 else "sqlite"), indent=1))
