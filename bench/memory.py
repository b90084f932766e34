"""The server's peak memory: `reciproca serve` on a store of N events (its runner folds them all
at start), then holding S websocket clients of one group; the peak resident set (VmHWM) of the
server's processes (gunicorn's master and its worker), summed."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench.common import scratch_sqlite
from bench.fanout import _connect_all
from bench.http_votes import _free_port, _people, _serving
from bench.reads import _filled, _status

EVENTS = int(os.environ.get("BENCH_MEMORY_EVENTS", "1000000"))
SOCKETS = int(os.environ.get("BENCH_MEMORY_SOCKETS", "1000"))


def _peak_mib(root: int) -> float:
    """VmHWM of `root` and its children, in MiB."""
    children = subprocess.run(["pgrep", "-P", str(root)], capture_output=True,
                              text=True).stdout.split()
    total = 0
    for pid in [str(root), *children]:
        status = Path(f"/proc/{pid}/status")
        if status.exists():
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
    return total / 1024


def memory(events: int = EVENTS, sockets: int = SOCKETS) -> dict:
    with scratch_sqlite() as url:
        (founder, token), = _people(url)[:1]
        group_id, last = _filled(url, events, founder)
        headers = {"Authorization": f"Bearer {token}"}
        port = _free_port()
        command = [sys.executable, "-m", "webapp.cli", "serve", "--port", str(port),
                   "--threads", str(sockets + 32)]
        with _serving(command, {"RECIPROCA_DATABASE_URL": url}, port) as process:
            while _status(port, headers, f"/api/groups/{group_id}/record?limit=1"
                                         f"&after={last}") != 200:
                time.sleep(1)
            clients = _connect_all(f"ws://127.0.0.1:{port}/ws/groups/{group_id}", sockets,
                                   headers)
            time.sleep(2)
            peak = _peak_mib(process.pid)
            for client in clients:
                client.close()
    return {"events": last, "sockets": sockets, "peak_mib": peak}


if __name__ == "__main__":
    print(json.dumps(memory(), indent=1))
