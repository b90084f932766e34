"""Cross-process push on PostgreSQL: votes POSTed to server A, received by a websocket client of
server B (and one of A), against a bare LISTEN/NOTIFY between two connections.

Two `reciproca serve` processes on one scratch database; A is started first and holds the
runner's lock before B starts, so A folds and B follows, as in a scaled-out deployment. Each
round's times, all on this machine's one clock:

- `sent → B`: the POST leaves the client until B's client has the event (the vote's own cost on A
  included: see the HTTP votes for that part);
- `answered`: the POST's answer (the vote committed, its answer sent);
- `event → A`, `event → B`: from the event's own time (set by the domain as the command makes it,
  just before its insert and commit) until A's and B's clients have it: the push after the
  command, in the process that folds and across processes. The cross-process target is compared
  with `event → B`.

Bare: NOTIFY committed on one connection until LISTEN on another has it.
"""

import json
import os
import sys
import threading
import time
from datetime import datetime

import psycopg

from bench.common import median, percentile, scratch_postgres
from bench.fanout import _connect_all
from bench.http_votes import _free_port, _people, _serving, proposal_on
from projections.coordination import LOCK_KEY

ROUNDS = int(os.environ.get("BENCH_PUSH_ROUNDS", "200"))


class Arrivals:
    """A client's `event` messages as they arrive: position -> (arrival time, event time)."""

    def __init__(self, client):
        self.client, self.seen, self._changed = client, {}, threading.Condition()
        threading.Thread(target=self._receive, daemon=True).start()

    def _receive(self):
        try:
            while (text := self.client.receive(timeout=120)) is not None:
                arrived, message = time.time(), json.loads(text)
                if message.get("type") == "event":
                    with self._changed:
                        self.seen[message["position"]] = (
                            arrived, datetime.fromisoformat(message["time"]).timestamp())
                        self._changed.notify_all()
        except Exception:  # noqa: BLE001 - the socket closes at the end of the run
            pass

    def wait(self, position: int) -> tuple[float, float]:
        with self._changed:
            if not self._changed.wait_for(lambda: position in self.seen, timeout=60):
                raise RuntimeError(f"no event at position {position} within 60 s")
            return self.seen[position]


def _lock_held(url: str) -> bool:
    with psycopg.connect(url, autocommit=True) as connection:
        return connection.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = %s "
            "AND objid = %s AND objsubid = 2 AND granted", LOCK_KEY).fetchone()[0] == 1


def _stats(values: list[float]) -> dict:
    return {"p50_ms": 1000 * median(values), "p99_ms": 1000 * percentile(values, 99)}


def _ours() -> dict:
    with scratch_postgres() as url:
        (_, ana), (_, bea) = _people(url)[:2]
        ports = [_free_port(), _free_port()]
        commands = [[sys.executable, "-m", "webapp.cli", "serve", "--port", str(port)]
                    for port in ports]
        env = {"RECIPROCA_DATABASE_URL": url}
        with _serving(commands[0], env, ports[0]):
            post, gid, pid = proposal_on(ports[0], ana)  # A's worker is up, its runner too
            deadline = time.monotonic() + 60
            while not _lock_held(url):
                if time.monotonic() > deadline:
                    raise RuntimeError("server A's runner did not take the lock")
                time.sleep(0.1)
            with _serving(commands[1], env, ports[1]):
                clients = [_connect_all(f"ws://127.0.0.1:{port}/ws/groups/{gid}", 1,
                                        {"Authorization": f"Bearer {ana}"})[0]
                           for port in ports]
                on_a, on_b = (Arrivals(client) for client in clients)
                rounds = []
                for n in range(ROUNDS):
                    sent = time.time()
                    position = post(f"/api/proposals/{pid}/votes",
                                    {"position": ("for", "against")[n % 2]}, bea)["position"]
                    answered = time.time()
                    (at_b, event_time), (at_a, _) = on_b.wait(position), on_a.wait(position)
                    rounds.append((at_b - sent, answered - sent, at_a - event_time,
                                   at_b - event_time))
                for client in clients:
                    client.close()
    columns = list(zip(*rounds))
    return {name: _stats(list(values)) for name, values in
            zip(("sent_to_b", "answered", "event_to_a", "event_to_b"), columns)}


def _bare() -> dict:
    with scratch_postgres() as url:
        latencies = []
        with psycopg.connect(url, autocommit=True) as listener, \
                psycopg.connect(url, autocommit=True) as sender:
            listener.execute("LISTEN bench")
            for n in range(ROUNDS):
                started = time.perf_counter()
                sender.execute("SELECT pg_notify('bench', %s)", (str(n),))
                got = [note.payload for note in listener.notifies(timeout=30, stop_after=1)]
                if got != [str(n)]:
                    raise RuntimeError(f"LISTEN received {got}, not {n}")
                latencies.append(time.perf_counter() - started)
    return _stats(latencies)


def push() -> dict:
    return {"ours": _ours(), "bare": _bare()}


if __name__ == "__main__":
    print(json.dumps(push(), indent=1))
