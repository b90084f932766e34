"""The projection runner: feeds the log, in order, to the composite fold, a page at a time.

Each page's view changes and its tracking position are committed in one transaction (exactly
once across crashes and restarts); on start the runner continues from that position. It runs on
the web process's own Application instance and is woken in-process when that instance saves, so
it does not poll; a slow periodic check still picks up writes by other processes. Queries can
`wait_for` a position (read-your-writes), and listeners hear of each group's new entries.
"""

import copy
import json
import logging
import threading
from collections.abc import Callable

from domain.application import Reciproca
from projections.events import event_view
from projections.fold import fold_event, new_group_state
from projections.record import fold_proposal
from projections.store import PageWrites, ViewTables

log = logging.getLogger("reciproca.runner")

PAGE_SIZE = 500
SNAPSHOT_EVERY = 50  # a group's state is kept every N of its events, for time travel
PROPOSAL_EVENTS = ("Tabled", "Amended", "VoteCast", "Closed", "Withdrawn")

Listener = Callable[[str, list[dict], set[str]], None]


class Runner:
    def __init__(self, app: Reciproca, views: ViewTables, *, page_size: int = PAGE_SIZE):
        self.app, self.views, self.page_size = app, views, page_size
        self.position = views.position()
        self.listeners: list[Listener] = []
        self._states: dict[str, dict] = {}
        self._advanced = threading.Condition()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        app.save_listeners.append(self._on_save)

    # Running ----------------------------------------------------------------------------

    def catch_up(self, progress: Callable[[int], None] | None = None) -> int:
        """Fold every page not folded yet; returns the position reached."""
        while self.process_page():
            if progress:
                progress(self.position)
        return self.position

    def rebuild(self, progress: Callable[[int], None] | None = None) -> int:
        """Empty the views and fold the whole log again from its first event."""
        with self._lock:
            self.views.clear()
            self._states.clear()
            self.position = 0
        return self.catch_up(progress)

    def process_page(self) -> bool:
        """Fold and commit the next page; False when there was nothing new."""
        with self._lock:
            page = self.app.recorder.select_notifications(start=self.position + 1,
                                                          limit=self.page_size)
            if not page:
                return False
            writes, entries = PageWrites(), {}
            try:
                for notification in page:
                    event = event_view(self.app.mapper.to_domain_event(notification),
                                       notification.id)
                    self._fold(event, writes, entries)
                self.views.write_page(writes, page[-1].id)
            except BaseException:
                # Folded but perhaps not committed (or committed with an error reported):
                # start again from what the views say they hold.
                self._states.clear()
                self.position = self.views.position()
                raise
            self.position = page[-1].id
        self._tell(entries)  # listeners first: whoever waited for this position may rely on it
        with self._advanced:
            self._advanced.notify_all()
        return True

    def start(self, interval: float = 1.0) -> None:
        """Follow the log in a background thread until `stop()`."""
        def follow():
            while not self._stop.is_set():
                try:
                    self.catch_up()
                except Exception:  # noqa: BLE001 - keep following; the page is retried
                    log.exception("the projection runner failed a page; retrying")
                    self._stop.wait(interval)
                self._wake.wait(interval)
                self._wake.clear()

        self._thread = threading.Thread(target=follow, name="reciproca-runner", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._on_save in self.app.save_listeners:
            self.app.save_listeners.remove(self._on_save)
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join()

    def _on_save(self, position: int) -> None:
        self._wake.set()

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
        if entry["type"] in PROPOSAL_EVENTS:
            proposal_id = entry["aggregate_id"]
            previous = writes.proposals.get(proposal_id) or self._proposal(proposal_id)
            writes.proposals[proposal_id] = fold_proposal(previous, entry)
        entries.setdefault(group_id, []).append(
            (entry, _changed(entry, folded)))

    def _state(self, group_id: str) -> dict:
        if group_id not in self._states:
            rows = self.views.select("SELECT state FROM view_groups WHERE group_id = :group_id",
                                     group_id=group_id)
            self._states[group_id] = json.loads(rows[0]["state"]) if rows else new_group_state()
        return self._states[group_id]

    def _proposal(self, proposal_id: str) -> dict | None:
        rows = self.views.select(
            "SELECT state FROM view_proposals WHERE proposal_id = :proposal_id",
            proposal_id=proposal_id)
        return json.loads(rows[0]["state"]) if rows else None

    def _tell(self, entries: dict) -> None:
        for group_id, folded in entries.items():
            changed = set().union(*(names for _, names in folded))
            for listener in list(self.listeners):
                listener(group_id, [copy.deepcopy(entry) for entry, _ in folded], changed)


def _changed(entry: dict, folded) -> set[str]:
    """Which read models this event changed, for listeners deciding what to refresh."""
    changed = {"record"}
    if folded.traces or folded.series:
        changed |= {"power_balance", "level"}
    if folded.evidence or entry["type"] == "ReflectionRecorded":
        changed |= {"principles", "level"}
    return changed
