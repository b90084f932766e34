"""The server's peak memory: `reciproca serve` on a store of N events (its runner folds them all
at start), then holding S websocket clients of one group; the peak resident set (VmHWM) of the
server's processes (gunicorn's master and its worker), summed."""

import json
import os
import sys
import time

from bench.common import peak_mib, scratch_sqlite
from bench.fanout import _connect_all
from bench.http_votes import _free_port, _people, _serving
from bench.reads import _filled, _status

EVENTS = int(os.environ.get("BENCH_MEMORY_EVENTS", "1000000"))
SOCKETS = int(os.environ.get("BENCH_MEMORY_SOCKETS", "1000"))


def memory(events: int = EVENTS, sockets: int = SOCKETS) -> dict:
    with scratch_sqlite() as url:
        (founder, token), = _people(url)[:1]
        started = time.monotonic()
        group_id, last = _filled(url, events, founder)
        print(f"bench: memory: wrote {last:,} events in {time.monotonic() - started:.0f} s; "
              "the server folds them at start", file=sys.stderr, flush=True)
        headers = {"Authorization": f"Bearer {token}"}
        port = _free_port()
        command = [sys.executable, "-m", "webapp.cli", "serve", "--port", str(port),
                   "--threads", str(sockets + 32)]
        with _serving(command, {"RECIPROCA_DATABASE_URL": url}, port) as process:
            started = time.monotonic()
            while _status(port, headers, f"/api/groups/{group_id}/record?limit=1"
                                         f"&after={last}") != 200:
                time.sleep(1)
            print(f"bench: memory: the server folded them in {time.monotonic() - started:.0f} s "
                  f"({last / (time.monotonic() - started):,.0f} events/s)", file=sys.stderr,
                  flush=True)
            clients = _connect_all(f"ws://127.0.0.1:{port}/ws/groups/{group_id}", sockets,
                                   headers)
            time.sleep(2)
            peak = peak_mib(process.pid)
            for client in clients:
                client.close()
            process.terminate()  # a thousand sockets' threads may take more than 30 s to end
            process.wait(300)
    return {"events": last, "sockets": sockets, "peak_mib": peak}


if __name__ == "__main__":
    print(json.dumps(memory(), indent=1))
