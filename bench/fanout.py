"""Live fan-out: a vote sent over HTTP until every one of N websocket clients of its group has
the event, against a bare flask-sock broadcast served the same way (gunicorn gthread, one
worker, SQLite). Clients are drained in turn after each send, so "last client received" is an
upper bound, the same for both.

`workers()` serves the app under each of gunicorn's worker classes in BENCH_FANOUT_WORKERS
(gthread, as `reciproca serve` does, and gevent) with the largest number of sockets, and
reports the same latencies and the server's peak memory: the measure behind the choice of
worker (docs/deploy.md)."""

import http.client
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from simple_websocket import Client

from bench.common import median, peak_mib, percentile, scratch_sqlite
from bench.http_votes import _free_port, _people, _serving, proposal_on

SOCKETS = tuple(int(n) for n in os.environ.get("BENCH_FANOUT_SOCKETS", "10,100,1000").split(","))
WORKERS = tuple(os.environ.get("BENCH_FANOUT_WORKERS", "gthread,gevent").split(","))
ROUNDS = 20


def _connect(url: str, headers: dict | None) -> Client:
    """A client, retried for a while: gunicorn listens before its worker is ready."""
    deadline = time.monotonic() + 60
    while True:
        try:
            return Client.connect(url, headers=headers or {})
        except ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _connect_all(url: str, count: int, headers: dict | None = None) -> list[Client]:
    with ThreadPoolExecutor(16) as pool:
        return list(pool.map(lambda _: _connect(url, headers), range(count)))


def _drain(clients: list[Client], wanted) -> None:
    for client in clients:
        while True:
            text = client.receive(timeout=60)
            if text is None:
                raise RuntimeError("a client received nothing within 60 s")
            if wanted(text):
                break


def _rounds(send, clients, wanted_for) -> dict:
    latencies = []
    for n in range(ROUNDS):
        started = time.perf_counter()
        marker = send(n)
        _drain(clients, wanted_for(marker))
        latencies.append(time.perf_counter() - started)
    for client in clients:
        client.close()
    return {"p50_ms": 1000 * median(latencies), "p99_ms": 1000 * percentile(latencies, 99)}


def _serve_command(port: int, count: int, worker: str) -> list[str]:
    if worker == "gthread":  # exactly `reciproca serve`
        return [sys.executable, "-m", "webapp.cli", "serve", "--port", str(port),
                "--threads", str(count + 32)]
    return [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
            "--worker-class", worker, "--worker-connections", str(2 * count + 64),
            "--graceful-timeout", "1", "webapp.app:create_app()"]


def _ours(count: int, worker: str = "gthread") -> dict:
    with scratch_sqlite() as url:
        (_, ana_token), (_, bea_token) = _people(url)[:2]
        port = _free_port()
        with _serving(_serve_command(port, count, worker), {"RECIPROCA_DATABASE_URL": url},
                      port) as process:
            post, gid, pid = proposal_on(port, ana_token)
            clients = _connect_all(f"ws://127.0.0.1:{port}/ws/groups/{gid}", count,
                                   {"Authorization": f"Bearer {ana_token}"})
            positions = ("for", "against")
            found = _rounds(
                lambda n: post(f"/api/proposals/{pid}/votes", {"position": positions[n % 2]},
                               bea_token)["position"],
                clients,
                lambda position: lambda text: (json.loads(text).get("type") == "event"
                                               and json.loads(text)["position"] >= position))
            found["peak_mib"] = peak_mib(process.pid)
            process.terminate()  # a thousand sockets' threads may take more than 30 s to end
            process.wait(300)
            return found


def _bare(count: int) -> dict:
    port = _free_port()
    command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
               "--threads", str(count + 32), "--worker-class", "gthread",
               "--graceful-timeout", "1", "--worker-connections", str(2 * count + 64),
               "bench.bare_broadcast:app"]
    with _serving(command, {}, port):
        clients = _connect_all(f"ws://127.0.0.1:{port}/ws", count)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:  # until every socket's sender is registered
            conn.close()
            conn.request("GET", "/sockets")
            if json.loads(conn.getresponse().read())["sockets"] == count:
                break
            time.sleep(0.1)

        def send(n):
            conn.close()  # a fresh connection each time, as the vote's
            conn.request("POST", "/broadcast", json.dumps({"n": n}))
            conn.getresponse().read()
            return n

        return _rounds(send, clients, lambda n: lambda text: json.loads(text)["n"] == n)


def fanout(sizes=SOCKETS) -> dict:
    return {count: {"ours": _ours(count), "bare": _bare(count)} for count in sizes}


def workers(count: int = max(SOCKETS), classes=WORKERS) -> dict:
    """The fan-out at `count` sockets under each worker class; a class that cannot serve the
    app is reported with its error instead of numbers."""
    found = {}
    for worker in classes:
        try:
            found[worker] = _ours(count, worker)
        except Exception as error:  # noqa: BLE001 - say why, measure the others
            found[worker] = {"error": f"{type(error).__name__}: {error}"}
    return found


if __name__ == "__main__":
    print(json.dumps(fanout(), indent=1))
