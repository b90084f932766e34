"""What every benchmark shares: a scratch store, medians and percentiles, the machine's facts.

Each benchmark measures Reciproca and its baseline in the same run, on the same machine, so the
ratio between them means something even where the absolute numbers move with the machine's load.
"""

import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

POSTGRES_URL = os.environ.get("RECIPROCA_BENCH_POSTGRES_URL",
                              "postgresql://postgres@127.0.0.1:5432/test")


@contextmanager
def scratch_sqlite():
    """A fresh SQLite store in a temporary folder, initialised like `reciproca init`."""
    from webapp.storage import initialise

    with tempfile.TemporaryDirectory(prefix="reciproca-bench-") as folder:
        url = f"sqlite:///{Path(folder) / 'events.sqlite'}"
        initialise(url)
        yield url


@contextmanager
def scratch_postgres():
    """A fresh PostgreSQL database on the bench server, dropped afterwards."""
    import uuid
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    from webapp.storage import initialise

    name = f"reciproca_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = urlunsplit(urlsplit(POSTGRES_URL)._replace(path=f"/{name}"))
    try:
        initialise(url)
        yield url
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def median(values: list[float]) -> float:
    return statistics.median(values)


def machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text()
                .splitlines() if line.startswith("model name")), platform.processor())
    git = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                         text=True).stdout.strip()
    return (f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, Python "
            f"{platform.python_version()}, {platform.system()} {platform.release()}, "
            f"commit {git or 'unknown'}")


def peak_mib(root: int) -> float:
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


def progress(label: str, total: int, every: int = 100_000):
    """A callback for `Runner.rebuild` and the generators: a line on stderr every `every`
    events with the speed so far, so a run of a million events shows it is moving."""
    started, shown = time.monotonic(), [0]

    def report(done: int) -> None:
        if done - shown[0] >= every or done >= total:
            shown[0] = done
            rate = done / max(time.monotonic() - started, 1e-6)
            print(f"bench: {label}: {done:,}/{total:,} events, {rate:,.0f} events/s",
                  file=sys.stderr, flush=True)

    return report
