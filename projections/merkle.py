"""Merkle tree hashing, proofs and their verification as RFC 9162 (Certificate Transparency 2.0)
defines them, so that anyone can check the ledger with their own implementation of the RFC.

Leaves and nodes are hashed with distinct prefixes (0x00, 0x01), so a leaf can never pass for a
node. The tree of n leaves splits at k, the largest power of two below n (§2.1.1). Trees grow by
appending: every complete (perfect, aligned) subtree is final once formed, so a store keeps those
nodes as they appear (`append`, the compact range of the tree) and any proof is assembled from
O(log n) of them. Verification (§2.1.3.2, §2.1.4.2) needs nothing but hashlib.
"""

import hashlib
from collections.abc import Callable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

# A function giving the hash of the complete subtree at (level, index): the 2**level leaves from
# index * 2**level. Level 0 holds the leaf hashes.
NodeSource = Callable[[int, int], bytes]


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(n: int) -> int:
    """The largest power of two smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


# Building incrementally ---------------------------------------------------------------------

def append(frontier: list[bytes], size: int, leaf: bytes) -> tuple[list[bytes], list[tuple]]:
    """Add the leaf hash `leaf` as leaf number `size` (0-based) to a tree whose frontier (the
    roots of its complete subtrees, largest first) is `frontier`. Returns the new frontier and
    the complete subtrees this append formed, as (level, index, hash), leaf first."""
    frontier = list(frontier)
    formed = [(0, size, leaf)]
    current, level, index = leaf, 0, size
    while index & 1:  # the left sibling is complete: they merge, like a carry in binary addition
        current = node_hash(frontier.pop(), current)
        level, index = level + 1, index >> 1
        formed.append((level, index, current))
    frontier.append(current)
    return frontier, formed


def frontier_root(frontier: Sequence[bytes]) -> bytes:
    """The root of the tree whose complete subtrees are `frontier` (largest first)."""
    if not frontier:
        return EMPTY_ROOT
    root = frontier[-1]
    for left in reversed(frontier[:-1]):
        root = node_hash(left, root)
    return root


# Roots and proofs from stored complete subtrees ---------------------------------------------

def range_root(node: NodeSource, start: int, end: int) -> bytes:
    """MTH(D[start:end]) for the ranges the RFC's recursion visits (start aligned to the
    largest power of two not above end - start)."""
    n = end - start
    if n == 0:
        return EMPTY_ROOT
    if n & (n - 1) == 0 and start % n == 0:
        return node(n.bit_length() - 1, start // n)
    k = split(n)
    return node_hash(range_root(node, start, start + k), range_root(node, start + k, end))


def inclusion_proof(node: NodeSource, index: int, size: int) -> list[bytes]:
    """PATH(index, D[size]) of RFC 9162 §2.1.3.1."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size} leaves")
    proof, start, end = [], 0, size
    while end - start > 1:
        k = split(end - start)
        if index < start + k:
            proof.append(range_root(node, start + k, end))
            end = start + k
        else:
            proof.append(range_root(node, start, start + k))
            start += k
    return proof[::-1]


def consistency_proof(node: NodeSource, first: int, second: int) -> list[bytes]:
    """PROOF(first, D[second]) of RFC 9162 §2.1.4.1 (empty when first is 0 or equals second)."""
    if not 0 <= first <= second:
        raise ValueError(f"no consistency proof from {first} leaves to {second}")
    if first == 0 or first == second:
        return []
    proof, start, end, known = [], 0, second, True
    while True:
        n, m = end - start, first - start
        if m == n:
            if not known:
                proof.append(range_root(node, start, end))
            return proof[::-1]
        k = split(n)
        if m <= k:
            proof.append(range_root(node, start + k, end))
            end = start + k
        else:
            proof.append(range_root(node, start, start + k))
            start, known = start + k, False


def tree_nodes(leaves: Sequence[bytes]) -> NodeSource:
    """A node source over a list of leaf hashes (for tests and for checking a whole log)."""
    levels = [list(leaves)]
    while len(levels[-1]) > 1:
        below = levels[-1]
        levels.append([node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)])
    return lambda level, index: levels[level][index]


# Verification (what an auditor runs) ---------------------------------------------------------

def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes],
                     root: bytes) -> bool:
    """RFC 9162 §2.1.3.2: whether `leaf` (a leaf hash) is leaf `index` of the tree of `size`
    leaves whose root is `root`."""
    if not 0 <= index < size or not _hashes(proof, leaf, root):
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes,
                       proof: Sequence[bytes]) -> bool:
    """RFC 9162 §2.1.4.2: whether the tree of `second` leaves with root `second_root` extends,
    unchanged, the tree of `first` leaves with root `first_root`."""
    if not 0 <= first <= second or not _hashes(proof, first_root, second_root):
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof and first_root == EMPTY_ROOT
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == first_root and sr == second_root and sn == 0


def _hashes(proof, *hashes) -> bool:
    """Whether the proof is a list of 32-byte hashes and each other value is one."""
    return isinstance(proof, (list, tuple)) and all(
        isinstance(value, bytes) and len(value) == HASH_SIZE for value in (*proof, *hashes))
