"""The projection runner: feeds the log, in order, to the composite fold, a page at a time.

Each page's view changes and its tracking position are committed in one transaction (exactly
once across crashes and restarts), and only if the page starts where the stored position ends.
Exactly one runner folds across every process: the one holding the views' `RunnerLock` (see
`projections.coordination`). `start()` runs a background thread that, in each process:

- while holding the lock, folds what is new (woken in-process by this application's saves and,
  on PostgreSQL, by the event store's NOTIFY from any process; a bounded periodic check
  otherwise), then runs each of `duties` in turn;
- otherwise follows: learns the views' position (PostgreSQL: LISTEN for the NOTIFY each page
  sends, with a bounded fallback poll; SQLite: a poll), tells its listeners the record entries
  between the old and new position, and retries the lock now and then, so it takes over when
  the holder dies.

`duties` are periodic jobs that must run in exactly one process (closing proposals at their
deadline, ledger checkpoints): callables without arguments, called by the holder only, after a
tick and at most once every `interval` (so a busy log does not query for them after each
page), each error logged and never fatal to the runner. Register them before `start()`.

Queries can `wait_for` a position (read-your-writes); waiters are woken whenever the position
changes, including when it goes back (a reset or rebuild). Listeners hear of each group's new
entries, on the holder and on followers alike: `listener(group_id, entries, changed)`.
"""

import copy
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from contextlib import contextmanager

from domain.application import Reciproca
from projections.coordination import RunnerBusy
from projections.events import event_view
from projections.figures import figures_of
from projections.fold import fold_event, new_group_state
from projections.ledger import fold_ledger, new_ledger
from projections.membership import MEMBERSHIP_EVENTS, PEOPLE_EVENTS
from projections.record import fold_proposal
from projections.store import PageOutOfOrder, PageWrites, ViewTables

log = logging.getLogger("reciproca.runner")

PAGE_SIZE = 500
REBUILD_PAGE = 5000  # a rebuild has no one waiting on each page: fewer, larger commits
FOLLOW_PAGE = 1000  # entries read per step by a follower
SNAPSHOT_EVERY = 50  # a group's state is kept every N of its events, for time travel
PROPOSAL_EVENTS = ("Tabled", "Amended", "Commented", "VoteCast", "Closed", "Withdrawn")
LOCK_RETRY_SECONDS = 2.0
KEPT_PROPOSALS = 256  # proposal views kept in memory between pages

Listener = Callable[[str, list[dict], set[str]], None]


class LedgerBehind(Exception):
    """The views were folded before the ledger existed: only a rebuild can give it every event."""


class Runner:
    def __init__(self, app: Reciproca, views: ViewTables, *, page_size: int = PAGE_SIZE):
        self.app, self.views, self.page_size = app, views, page_size
        self.position = views.position()
        self.listeners: list[Listener] = []
        self.duties: list[Callable[[], None]] = []
        self.lock = views.runner_lock(getattr(app.recorder, "channel_name", None))
        self._states: dict[str, dict] = {}
        self._proposals: OrderedDict[str, dict] = OrderedDict()  # the last ones folded
        self._ledger: dict | None = None
        self._advanced = threading.Condition()
        self._stop = threading.Event()
        self._lock = threading.RLock()
        self._thread: threading.Thread | None = None
        app.save_listeners.append(self._on_save)

    @property
    def holding(self) -> bool:
        """Whether this runner holds the lock (and so is the one that folds)."""
        return self.lock.held

    # Folding on demand (tests, the command line) ------------------------------------------

    def catch_up(self, progress: Callable[[int], None] | None = None,
                 page_size: int | None = None) -> int:
        """Fold every page not folded yet; returns the position reached. Raises `RunnerBusy`
        when another process holds the lock."""
        with self._holding():
            while self.process_page(page_size):
                if progress:
                    progress(self.position)
            return self.position

    def rebuild(self, progress: Callable[[int], None] | None = None) -> int:
        """Empty the views and fold the whole log again from its first event."""
        with self._holding():
            self.views.clear()
            self._forget()
            self._set_position(0)
            return self.catch_up(progress, max(self.page_size, REBUILD_PAGE))

    def process_page(self, page_size: int | None = None) -> bool:
        """Fold and commit the next page; False when there was nothing new."""
        with self._holding():
            after = self.position
            page = self.app.recorder.select_notifications(start=after + 1,
                                                          limit=page_size or self.page_size)
            if not page:
                return False
            writes, entries = PageWrites(), {}
            try:
                for notification in page:
                    self._fold_ledger(notification, writes)
                    event = event_view(self.app.mapper.to_domain_event(notification),
                                       notification.id)
                    self._fold(event, writes, entries)
                for group_id, (state, _) in writes.groups.items():
                    writes.figures[group_id] = figures_of(state)
                self.views.write_page(writes, page[-1].id, after=after)
            except BaseException:
                # Folded but perhaps not committed (or committed with an error reported, or
                # refused as out of order): start again from what the views say they hold.
                self._forget()
                self._set_position(self.views.position())
                raise
            self.position = page[-1].id
        self._tell(entries)  # listeners first: whoever waited for this position may rely on it
        self._set_position(page[-1].id)
        return True

    @contextmanager
    def _holding(self):
        """Hold the lock for this block: the background thread keeps it once taken; an
        on-demand call takes it for the call only, or raises `RunnerBusy`."""
        with self._lock:
            taken = not self.lock.held
            if taken and not self._take_lock():
                raise RunnerBusy(self.lock.holder())
            try:
                yield
            finally:
                if taken and self._thread is None:
                    self.lock.release()

    def _take_lock(self) -> bool:
        """Take the lock; on success start from what the views hold, after telling listeners
        what the previous holder folded since this runner last looked (no entry is skipped)."""
        if not self.lock.acquire():
            return False
        try:
            self.follow()
        except BaseException:
            self.lock.release()
            raise
        self._forget()
        return True

    # Following in the background ------------------------------------------------------------

    def start(self, interval: float = 1.0, poll: float = 0.5) -> None:
        """Fold (holding the lock) or follow (not holding it) until `stop()`. `interval`: the
        holder's periodic check for writes nobody announced; `poll`: a follower's."""
        self._thread = threading.Thread(target=self._run, args=(interval, poll),
                                        name="reciproca-runner", daemon=True)
        self._thread.start()

    def _run(self, interval: float, poll: float) -> None:
        retry_at = duties_at = 0.0
        while not self._stop.is_set():
            holding = False
            try:
                with self._lock:
                    if not self.lock.held and time.monotonic() >= retry_at:
                        retry_at = time.monotonic() + LOCK_RETRY_SECONDS
                        self._take_lock()
                    holding = self.lock.held
                if holding:
                    self.catch_up()
                    if time.monotonic() >= duties_at:
                        duties_at = time.monotonic() + interval
                        self._run_duties()
                else:
                    self.follow()
                if not self._stop.is_set():
                    self.lock.wait(interval if holding else poll)
            except PageOutOfOrder:
                log.warning("another runner folded meanwhile; continuing from the views")
            except Exception:  # noqa: BLE001 - keep following; the page is retried
                log.exception("the projection runner failed; retrying")
                self._stop.wait(interval)

    def _run_duties(self) -> None:
        for duty in list(self.duties):
            try:
                duty()
            except Exception:  # noqa: BLE001 - one failing duty must not stop the others
                log.exception("the runner's duty %r failed", duty)

    def follow(self) -> int:
        """Learn the views' position without folding; tell listeners the new entries."""
        stored = self.views.position()
        if stored < self.position:  # the views were rebuilt or reset meanwhile
            self._set_position(stored)
        while self.position < stored:
            after = self.position
            found = self.views.entries_between(after, stored, FOLLOW_PAGE)
            upto = found[-1]["position"] if len(found) == FOLLOW_PAGE else stored
            changes = self.views.figure_changes_between(after, upto) if found else {}
            entries: dict[str, list] = {}
            for entry in found:
                changed = {"record"} | changes.get(entry["group_id"], set())
                if entry["type"] == "ReflectionRecorded":
                    changed |= {"principles", "level"}
                entries.setdefault(entry["group_id"], []).append((entry, changed))
            self._tell(entries)
            self._set_position(upto)
        return self.position

    def stop(self) -> None:
        if self._on_save in self.app.save_listeners:
            self.app.save_listeners.remove(self._on_save)
        self._stop.set()
        if self._thread:
            self.lock.interrupt()
            self._thread.join()
        self.lock.close()

    def _on_save(self, position: int) -> None:
        if self.lock.held:
            self.lock.wake()

    def _set_position(self, position: int) -> None:
        with self._advanced:
            self.position = position
            self._advanced.notify_all()

    def wait_for(self, position: int, timeout: float) -> bool:
        """Whether the views include `position` within `timeout` seconds."""
        with self._advanced:
            return self._advanced.wait_for(lambda: self.position >= position, timeout)

    # Folding ----------------------------------------------------------------------------

    def _fold(self, event: dict, writes: PageWrites, entries: dict) -> None:
        group_id = event["group_id"]
        state = self._state(group_id)
        folded = fold_event(state, event)
        entry = folded.entry
        writes.rows["record"].append({
            "group_id": group_id, "seq": entry["seq"], "position": entry["position"],
            "aggregate_id": entry["aggregate_id"], "entry": json.dumps(entry)})
        writes.rows["trace"] += [{"group_id": group_id, "figure": figure, "category": category,
                                  "position": position, "counted_at": counted_at}
                                 for figure, category, position, counted_at in folded.traces]
        writes.rows["evidence"] += [{"group_id": group_id, "principle": item["principle"],
                                     "position": item["position"], "item": json.dumps(item)}
                                    for item in folded.evidence]
        if folded.series:
            writes.rows["series"].append({"group_id": group_id, "position": entry["position"],
                                          "point": json.dumps(folded.series)})
        if state["seq"] % SNAPSHOT_EVERY == 0:
            writes.rows["snapshots"].append({"group_id": group_id, "position": entry["position"],
                                             "state": json.dumps(state)})
        writes.groups[group_id] = (state, entry["position"])
        if entry["type"] in PEOPLE_EVENTS:
            writes.people.add(group_id)
        if entry["type"] in PROPOSAL_EVENTS:
            proposal_id = entry["aggregate_id"]
            previous = None if entry["type"] == "Tabled" else (
                writes.proposals.get(proposal_id) or self._proposal(proposal_id))
            writes.proposals[proposal_id] = fold_proposal(previous, entry)
            self._keep(proposal_id, writes.proposals[proposal_id])
        entries.setdefault(group_id, []).append(
            (entry, _changed(entry, folded)))

    def _fold_ledger(self, notification, writes: PageWrites) -> None:
        if self._ledger is None:
            rows = self.views.select("SELECT state FROM ledger_state WHERE name = 'ledger'")
            if not rows and self.position > 0:
                raise LedgerBehind(f"the read models stand at position {self.position} but the "
                                   "ledger is empty (an upgrade added it): run `reciproca "
                                   "rebuild` once, with the servers stopped")
            self._ledger = json.loads(rows[0]["state"]) if rows else new_ledger()
        entry = fold_ledger(self._ledger, notification)
        writes.ledger_rows["ledger_leaves"].append({"leaf_index": entry.index, "position": entry.position,
                                             "leaf": entry.leaf.hex(), "chain": entry.chain.hex()})
        writes.ledger_rows["ledger_nodes"] += [{"level": level, "node_index": index, "hash": value.hex()}
                                        for level, index, value in entry.nodes]
        writes.ledger = self._ledger

    def _state(self, group_id: str) -> dict:
        if group_id not in self._states:
            rows = self.views.select("SELECT state FROM view_groups WHERE group_id = :group_id",
                                     group_id=group_id)
            self._states[group_id] = json.loads(rows[0]["state"]) if rows else new_group_state()
        return self._states[group_id]

    def _proposal(self, proposal_id: str) -> dict | None:
        """The proposal's view as folded so far: kept in memory for the last proposals folded
        (a vote's page then reads nothing), else read from the views."""
        if proposal_id in self._proposals:
            return self._proposals[proposal_id]
        rows = self.views.select(
            "SELECT state FROM view_proposals WHERE proposal_id = :proposal_id",
            proposal_id=proposal_id)
        return json.loads(rows[0]["state"]) if rows else None

    def _keep(self, proposal_id: str, view: dict) -> None:
        self._proposals[proposal_id] = view
        self._proposals.move_to_end(proposal_id)
        if len(self._proposals) > KEPT_PROPOSALS:
            self._proposals.popitem(last=False)

    def _forget(self) -> None:
        """Drop what is kept in memory (folded but perhaps not committed, or stale once another
        runner folded): it is read again from the views."""
        self._states.clear()
        self._proposals.clear()
        self._ledger = None

    def _tell(self, entries: dict) -> None:
        for group_id, folded in entries.items():
            changed = set().union(*(names for _, names in folded))
            for listener in list(self.listeners):
                listener(group_id, [copy.deepcopy(entry) for entry, _ in folded], changed)


def _changed(entry: dict, folded) -> set[str]:
    """Which read models this event changed, for listeners deciding what to refresh."""
    changed = {"record"}
    if entry["type"] in MEMBERSHIP_EVENTS:
        changed |= {"power_balance", "principles", "level"}
    if folded.traces or folded.series:
        changed |= {"power_balance", "level"}
    if folded.evidence or entry["type"] == "ReflectionRecorded":
        changed |= {"principles", "level"}
    return changed
