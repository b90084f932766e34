"""Live fan-out: a vote sent over HTTP until every one of N websocket clients of its group has
the event, against a bare flask-sock broadcast served the same way (gunicorn gthread, one
worker, SQLite). The N clients are read by one thread (a selector over plain sockets, frames
parsed by wsproto), so the benchmark's own side costs one thread, not N: a round ends when the
last client has the message, timed as it arrives.

`workers()` serves the app under each of gunicorn's worker classes in BENCH_FANOUT_WORKERS
(gthread, as `reciproca serve` does, and gevent) with the largest number of sockets, and
reports the same latencies and the server's peak memory: the measure behind the choice of
worker (docs/deploy.md)."""

import http.client
import json
import os
import selectors
import socket
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

from simple_websocket import Client
from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, CloseConnection, Ping, Request, TextMessage

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


class Readers:
    """`count` websocket clients of `url`, all read by the calling thread (`wait`)."""

    def __init__(self, url: str, count: int, headers: dict | None = None):
        parts = urlsplit(url)
        self.address = (parts.hostname, parts.port)
        self.target = parts.path + (f"?{parts.query}" if parts.query else "")
        self.headers = [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
        with ThreadPoolExecutor(16) as pool:
            self.clients = list(pool.map(lambda _: self._connect(), range(count)))
        self.selector = selectors.DefaultSelector()
        for client in self.clients:
            self.selector.register(client[0], selectors.EVENT_READ, client)

    def _connect(self):
        deadline = time.monotonic() + 60
        while True:
            try:
                sock = socket.create_connection(self.address, timeout=60)
                break
            except ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        ws = WSConnection(ConnectionType.CLIENT)
        sock.sendall(ws.send(Request(host=self.address[0], target=self.target,
                                     extra_headers=self.headers)))
        while True:
            ws.receive_data(sock.recv(65536) or None)
            for event in ws.events():
                if isinstance(event, AcceptConnection):
                    return sock, ws, []
                raise RuntimeError(f"the websocket was refused: {event!r}")

    def wait(self, wanted, timeout: float = 60) -> None:
        """Until every client has received a text message for which `wanted(text)` holds."""
        pending, deadline = {id(client) for client in self.clients}, time.monotonic() + timeout
        while pending:
            ready = self.selector.select(max(0.0, deadline - time.monotonic()))
            if not ready:
                raise RuntimeError(f"{len(pending)} clients received nothing within {timeout} s")
            for key, _ in ready:
                sock, ws, parts = key.data
                ws.receive_data(sock.recv(65536) or None)
                for event in ws.events():
                    if isinstance(event, Ping):
                        sock.sendall(ws.send(event.response()))
                    elif isinstance(event, TextMessage):
                        parts.append(event.data)
                        if event.message_finished:
                            text = "".join(parts)
                            parts.clear()
                            if wanted(text):
                                pending.discard(id(key.data))
                    elif isinstance(event, CloseConnection):
                        raise RuntimeError(f"the server closed a socket: {event.reason}")

    def close(self) -> None:
        self.selector.close()
        for sock, _, _ in self.clients:
            sock.close()


def _rounds(send, readers: Readers, wanted_for) -> dict:
    readers.wait(wanted_for(send(-1)))  # a first round, not timed: every socket is following
    latencies = []
    for n in range(ROUNDS):
        started = time.perf_counter()
        marker = send(n)
        readers.wait(wanted_for(marker))
        latencies.append(time.perf_counter() - started)
    readers.close()
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
            # since=0: a socket whose subscription comes after a vote gets it by the replay
            readers = Readers(f"ws://127.0.0.1:{port}/ws/groups/{gid}?since=0", count,
                              {"Authorization": f"Bearer {ana_token}"})
            positions = ("for", "against")
            found = _rounds(
                lambda n: post(f"/api/proposals/{pid}/votes", {"position": positions[n % 2]},
                               bea_token)["position"],
                readers,
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
        readers = Readers(f"ws://127.0.0.1:{port}/ws", count)
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

        return _rounds(send, readers, lambda n: lambda text: json.loads(text)["n"] == n)


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
