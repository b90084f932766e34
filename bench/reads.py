"""Reads at growing history lengths: a record page and the power balance of one group, over HTTP
from a real `reciproca serve`, one client, after the views have caught up with the whole log.
Target: a record page's p99 ≤ 20 ms at any history length."""

import http.client
import json
import os
import sys
import time
import uuid

from bench.common import median, percentile, scratch_sqlite
from bench.http_votes import _free_port, _people, _serving
from bench.rebuild import write_log
from webapp.storage import close, open_application

HISTORIES = tuple(int(n) for n in os.environ.get("BENCH_READ_HISTORIES",
                                                 "1000,10000").split(","))
REQUESTS = 200


def _filled(url: str, events: int, founder: str) -> tuple[str, int]:
    app = open_application(url)
    try:
        group_id = app.found_group(actor=founder, name="Mesa", purpose="Bench", category="carer",
                                   founder_name="Ana", decision_rule={"rule": "majority",
                                                                      "quorum": "1/2"}).id
        voters = [founder]
        for n in range(29):
            voters.append(str(uuid.uuid4()))
            app.admit_member(group_id, actor=founder, member_id=voters[-1], display_name=f"M{n}",
                             category=("service_user", "professional")[n % 2])
        return group_id, write_log(app, events, (group_id, voters), per_save=1)
    finally:
        close(app)


def _timed_gets(port: int, headers: dict, paths: list[str]) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    latencies = []
    for path in paths:
        started = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        latencies.append(time.perf_counter() - started)
        if response.status != 200:
            raise RuntimeError(f"{path}: {response.status}")
    conn.close()
    return {"p50_ms": 1000 * median(latencies), "p99_ms": 1000 * percentile(latencies, 99)}


def reads(histories=HISTORIES) -> dict:
    found = {}
    for events in histories:
        with scratch_sqlite() as url:
            (founder, token), = _people(url)[:1]
            group_id, last = _filled(url, events, founder)
            headers = {"Authorization": f"Bearer {token}"}
            port = _free_port()
            command = [sys.executable, "-m", "webapp.cli", "serve", "--port", str(port)]
            with _serving(command, {"RECIPROCA_DATABASE_URL": url}, port):
                base = f"/api/groups/{group_id}"
                deadline = time.monotonic() + 600
                while _status(port, headers, f"{base}/record?limit=1&after={last}") != 200:
                    if time.monotonic() > deadline:
                        raise RuntimeError("the views did not catch up")
                    time.sleep(0.5)
                step = max(1, last // REQUESTS)
                found[last] = {
                    "record": _timed_gets(port, headers, [f"{base}/record?limit=100&since={n}"
                                                          for n in range(0, last, step)]),
                    "power_balance": _timed_gets(port, headers,
                                                 [f"{base}/power-balance"] * REQUESTS)}
    return found


def _status(port: int, headers: dict, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


if __name__ == "__main__":
    print(json.dumps(reads(), indent=1))
