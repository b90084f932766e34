"""Reading the ledger the runner folded, and keeping its signed checkpoints.

Proofs are assembled from the stored complete subtrees (O(log n) rows each), never by hashing
the log again; `reciproca verify` does that instead (projections/verify.py).
"""

import base64
import json
import time
from collections.abc import Callable, Iterator

from domain.errors import InvalidValue, NotFound
from projections import checkpoints, ledger, merkle
from projections.store import ViewTables
from projections.verify import Report, check_log

PAGE = 1000


class LedgerStore:
    def __init__(self, views: ViewTables):
        self.views = views

    # The tree -------------------------------------------------------------------------------

    def state(self) -> dict:
        rows = self.views.select("SELECT state FROM ledger_state WHERE name = 'ledger'")
        return json.loads(rows[0]["state"]) if rows else ledger.new_ledger()

    def node(self, level: int, index: int) -> bytes:
        if level == 0:
            rows = self.views.select("SELECT leaf AS hash FROM ledger_leaves "
                                     "WHERE leaf_index = :index", index=index)
        else:
            rows = self.views.select("SELECT hash FROM ledger_nodes WHERE level = :level "
                                     "AND node_index = :index", level=level, index=index)
        if not rows:
            raise LookupError(f"the ledger has no node ({level}, {index})")
        return bytes.fromhex(rows[0]["hash"])

    def root(self, size: int) -> bytes:
        return merkle.range_root(self.node, 0, size)

    def leaf_at(self, position: int) -> dict:
        rows = self.views.select("SELECT leaf_index, position, leaf FROM ledger_leaves "
                                 "WHERE position = :position", position=position)
        if not rows:
            raise NotFound(f"no event at position {position} is in the ledger yet", "position")
        return rows[0]

    def leaves(self) -> Iterator[dict]:
        """Every leaf in index order, read a page at a time."""
        start = 0
        while True:
            rows = self.views.select(
                "SELECT leaf_index, position, leaf, chain FROM ledger_leaves "
                "WHERE leaf_index >= :start ORDER BY leaf_index LIMIT :limit",
                start=start, limit=PAGE)
            for row in rows:
                yield {"index": row["leaf_index"], "position": row["position"],
                       "leaf": bytes.fromhex(row["leaf"]), "chain": bytes.fromhex(row["chain"])}
            if len(rows) < PAGE:
                return
            start = rows[-1]["leaf_index"] + 1

    def leaf_hashes(self, positions: list[int]) -> dict[int, str]:
        """The leaf hash (hex) of each of these positions that the ledger holds."""
        found = {}
        for start in range(0, len(positions), PAGE):
            chunk = positions[start:start + PAGE]
            marks = ", ".join(f":p{i}" for i in range(len(chunk)))
            found.update({row["position"]: row["leaf"] for row in self.views.select(
                f"SELECT position, leaf FROM ledger_leaves WHERE position IN ({marks})",
                **{f"p{i}": p for i, p in enumerate(chunk)})})
        return found

    # Proofs ---------------------------------------------------------------------------------

    def inclusion(self, event, size: int | None = None) -> dict:
        """The proof that the stored `event` (a notification) is in the tree of `size` leaves
        (by default the latest checkpoint's, else the whole ledger), with the event as stored,
        for the auditor to compute its leaf."""
        position = event.id
        leaf = self.leaf_at(position)
        size = self._size(size)
        if leaf["leaf_index"] >= size:
            raise InvalidValue(f"the event at position {position} is leaf "
                               f"{leaf['leaf_index']}, after the first {size}", "size")
        proof = merkle.inclusion_proof(self.node, leaf["leaf_index"], size)
        return {"position": position, "leaf_index": leaf["leaf_index"], "size": size,
                "leaf_hash": leaf["leaf"], "root": self.root(size).hex(),
                "proof": [p.hex() for p in proof], "event": {
                    "position": position, "aggregate_id": str(event.originator_id),
                    "version": event.originator_version, "topic": event.topic,
                    "state": base64.b64encode(event.state).decode()}}

    def consistency(self, first: int, second: int | None = None) -> dict:
        second = self._size(second)
        if not 0 <= first <= second:
            raise InvalidValue(f"first must be between 0 and {second}", "first")
        proof = merkle.consistency_proof(self.node, first, second)
        return {"first": first, "second": second, "first_root": self.root(first).hex(),
                "second_root": self.root(second).hex(), "proof": [p.hex() for p in proof]}

    def _size(self, size: int | None) -> int:
        current = self.state()["size"]
        if size is None:
            latest = self.checkpoints()[-1:] or [{"size": current}]
            return latest[0]["size"]
        if not 0 < size <= current:
            raise InvalidValue(f"size must be between 1 and the ledger's size, {current}",
                               "size")
        return size

    # Checkpoints ----------------------------------------------------------------------------

    def checkpoint(self, key) -> dict:
        """Sign the ledger as it is now; an unchanged ledger keeps its latest checkpoint."""
        state = self.state()
        kid = checkpoints.key_id(checkpoints.public_bytes(key))
        stored = self._checkpoint(state["size"], kid)
        if stored:
            return stored
        document = checkpoints.sign(key, state["size"], ledger.root(state))
        self.views.execute(
            "INSERT INTO ledger_checkpoints (size, key_id, time, document) "
            "VALUES (:size, :kid, :time, :document) ON CONFLICT (size, key_id) DO NOTHING",
            size=document["size"], kid=kid, time=document["time"],
            document=json.dumps(document))
        return self._checkpoint(state["size"], kid)  # ours, or one signed meanwhile

    def _checkpoint(self, size: int, kid: str) -> dict | None:
        rows = self.views.select("SELECT document FROM ledger_checkpoints WHERE size = :size "
                                 "AND key_id = :kid", size=size, kid=kid)
        return json.loads(rows[0]["document"]) if rows else None

    def checkpoints(self) -> list[dict]:
        """Every signed checkpoint, oldest first."""
        return [json.loads(row["document"]) for row in self.views.select(
            "SELECT document FROM ledger_checkpoints ORDER BY size, time")]

    # Checking -------------------------------------------------------------------------------

    def verify(self, events, public: bytes | None, extra: list[dict] = ()) -> Report:
        """Check the stored events against this ledger and every checkpoint (and `extra`
        checkpoints, e.g. one an auditor kept)."""
        return check_log(events, self.leaves(), self.state(), self.checkpoints() + list(extra),
                         public)


class PeriodicCheckpoint:
    """A runner duty (run by the one process that folds): sign the ledger when it has grown
    since the last checkpoint, at most once every `every` seconds."""

    def __init__(self, ledger: LedgerStore, key, every: float,
                 clock: Callable[[], float] = time.monotonic):
        self.ledger, self.key, self.every, self.clock = ledger, key, every, clock
        self.due, self.signed = clock(), None

    def __call__(self) -> None:
        if self.clock() < self.due:
            return
        if self.signed is None:
            self.signed = max((c["size"] for c in self.ledger.checkpoints()), default=0)
        if self.ledger.state()["size"] > self.signed:
            self.signed = self.ledger.checkpoint(self.key)["size"]
            self.due = self.clock() + self.every


def stored_events(recorder) -> Iterator:
    """Every stored event in log order, read a page at a time."""
    start = 1
    while True:
        page = recorder.select_notifications(start=start, limit=PAGE)
        yield from page
        if len(page) < PAGE:
            return
        start = page[-1].id + 1


def stored_event(recorder, position: int):
    """The event stored at `position`, as the recorder returns it."""
    page = recorder.select_notifications(start=position, limit=1) if position > 0 else []
    if not page or page[0].id != position:
        raise NotFound(f"no event is stored at position {position}", "position")
    return page[0]
