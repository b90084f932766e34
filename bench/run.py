"""`make bench`: every benchmark beside its baseline in one run, written to docs/performance.md.

`python -m bench.run [NAME ...]` runs some of them (names below); the page is rewritten with the
sections measured in this run only, so every number on it comes from the same run and machine.
"""

import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from bench import http_votes, rebuild, votes
from bench.common import machine

PAGE = Path(__file__).resolve().parent.parent / "docs" / "performance.md"


def _ms(seconds: float) -> str:
    return f"{1000 * seconds:.1f} ms"


def _votes_in_process() -> list[str]:
    rows = []
    for database in ("sqlite", "postgres"):
        found = votes.in_process(database)
        low, high = found["ratio_range"]
        rows.append(f"| {database} | {found['ours']:.0f}/s | {found['bare']:.0f}/s | "
                    f"{found['ratio']:.2f} ({low:.2f}–{high:.2f}) | ≥ 0.70 |")
    return ["## 1a. Votes in process, against a bare `save()`", "",
            f"{votes.VOTES} votes per round, {votes.ROUNDS} rounds, each round on a fresh store; "
            "the ratio is the median of the rounds' ratios (range in brackets).", "",
            "| store | Reciproca | bare library | ratio | target |", "|---|---|---|---|---|",
            *rows]


def _votes_over_http() -> list[str]:
    rows = []
    for database in ("sqlite", "postgres"):
        found = http_votes.over_http(database)
        ours, bare = found["ours"], found["bare"]
        rows.append(f"| {database}, {found['workers']} worker(s) | {ours['per_second']:.0f}/s, "
                    f"p50 {ours['p50_ms']:.0f} ms, p99 {ours['p99_ms']:.0f} ms | "
                    f"{bare['per_second']:.0f}/s, p50 {bare['p50_ms']:.0f} ms, p99 "
                    f"{bare['p99_ms']:.0f} ms | {found['ratio']:.2f} | ≥ 0.50, p99 ≤ 50 ms |")
    return ["## 1b. Votes over HTTP, against a bare Flask + library endpoint", "",
            f"{http_votes.CLIENTS} clients with kept-alive connections for "
            f"{http_votes.SECONDS} s each, against `reciproca serve` and against gunicorn "
            "serving a Flask endpoint that does one bare `save()`.", "",
            "| store | Reciproca | bare | ratio | target |", "|---|---|---|---|---|", *rows]


def _history() -> list[str]:
    cost = votes.history_cost()
    base = cost[min(cost)]
    rows = [f"| {history:,} | {_ms(seconds)} | {seconds / base:.2f} |"
            for history, seconds in sorted(cost.items())]
    return ["## 2. A vote's cost as the group's history grows", "",
            "SQLite; 200 votes timed on a proposal whose store already holds the given number "
            "of events. Target: at 10,000 events within 1.5× the cost at 100.", "",
            "| events before | per vote | × cost at 100 |", "|---|---|---|", *rows]


def _rebuild() -> list[str]:
    found = rebuild.rebuild()
    rows = [f"| {size:,} | {r['rebuild_s']:.1f} s ({r['events_per_s']:,.0f} events/s) | "
            f"{r['raw_s']:.1f} s | {r['ratio']:.2f} |" for size, r in sorted(found.items())]
    return ["## 4. Rebuild, against reading and decoding the same log", "",
            "SQLite; decided proposals of 100 votes in a group of 30. Target ratio ≥ 0.33.", "",
            "| events | `rebuild` | raw read + decode | ratio |", "|---|---|---|---|", *rows]


SECTIONS = {"votes": _votes_in_process, "http": _votes_over_http, "history": _history,
            "rebuild": _rebuild}


def main(names: list[str]) -> None:
    chosen = names or list(SECTIONS)
    unknown = set(chosen) - set(SECTIONS)
    if unknown:
        sys.exit(f"unknown benchmarks: {', '.join(sorted(unknown))}; "
                 f"choose from {', '.join(SECTIONS)}")
    lines = ["# Performance", "",
             "Written by `make bench` (`python -m bench.run`); every number below comes from one "
             "run on one machine, each beside its baseline measured in the same run. Timings on "
             "a shared 2-core machine are noisy: compare ratios, not absolute numbers.", "",
             f"- Run: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, sections: "
             f"{', '.join(chosen)}", f"- Machine: {machine()}", ""]
    for name in chosen:
        started = time.monotonic()
        print(f"bench: {name}…", file=sys.stderr, flush=True)
        lines += SECTIONS[name]() + [""]
        print(f"bench: {name} took {time.monotonic() - started:.0f} s", file=sys.stderr)
    PAGE.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {PAGE}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
