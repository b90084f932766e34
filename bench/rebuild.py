"""`reciproca rebuild` against the raw read and decode of the same log.

The log is written in bulk (whole decided proposals per transaction, through the domain's own
aggregates, so every event is one the application could have written), then rebuilt.
Baseline: reading every stored event page by page and decoding it into a domain event, which
any fold must at least do.
"""

import itertools
import os
import uuid
from datetime import datetime, timezone

from bench.common import progress, scratch_sqlite, timed
from bench.votes import _group
from domain.proposal import Proposal
from projections.runner import REBUILD_PAGE
from webapp.storage import close, close_views, open_application, open_runner

VOTES_PER_PROPOSAL = 100
PROPOSALS_PER_SAVE = 10
SIZES = tuple(int(n) for n in os.environ.get("BENCH_REBUILD_SIZES",
                                             "100000,1000000").split(","))


def write_log(app, events: int, group: tuple[str, list[str]] | None = None,
              per_save: int = PROPOSALS_PER_SAVE, report=None) -> int:
    """At least `events` events in the log: decided proposals of 100 votes each in `group`
    (its id and voting members, the first a member who may close), else in a new group of 30.
    Built in memory and saved `per_save` proposals per transaction (a bulk insert of the
    events commands would record, not a command each); `report(events so far)` after each."""
    group_id, voters = group or _group(app, 30)
    template = app.proposal(app.table_proposal(group_id, actor=voters[0], title="Horario",
                                               body="De tarde", scope="delivery").id)
    title, body = template.versions[0]["title"], template.versions[0]["body"]
    group = app.group(group_id)
    positions = itertools.cycle(("for", "against", "for", "abstain", "block"))
    while (app.recorder.max_notification_id() or 0) < events:
        batch = []
        for _ in range(per_save):
            at = datetime.now(timezone.utc)
            proposal = Proposal.table(id=uuid.uuid4(), group=group, actor=voters[0],
                                      title=title, body=body, scope="delivery",
                                      kind="ordinary", rule=None, change=None, at=at)
            for n in range(VOTES_PER_PROPOSAL):
                voter = voters[n % len(voters)]
                proposal.cast_vote(group=group, actor=voter, voter=voter,
                                   position=next(positions), reason=None, request_id=None, at=at)
            decision = proposal.close(group=group, actor=voters[0], request_id=None, at=at)
            group.record_decision(actor=voters[0], proposal_id=str(proposal.id),
                                  decision=decision, kind="ordinary", change=None, at=at)
            batch.append(proposal)
        app.save(*batch, group)
        if report:
            report(app.recorder.max_notification_id())
    return app.recorder.max_notification_id()


def raw_read(app) -> int:
    decoded, start = 0, 1
    while page := app.recorder.select_notifications(start=start, limit=REBUILD_PAGE):
        for notification in page:
            app.mapper.to_domain_event(notification)
        decoded += len(page)
        start = page[-1].id + 1
    return decoded


def rebuild(sizes=SIZES) -> dict:
    found = {}
    for size in sizes:
        with scratch_sqlite() as url:
            app = open_application(url)
            try:
                total = write_log(app, size, report=progress("writing the log", size))
                raw = timed(lambda: raw_read(app))
                runner = open_runner(app, url)
                try:
                    ours = timed(lambda: runner.rebuild(progress("rebuild", total)))
                finally:
                    close_views(runner.views)
                found[size] = {"events": total, "rebuild_s": ours, "raw_s": raw,
                               "events_per_s": total / ours, "ratio": raw / ours}
            finally:
                close(app)
    return found


def profile(events: int = 20_000, top: int = 12) -> str:
    """Where a rebuild spends its time: cProfile's top functions by own time, as text."""
    import cProfile
    import io
    import pstats

    with scratch_sqlite() as url:
        app = open_application(url)
        try:
            write_log(app, events)
            runner = open_runner(app, url)
            try:
                profiler = cProfile.Profile()
                profiler.runcall(runner.rebuild)
            finally:
                close_views(runner.views)
        finally:
            close(app)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("tottime").print_stats(top)
    return out.getvalue().split("Ordered by: internal time", 1)[-1].strip()
