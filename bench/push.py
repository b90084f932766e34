"""Cross-process push on PostgreSQL: a vote POSTed to server A until a websocket client of
server B has its event, against a bare LISTEN/NOTIFY between two connections (NOTIFY committed
→ the listener has it). Two `reciproca serve` processes on one scratch database."""

import json
import sys
import time

import psycopg

from bench.common import median, percentile, scratch_postgres
from bench.fanout import _connect_all, _drain, proposal_on
from bench.http_votes import _free_port, _people, _serving

ROUNDS = 50


def _ours() -> dict:
    with scratch_postgres() as url:
        (_, ana), (_, bea) = _people(url)[:2]
        ports = [_free_port(), _free_port()]
        commands = [[sys.executable, "-m", "webapp.cli", "serve", "--port", str(port)]
                    for port in ports]
        env = {"RECIPROCA_DATABASE_URL": url}
        with _serving(commands[0], env, ports[0]), _serving(commands[1], env, ports[1]):
            post, gid, pid = proposal_on(ports[0], ana)
            [client] = _connect_all(f"ws://127.0.0.1:{ports[1]}/ws/groups/{gid}", 1,
                                    {"Authorization": f"Bearer {ana}"})
            latencies = []
            for n in range(ROUNDS):
                started = time.perf_counter()
                position = post(f"/api/proposals/{pid}/votes",
                                {"position": ("for", "against")[n % 2]}, bea)["position"]
                _drain([client], lambda text: json.loads(text).get("type") == "event"
                       and json.loads(text)["position"] >= position)
                latencies.append(time.perf_counter() - started)
            client.close()
    return {"p50_ms": 1000 * median(latencies), "p99_ms": 1000 * percentile(latencies, 99)}


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
    return {"p50_ms": 1000 * median(latencies), "p99_ms": 1000 * percentile(latencies, 99)}


def push() -> dict:
    return {"ours": _ours(), "bare": _bare()}


if __name__ == "__main__":
    print(json.dumps(push(), indent=1))
