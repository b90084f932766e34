"""Checking the log against its ledger and its signed checkpoints, from the stored events alone.

Every leaf is recomputed from the stored bytes and compared, in order, with the ledger's; the
ledger's own chain and state are checked; every checkpoint's signature is checked and its root
compared with the root recomputed from the events. Each problem names a log position where one
can be named. Events after the ledger's last one are reported apart: the runner has simply not
folded them yet (they are not protected yet, but nothing is wrong).
"""

import base64
from collections.abc import Iterable
from dataclasses import dataclass, field

from projections import checkpoints, ledger, merkle


@dataclass(frozen=True)
class Problem:
    position: int | None  # the log position concerned, when one can be named
    message: str


@dataclass
class Report:
    events: int = 0
    ledger_size: int = 0
    pending: list = field(default_factory=list)  # positions not yet in the ledger
    checkpoints: int = 0
    root: bytes = merkle.EMPTY_ROOT  # of the ledger's leaves recomputed from the events
    problems: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_bad_position(self) -> int | None:
        return min((p.position for p in self.problems if p.position is not None), default=None)

    def summary(self) -> str:
        lines = [f"{self.events} events, {self.ledger_size} in the ledger, "
                 f"{self.checkpoints} signed checkpoints checked; root of the events "
                 f"{self.root.hex()}"]
        if self.pending:
            lines.append(f"{len(self.pending)} events not yet in the ledger (positions "
                         f"{self.pending[0]}–{self.pending[-1]}): the runner has not folded them")
        if self.ok:
            lines.insert(0, "The log is intact: every event matches its ledger leaf and every "
                            "checkpoint.")
            return "\n".join(lines)
        first = self.first_bad_position
        lines.insert(0, f"The log has been changed: {len(self.problems)} problems"
                        + (f"; the first bad position is {first}." if first else "."))
        lines += [f"  {'position ' + str(p.position) if p.position else 'ledger'}: {p.message}"
                  for p in self.problems[:20]]
        if len(self.problems) > 20:
            lines.append(f"  … and {len(self.problems) - 20} more")
        return "\n".join(lines)


def check_log(events: Iterable, entries: Iterable[dict], state: dict | None,
              signed: Iterable[dict], public: bytes | None) -> Report:
    """`events`: stored events in log order (notifications); `entries`: the ledger's leaves in
    index order ({index, position, leaf, chain}); `state`: the ledger's stored state; `signed`:
    checkpoint documents; `public`: the key they must be signed with (None: each is checked
    against the key it names, which proves only that it was not changed by accident)."""
    report = Report()
    wanted = {}
    for document in signed:
        wanted.setdefault(document.get("size"), []).append(document)
    actual = Tree(wanted)  # the tree over the events as they are now
    stored = Tree({})  # the tree over the leaves the ledger recorded
    events = iter(events)
    event = next(events, None)
    for entry in entries:
        if entry["index"] != stored.size:
            report.problems.append(Problem(entry["position"], (
                f"the ledger skips from leaf {stored.size - 1} to {entry['index']}")))
        if entry["chain"] != ledger.chain_next(stored.chain, entry["leaf"]):
            report.problems.append(Problem(entry["position"], "the ledger's hash chain breaks "
                                                              "here (the ledger was changed)"))
        stored.add(entry["leaf"])
        while event is not None and event.id < entry["position"]:
            report.problems.append(Problem(event.id, "an event was inserted here: it is not in "
                                                     "the ledger, though later events are"))
            actual.add(ledger.leaf_of(event))
            event = next(events, None)
        if event is not None and event.id == entry["position"]:
            leaf = ledger.leaf_of(event)
            if leaf != entry["leaf"]:
                report.problems.append(Problem(event.id, (
                    "this event differs from what the ledger recorded (its bytes, aggregate, "
                    "version or type were changed, or another event took its place)")))
            actual.add(leaf)
            event = next(events, None)
        else:
            report.problems.append(Problem(entry["position"], "this event is missing (deleted "
                                                              "from the log)"))
    while event is not None:
        report.pending.append(event.id)
        actual.add(ledger.leaf_of(event))
        event = next(events, None)
    report.events, report.ledger_size = actual.size, stored.size
    report.root = actual.root()
    _check_state(report, state, stored)
    for documents in wanted.values():
        for document in documents:
            _check_checkpoint(report, document, public, actual)
    return report


class Tree:
    """A tree grown leaf by leaf that remembers its root at the sizes asked for."""

    def __init__(self, sizes):
        self.sizes, self.roots = sizes, {0: merkle.EMPTY_ROOT}
        self.frontier, self.size, self.chain = [], 0, ledger.CHAIN_START

    def add(self, leaf: bytes) -> None:
        self.frontier, _ = merkle.append(self.frontier, self.size, leaf)
        self.size += 1
        self.chain = ledger.chain_next(self.chain, leaf)
        if self.size in self.sizes:
            self.roots[self.size] = self.root()

    def root(self) -> bytes:
        return merkle.frontier_root(self.frontier)


def _check_state(report: Report, state: dict | None, stored: Tree) -> None:
    state = state or ledger.new_ledger()
    if (state["size"], ledger.root(state), state["chain"]) != (
            stored.size, stored.root(), stored.chain.hex()):
        report.problems.append(Problem(None, (
            f"the ledger's state (size {state['size']}) does not match its {stored.size} "
            "leaves: the ledger was changed")))


def _check_checkpoint(report: Report, document: dict, public: bytes | None, actual: Tree) -> None:
    report.checkpoints += 1
    size, name = document.get("size"), f"the checkpoint of size {document.get('size')}"
    try:
        key = public if public is not None else base64.b64decode(document["public_key"])
    except (KeyError, ValueError):
        key = b""
    why = checkpoints.check(document, key)
    if why:
        report.problems.append(Problem(None, f"{name} ({document.get('time')}): {why}"))
        return
    if size > actual.size:
        report.problems.append(Problem(None, (
            f"{name} covers more events than the log holds ({actual.size}): the log was "
            "truncated")))
    elif actual.roots.get(size) != bytes.fromhex(document["root"]):
        first = min((p.position for p in report.problems if p.position is not None),
                    default=None)
        where = f"; first changed position {first}" if first else ""
        report.problems.append(Problem(first, (
            f"{name} ({document['time']}) does not match the first {size} events of the log"
            f"{where}")))
