"""`make bench`: every benchmark beside its baseline in one run, written to docs/performance.md.

`python -m bench.run [NAME ...]` runs some of them (names below); the page is rewritten with the
sections measured in this run only, so every number on it comes from the same run and machine.
Sizes: BENCH_REBUILD_SIZES (default 100000,1000000), BENCH_READ_HISTORIES (1000,10000),
BENCH_FANOUT_SOCKETS (10,100,1000), BENCH_MEMORY_EVENTS (1000000), BENCH_MEMORY_SOCKETS (1000),
BENCH_SECONDS (HTTP load per server, 10). Every target is summed up at the top, with how far a
missed one is from it.
"""

import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from bench import fanout, http_votes, memory, push, reads, rebuild, votes
from bench.common import machine

PAGE = Path(__file__).resolve().parent.parent / "docs" / "performance.md"
TARGETS: list[str] = []  # rows of the summary table, added by each section
MISSED: list[str] = []  # the measures whose targets this run missed
VOTE_PROFILE = """\
200 votes through Flask's test client, SQLite, 8 members, the runner folding in its thread
(cProfile, own time; a C call's time includes waiting for the GIL the runner holds):
   ncalls  tottime  percall  cumtime  percall filename:lineno(function)
     1800    0.473    0.000    0.473    0.000 {method 'execute' of 'sqlite3.Cursor' objects}
      200    0.389    0.002    0.389    0.002 {method 'commit' of 'sqlite3.Connection' objects}
      200    0.298    0.001    0.298    0.001 {built-in method posix.urandom}
      200    0.105    0.001    0.466    0.002 flask/app.py:1271(preprocess_request)
18400/800    0.051    0.000    0.150    0.000 copy.py:128(deepcopy)"""
WHY = {
    "votes": "A vote over HTTP does, beside the bare endpoint's one insert and commit: 10 SQL "
             "statements counting transaction control (the token and its account in one; the "
             "voter's standing in the read models; the group's events since it was cached; the "
             "insert; the library wraps each read in BEGIN and ROLLBACK), no new connection, and one copy of a cached aggregate (the proposal it "
             "changes; 200 of the 800 deep copies in the profile, the rest are the answer's "
             "three fields), all counted in tests/test_command_cost.py. In process a vote costs "
             "about what a bare `save()` does (both wait for the commit's fsync). Over HTTP the "
             "8 clients vote on one proposal, whose votes take turns, in one worker whose "
             "threads share one GIL with the projection runner: sampled with `py-spy --gil` "
             "during the 8-client run, about 40% of the worker's CPU was the requests (HTTP "
             "parsing, authentication, the command), 43% the runner folding each vote into the "
             "read models (encoding the group's state and figures as JSON at every page is its "
             "largest part) and the rest gunicorn's loop; a vote costs the worker about 3 times "
             "the bare endpoint's CPU. The runner's work per vote is what is left to cut. On "
             "PostgreSQL the two workers' votes on that one proposal take turns through an "
             "advisory lock (docs/operations.md): no vote conflicts or waits out a retry's "
             "pause, but every vote of that proposal waits for the one before it in either "
             "process, and each holds the lock for the lock's own two round trips, the "
             "proposal's fast-forward read and the insert. In process the lock and the read "
             "are what a vote costs beyond a bare `save()`. Profile:\n\n```\n" + VOTE_PROFILE + "\n```",
    "longest history": "Replays, statements and copies per vote are the same at 10 and at 400 "
                       "votes of history (counted in tests/test_command_cost.py): no cached "
                       "aggregate is copied to be read, and the one a vote copies (its "
                       "proposal) does not grow with votes here. What is left to grow is the "
                       "stores' indexes (logarithmically); the timings swing more than that "
                       "between runs on this shared disk.",
    "record page": "Statements (18), rows and connections opened (none) per page are the "
                   "same at any history (counted in tests/test_command_cost.py and "
                   "tests/test_record_paging.py, which also checks that no statement of a page "
                   "sorts its matches first: ordered by seq, a page early in a long history "
                   "used to read every later entry). What a page costs is its size: about "
                   "4,200 JSON nodes walked once for the texts and names it cites, 100 entries "
                   "decoded, a 64 kB answer encoded; the p99 on top of that is the machine's "
                   "load.",
    "rebuild": "The baseline only reads and decodes (about 11 µs an event on a quiet machine); "
               "a rebuild also, per event, hashes it into the ledger (SHA-256 over its "
               "canonical leaf bytes, the Merkle frontier and the hash chain: about 14 µs "
               "measured alone), folds it into the group's state, power figures and principle "
               "evidence, encodes its record row as JSON and inserts about three rows (the "
               "record entry, the ledger leaf and its completed subtrees): about 110 µs an "
               "event in all, flat from 100,000 to 1,000,000 events (see the profile under "
               "section 4). The earlier 0.38 was measured at a load average of 21, which "
               "slowed the baseline more than the rebuild. Reaching 0.33 needs the fold and "
               "its rows about three times cheaper, e.g. by not encoding every record row "
               "separately and batching the ledger's subtrees; not attempted yet.",
    "fan-out": "Reciproca's time includes the vote itself (the command, its commit, the fold) "
               "before any socket is written; the bare broadcast only hands a message over. "
               "The hub frames each message once and writes every up-to-date socket itself, "
               "without waiting (a socket with something queued gets it from its own sender "
               "thread); the bare broadcast wakes a thread per socket.",
    "cross-process": "From the event's time to B's client: A's command commits and the store "
                     "NOTIFYs A's runner; A reads the new event, folds it and commits the page "
                     "(a few round trips, pipelined) with a NOTIFY; B's runner reads the new "
                     "entries (two queries) and hands them to its hub; B's socket thread sends. "
                     "Each step waits for a thread or a PostgreSQL backend to be scheduled on "
                     "2 shared cores: the bare LISTEN/NOTIFY's p99 beside it is the floor of one "
                     "such hop, and this path has about six.",
    "memory": "Each socket's thread reserves its stack; the runner keeps every group's state.",
}


def _target(measure: str, value: float, target: float, text: str, *, at_most=False) -> None:
    """Record a measure against its target: met, or missed by how much (as a factor)."""
    met = value <= target if at_most else value >= target
    factor = (value / target) if at_most else (target / value if value else float("inf"))
    verdict = "met" if met else f"missed: {factor:.1f}× from the target"
    if not met:
        MISSED.append(measure)
    TARGETS.append(f"| {measure} | {text} | {'≤' if at_most else '≥'} {target:g} | {verdict} |")


def _ms(seconds: float) -> str:
    return f"{1000 * seconds:.1f} ms"


def _votes_in_process() -> list[str]:
    rows = []
    for database in ("sqlite", "postgres"):
        found = votes.in_process(database)
        low, high = found["ratio_range"]
        rows.append(f"| {database} | {found['ours']:.0f}/s | {found['bare']:.0f}/s | "
                    f"{found['ratio']:.2f} ({low:.2f}–{high:.2f}) | ≥ 0.70 |")
        _target(f"votes in process, {database} (ratio)", found["ratio"], 0.7,
                f"{found['ratio']:.2f}")
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
                    f"{bare['p99_ms']:.0f} ms | {found['ratio']:.2f} | ≥ 0.50, p99 ≤ 50 ms | "
                    f"{ours['conflicts']} of {ours['requests']} |")
        _target(f"votes over HTTP, {database} (ratio)", found["ratio"], 0.5,
                f"{found['ratio']:.2f}")
        _target(f"votes over HTTP, {database} (p99 ms)", ours["p99_ms"], 50,
                f"{ours['p99_ms']:.0f}", at_most=True)
    return ["## 1b. Votes over HTTP, against a bare Flask + library endpoint", "",
            f"{http_votes.CLIENTS} clients with kept-alive connections for "
            f"{http_votes.SECONDS} s each, against `reciproca serve` and against gunicorn "
            "serving a Flask endpoint that does one bare `save()`.", "",
            "| store | Reciproca | bare | ratio | target | votes answered 409 |",
            "|---|---|---|---|---|---|", *rows]


def _history() -> list[str]:
    cost = votes.history_cost()
    base = cost[min(cost)]
    rows = [f"| {history:,} | {_ms(seconds)} | {seconds / base:.2f} |"
            for history, seconds in sorted(cost.items())]
    _target("vote at the longest history / at 100", cost[max(cost)] / base, 1.5,
            f"{cost[max(cost)] / base:.2f}", at_most=True)
    return ["## 2. A vote's cost as the group's history grows", "",
            "SQLite; 200 votes timed on a proposal whose store already holds the given number "
            "of events. Target: at 10,000 events within 1.5× the cost at 100.", "",
            "| events before | per vote | × cost at 100 |", "|---|---|---|", *rows]


def _fanout() -> list[str]:
    found = fanout.fanout()
    rows = []
    for count, r in sorted(found.items()):
        ours, bare = r["ours"], r["bare"]
        rows.append(f"| {count:,} | p50 {ours['p50_ms']:.0f} ms, p99 {ours['p99_ms']:.0f} ms | "
                    f"p50 {bare['p50_ms']:.0f} ms, p99 {bare['p99_ms']:.0f} ms | "
                    f"{ours['p99_ms'] / bare['p99_ms']:.1f} |")
    top = found[max(found)]
    _target(f"fan-out p99 at {max(found):,} sockets (ms)", top["ours"]["p99_ms"], 100,
            f"{top['ours']['p99_ms']:.0f}", at_most=True)
    _target(f"fan-out p99 at {max(found):,} sockets / bare", top["ours"]["p99_ms"]
            / top["bare"]["p99_ms"], 1.5,
            f"{top['ours']['p99_ms'] / top['bare']['p99_ms']:.1f}", at_most=True)
    return ["## 3. Live fan-out to the websocket clients of one group", "",
            f"SQLite, `reciproca serve` (gthread, one worker, a thread per socket); "
            f"{fanout.ROUNDS} rounds: a vote POSTed over HTTP until every client has its event "
            "(the clients read by one thread of the benchmark, each message timed as it arrives). "
            "Bare: flask-sock under the same gunicorn "
            "worker, a POST handing one message to every socket's sender. Reciproca's time "
            "includes the vote itself (the command, its commit, the runner's fold).", "",
            "| sockets | Reciproca | bare broadcast | p99 ratio |", "|---|---|---|---|", *rows]


def _workers() -> list[str]:
    found = fanout.workers()
    count = max(fanout.SOCKETS)
    rows = [f"| {worker} | " + (f"not measured: {r['error']} | | |" if "error" in r else
                                f"{r['p50_ms']:.0f} ms | {r['p99_ms']:.0f} ms | "
                                f"{r['peak_mib']:.0f} MiB |")
            for worker, r in found.items()]
    return ["## 3b. gunicorn's worker classes at the largest fan-out", "",
            f"The fan-out of section 3 at {count:,} sockets, with the app served by each worker "
            "class (gthread is `reciproca serve`; the others run gunicorn with the same app), "
            "and the peak resident set (VmHWM) of gunicorn's master and worker at the end. "
            "Why `reciproca serve` keeps gthread: docs/deploy.md.", "",
            "| worker | p50 | p99 | peak memory |", "|---|---|---|---|", *rows]


def _push() -> list[str]:
    found = push.push()
    ours, bare = found["ours"], found["bare"]
    after = ours["event_to_b"]
    _target("cross-process push p99, event → other server's client (ms)", after["p99_ms"], 20,
            f"{after['p99_ms']:.1f}", at_most=True)
    rows = [(f"vote sent to A → B's client has it (the vote's own cost included)",
             ours["sent_to_b"]),
            ("vote sent to A → A's answer", ours["answered"]),
            ("event's time → A's client has it (A folds)", ours["event_to_a"]),
            ("**event's time → B's client has it (B follows; the target)**", after),
            ("bare: NOTIFY → LISTEN has it", bare)]
    return ["## 5. Cross-process push on PostgreSQL", "",
            f"Two `reciproca serve` processes on one database; A holds the runner's lock (it "
            f"folds), B follows. {push.ROUNDS} votes POSTed to A one after another, each until "
            "websocket clients of A and of B have its event. An event's time is set by the "
            "domain as the command makes it, just before its insert and commit, so the times "
            "from it are the push after the command: the target (p99 ≤ 20 ms) is compared "
            "with the one to B's client, beside the bare LISTEN/NOTIFY of the same database. "
            "The time from the POST includes the vote itself (section 1b).", "",
            "| measure | p50 | p99 |", "|---|---|---|",
            *[f"| {name} | {r['p50_ms']:.1f} ms | {r['p99_ms']:.1f} ms |" for name, r in rows]]


def _memory() -> list[str]:
    found = memory.memory()
    _target(f"server peak memory, {found['events']:,} events and {found['sockets']:,} sockets "
            "(MiB)", found["peak_mib"], 500, f"{found['peak_mib']:.0f}", at_most=True)
    return ["## 6. The server's peak memory", "",
            f"SQLite; `reciproca serve` folds a store of {found['events']:,} events at start, "
            f"then holds {found['sockets']:,} websocket clients of one group: peak resident set "
            "(VmHWM) of gunicorn's master and worker, summed. Target ≤ 500 MB.", "",
            f"Peak: {found['peak_mib']:.0f} MiB."]


def _rebuild() -> list[str]:
    found = rebuild.rebuild()
    rows = [f"| {size:,} | {r['rebuild_s']:.1f} s ({r['events_per_s']:,.0f} events/s) | "
            f"{r['raw_s']:.1f} s | {r['ratio']:.2f} |" for size, r in sorted(found.items())]
    for size, r in sorted(found.items()):
        _target(f"rebuild of {size:,} events (ratio)", r["ratio"], 0.33, f"{r['ratio']:.2f}")
    lines = ["## 4. Rebuild, against reading and decoding the same log", "",
             "SQLite; decided proposals of 100 votes in a group of 30, read in pages of "
             f"{rebuild.REBUILD_PAGE:,} by both. Target ratio ≥ 0.33.", "",
             "| events | `rebuild` | raw read + decode | ratio |", "|---|---|---|---|", *rows]
    if min(r["ratio"] for r in found.values()) < 0.33:
        lines += ["", "Where a rebuild's time goes (cProfile, 20,000 events, top functions by "
                  "own time): decoding is the baseline's share; the rest is folding each event "
                  "and encoding its record row as JSON.", "", "```",
                  rebuild.profile(), "```"]
    return lines


def _reads() -> list[str]:
    found = reads.reads()
    rows = [f"| {events:,} | p50 {r['record']['p50_ms']:.1f} ms, p99 "
            f"{r['record']['p99_ms']:.1f} ms | p50 {r['power_balance']['p50_ms']:.1f} ms, p99 "
            f"{r['power_balance']['p99_ms']:.1f} ms |" for events, r in sorted(found.items())]
    for events, r in sorted(found.items()):
        _target(f"record page p99 at {events:,} events (ms)", r["record"]["p99_ms"], 20,
                f"{r['record']['p99_ms']:.1f}", at_most=True)
    return ["## 7. Reads as the history grows", "",
            f"SQLite; one client, {reads.REQUESTS} requests each over HTTP to `reciproca serve`: "
            "`GET …/record?limit=100` at positions spread over the whole history, and "
            "`GET …/power-balance`. Target: a record page's p99 ≤ 20 ms at any history length.",
            "", "| events | record page | power balance |", "|---|---|---|", *rows]


SERVING = [
    "## Why `reciproca serve` uses gunicorn's gthread worker", "",
    "Each open websocket holds one thread of a gthread worker (`--threads`, 128 by default). "
    "gevent, measured beside it in section 3b when that section runs, holds them as greenlets "
    "of one thread; the decision and its numbers are in docs/deploy.md. To hold more sockets, "
    "add threads or workers (PostgreSQL) behind the proxy.", ""]


def _why() -> list[str]:
    """Why each missed target was missed, once per kind of measure."""
    reasons = [f"- **{key}**: {text}" for key, text in WHY.items()
               if any(key in measure for measure in MISSED)]
    return ["### Why the missed targets are missed", "", *reasons, ""] if reasons else []


SECTIONS = {"votes": _votes_in_process, "http": _votes_over_http, "history": _history,
            "fanout": _fanout, "workers": _workers, "push": _push, "memory": _memory,
            "rebuild": _rebuild, "reads": _reads}


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
             f"{', '.join(chosen)}", f"- Machine: {machine()}",
             "- Load average (1, 5, 15 min) at the start: "
             f"{', '.join(f'{n:.1f}' for n in os.getloadavg())}; sizes: "
             + (", ".join(f"{k}={v}" for k, v in sorted(os.environ.items())
                          if k.startswith("BENCH_")) or "the defaults"), ""]
    sections = []
    for name in chosen:
        started = time.monotonic()
        print(f"bench: {name}…", file=sys.stderr, flush=True)
        try:
            sections += SECTIONS[name]() + [""]
        except Exception as error:  # noqa: BLE001 - one failed benchmark must not lose the rest
            sections += [f"## {name}: not measured in this run", "",
                         f"It failed: `{type(error).__name__}: {error}`.", ""]
        print(f"bench: {name} took {time.monotonic() - started:.0f} s", file=sys.stderr)
    lines += ["## Targets", "", "| measure | this run | target | |", "|---|---|---|---|",
              *TARGETS, "", *_why(), *sections, *SERVING]
    PAGE.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {PAGE}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
