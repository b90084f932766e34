"""The tamper-evident ledger: a read model over every stored event, in log order.

Each event becomes one leaf, committing to its position, aggregate id, version, topic and its
stored bytes exactly as stored (not to a decoded form, which a library upgrade could change).
Leaves get the ledger's own gap-free index beside the positions, which may have gaps. The
Merkle tree (RFC 9162, `projections.merkle`) is kept incrementally: the fold stores each complete
subtree once, as it forms, and the frontier (the roots of the complete subtrees) is its whole
state; a running hash chain over the leaves is kept beside it. The runner folds this exactly
once per event, in the same transaction as the other read models.
"""

import hashlib
from dataclasses import dataclass

from projections import merkle

FORMAT = b"reciproca-ledger-leaf/1"
CHAIN_START = bytes(32)


def leaf_bytes(position: int, aggregate_id: str, version: int, topic: str,
               state: bytes) -> bytes:
    """The canonical encoding a leaf commits to: a format tag, then each field length-prefixed
    (4-byte big-endian length); integers as 8-byte big-endian, text as UTF-8."""
    fields = [FORMAT, position.to_bytes(8, "big"), aggregate_id.encode("utf-8"),
              version.to_bytes(8, "big"), topic.encode("utf-8"), bytes(state)]
    return b"".join(len(field).to_bytes(4, "big") + field for field in fields)


def leaf_of(notification) -> bytes:
    """The leaf hash of a stored event as the recorder returns it."""
    return merkle.leaf_hash(leaf_bytes(
        notification.id, str(notification.originator_id), notification.originator_version,
        notification.topic, notification.state))


def chain_next(chain: bytes, leaf: bytes) -> bytes:
    """The running hash chain: SHA-256(previous chain value ‖ leaf hash)."""
    return hashlib.sha256(chain + leaf).digest()


@dataclass(frozen=True)
class LedgerEntry:
    index: int  # 0-based, gap-free
    position: int
    leaf: bytes
    chain: bytes
    nodes: list  # the complete subtrees above the leaf this entry formed: (level, index, hash)


def new_ledger() -> dict:
    """The ledger's whole state, JSON-ready: its size, frontier and chain head (hex)."""
    return {"size": 0, "frontier": [], "chain": CHAIN_START.hex()}


def fold_ledger(state: dict, notification) -> LedgerEntry:
    """Append one stored event to the ledger `state` (changed in place)."""
    leaf = leaf_of(notification)
    index = state["size"]
    frontier, formed = merkle.append([bytes.fromhex(h) for h in state["frontier"]], index, leaf)
    chain = chain_next(bytes.fromhex(state["chain"]), leaf)
    state.update(size=index + 1, frontier=[h.hex() for h in frontier], chain=chain.hex())
    return LedgerEntry(index, notification.id, leaf, chain, formed[1:])


def root(state: dict) -> bytes:
    return merkle.frontier_root([bytes.fromhex(h) for h in state["frontier"]])
