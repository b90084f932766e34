"""RFC 9162 Merkle trees: known answers from the Certificate Transparency reference
implementations, proofs for every (index, size) and (first, second) of the standard 8-leaf set
checked both ways, and a corruption table that must always fail to verify."""

import pytest

from projections import merkle

# The standard 8-leaf set of the CT reference implementations (transparency-dev/merkle
# testonly/constants.go, after certificate-transparency's merkle_tree_test): leaf inputs, the
# root for each tree size, and the hashes of every complete subtree (level, index).
LEAVES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f")]
ROOTS = [bytes.fromhex(h) for h in (
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")]
NODES = [[bytes.fromhex(h) for h in level] for level in (
    ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
     "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
     "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
     "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
     "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
     "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
     "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
     "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1"],
    ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
     "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
     "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
     "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"],
    ["d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
     "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"],
    ["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"])]


def h(text: str) -> bytes:
    return bytes.fromhex(text)


# Published inclusion proofs (0-based leaf index, tree size, path).
INCLUSION = [
    (0, 1, []),
    (0, 2, [h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7")]),
    (1, 2, [h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")]),
    (2, 3, [h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")]),
    (1, 5, [h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")]),
    (0, 8, [h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")]),
    (5, 8, [h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")]),
]
# Published consistency proofs (first size, second size, path).
CONSISTENCY = [
    (1, 1, []),
    (1, 8, [h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")]),
    (6, 8, [h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")]),
    (2, 5, [h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")]),
    (6, 7, [h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")]),
]

LEAF_HASHES = [merkle.leaf_hash(leaf) for leaf in LEAVES]


def nodes_for(size: int) -> merkle.NodeSource:
    return merkle.tree_nodes(LEAF_HASHES[:size])


def reference_root(leaves: list[bytes]) -> bytes:
    """MTH as RFC 9162 §2.1.1 states it, recursively, to check the incremental build."""
    if not leaves:
        return merkle.EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = merkle.split(len(leaves))
    return merkle.node_hash(reference_root(leaves[:k]), reference_root(leaves[k:]))


def test_leaf_and_node_hashes_are_the_published_ones():
    assert [merkle.leaf_hash(leaf) for leaf in LEAVES] == NODES[0]
    for level in range(1, 4):
        assert [merkle.node_hash(NODES[level - 1][2 * i], NODES[level - 1][2 * i + 1])
                for i in range(len(NODES[level]))] == NODES[level]


def test_roots_for_every_size_built_incrementally_and_recursively():
    frontier = []
    assert merkle.frontier_root(frontier) == ROOTS[0]
    for size, leaf in enumerate(LEAF_HASHES):
        frontier, formed = merkle.append(frontier, size, leaf)
        assert merkle.frontier_root(frontier) == ROOTS[size + 1]
        assert reference_root(LEAF_HASHES[:size + 1]) == ROOTS[size + 1]
        # every complete subtree the append formed is the published node at that place
        assert formed[0] == (0, size, leaf)
        for level, index, value in formed:
            assert NODES[level][index] == value
        assert merkle.range_root(nodes_for(size + 1), 0, size + 1) == ROOTS[size + 1]


def test_append_forms_each_complete_subtree_exactly_once():
    frontier, formed = [], []
    for size, leaf in enumerate(LEAF_HASHES):
        frontier, new = merkle.append(frontier, size, leaf)
        formed += new
    assert sorted((level, index) for level, index, _ in formed) == sorted(
        (level, index) for level in range(4) for index in range(len(NODES[level])))


@pytest.mark.parametrize("index,size,path", INCLUSION)
def test_published_inclusion_proofs(index, size, path):
    assert merkle.inclusion_proof(nodes_for(size), index, size) == path
    assert merkle.verify_inclusion(LEAF_HASHES[index], index, size, path, ROOTS[size])


@pytest.mark.parametrize("first,second,path", CONSISTENCY)
def test_published_consistency_proofs(first, second, path):
    assert merkle.consistency_proof(nodes_for(second), first, second) == path
    assert merkle.verify_consistency(first, second, ROOTS[first], ROOTS[second], path)


def test_every_inclusion_and_consistency_proof_of_the_set_verifies():
    for size in range(1, 9):
        for index in range(size):
            proof = merkle.inclusion_proof(nodes_for(size), index, size)
            assert merkle.verify_inclusion(LEAF_HASHES[index], index, size, proof, ROOTS[size])
    for second in range(0, 9):
        for first in range(0, second + 1):
            proof = merkle.consistency_proof(nodes_for(second), first, second)
            assert merkle.verify_consistency(first, second, ROOTS[first], ROOTS[second], proof)


def test_proofs_for_impossible_places_are_refused():
    with pytest.raises(ValueError):
        merkle.inclusion_proof(nodes_for(4), 4, 4)
    with pytest.raises(ValueError):
        merkle.consistency_proof(nodes_for(4), 5, 4)


# The corruption table ------------------------------------------------------------------------

def flipped(value: bytes, bit: int = 0) -> bytes:
    return bytes([value[0] ^ (1 << bit)]) + value[1:]


def inclusion_corruptions(index, size, proof, leaf, root):
    """Each a (description, leaf, index, size, proof, root) that must not verify."""
    other_root = ROOTS[size - 1] if size > 1 else ROOTS[2]
    yield "index + 1", leaf, index + 1, size, proof, root
    yield "index - 1", leaf, index - 1, size, proof, root
    yield "index XOR 2", leaf, index ^ 2, size, proof, root
    yield "size * 2", leaf, index, size * 2, proof, root
    yield "size // 2", leaf, index, size // 2, proof, root
    # (size ± 1 is not in the table: a path can have the same shape in both trees, e.g. leaf 0
    # of 3 and of 4; the size is bound to the root by the signed checkpoint instead.)
    yield "wrong leaf", flipped(leaf), index, size, proof, root
    yield "another leaf", LEAF_HASHES[(index + 1) % 8], index, size, proof, root
    yield "wrong root", leaf, index, size, proof, flipped(root)
    yield "another tree's root", leaf, index, size, proof, other_root
    yield "empty root", leaf, index, size, proof, merkle.EMPTY_ROOT
    yield "root and leaf swapped", root, index, size, proof, leaf
    if proof:
        yield "empty proof", leaf, index, size, [], root
    yield "garbage before", leaf, index, size, [b"\x00" * 32] + proof, root
    yield "garbage after", leaf, index, size, proof + [b"\x00" * 32], root
    yield "root before", leaf, index, size, [root] + proof, root
    yield "root after", leaf, index, size, proof + [root], root
    yield "short element", leaf, index, size, [p[:31] for p in proof] or [b"\x00"], root
    for i in range(len(proof)):
        for bit in (0, 3, 7):
            yield f"element {i} bit {bit} flipped", leaf, index, size, [
                flipped(p, bit) if j == i else p for j, p in enumerate(proof)], root
        yield f"element {i} removed", leaf, index, size, proof[:i] + proof[i + 1:], root
        yield f"element {i} duplicated", leaf, index, size, proof[:i] + [proof[i]] + proof[i:], root
        yield f"element inserted at {i}", leaf, index, size, proof[:i] + [leaf] + proof[i:], root
    if len(proof) > 1:
        yield "elements reversed", leaf, index, size, proof[::-1], root


def consistency_corruptions(first, second, proof, root1, root2):
    """Each a (description, first, second, root1, root2, proof) that must not verify."""
    yield "first + 1", first + 1, second, root1, root2, proof
    yield "first - 1", first - 1, second, root1, root2, proof
    yield "first XOR 2", first ^ 2, second, root1, root2, proof
    yield "second * 2", first, second * 2, root1, root2, proof
    yield "second // 2", first, second // 2, root1, root2, proof
    # (second ± 1: not a corruption the proof can show, as for inclusion; see above.)
    yield "wrong first root", first, second, flipped(root1), root2, proof
    yield "wrong second root", first, second, root1, flipped(root2), proof
    yield "roots swapped", first, second, root2, root1, proof
    yield "second root twice", first, second, root2, root2, proof
    yield "empty proof", first, second, root1, root2, []
    yield "garbage before", first, second, root1, root2, [b"\x00" * 32] + proof
    yield "garbage after", first, second, root1, root2, proof + [b"\x00" * 32]
    yield "first root before", first, second, root1, root2, [root1] + proof
    yield "second root after", first, second, root1, root2, proof + [root2]
    for i in range(len(proof)):
        for bit in (0, 4, 7):
            yield f"element {i} bit {bit} flipped", first, second, root1, root2, [
                flipped(p, bit) if j == i else p for j, p in enumerate(proof)]
        yield f"element {i} removed", first, second, root1, root2, proof[:i] + proof[i + 1:]
        yield f"element {i} duplicated", first, second, root1, root2, proof[:i] + [proof[i]] + proof[i:]
        yield f"element inserted at {i}", first, second, root1, root2, proof[:i] + [root1] + proof[i:]
    if len(proof) > 1:
        yield "elements reversed", first, second, root1, root2, proof[::-1]


def test_every_corrupted_inclusion_proof_fails():
    checked = 0
    for size in range(1, 9):
        for index in range(size):
            proof = merkle.inclusion_proof(nodes_for(size), index, size)
            for name, *args in inclusion_corruptions(index, size, proof, LEAF_HASHES[index],
                                                     ROOTS[size]):
                leaf, i, n, path, root = args
                if (leaf, i, n, path, root) == (LEAF_HASHES[index], index, size, proof,
                                                ROOTS[size]):
                    continue  # a "corruption" that changed nothing (e.g. reversing one element)
                assert not merkle.verify_inclusion(leaf, i, n, path, root), (
                    f"{name} verified for leaf {index} of {size}")
                checked += 1
    assert checked > 1000


def test_every_corrupted_consistency_proof_fails():
    checked = 0
    for second in range(1, 9):
        for first in range(1, second):
            proof = merkle.consistency_proof(nodes_for(second), first, second)
            for name, *args in consistency_corruptions(first, second, proof, ROOTS[first],
                                                       ROOTS[second]):
                m, n, root1, root2, path = args
                if m == n == 0 or (m == first and n == second and path == proof
                                   and (root1, root2) == (ROOTS[first], ROOTS[second])):
                    continue  # not a corruption
                if 0 <= m <= n <= 8 and (root1, root2) == (ROOTS[m], ROOTS[n]) and path == (
                        merkle.consistency_proof(nodes_for(n), m, n)):
                    continue  # the corruption happens to be another valid proof
                assert not merkle.verify_consistency(m, n, root1, root2, path), (
                    f"{name} verified from {first} to {second}")
                checked += 1
    assert checked > 500


def test_consistency_edge_cases():
    root = ROOTS[3]
    assert merkle.verify_consistency(3, 3, root, root, [])
    assert not merkle.verify_consistency(3, 3, root, ROOTS[4], [])
    assert not merkle.verify_consistency(3, 3, root, root, [root])
    assert merkle.verify_consistency(0, 5, merkle.EMPTY_ROOT, ROOTS[5], [])
    assert not merkle.verify_consistency(0, 5, merkle.EMPTY_ROOT, ROOTS[5], [ROOTS[5]])
    assert not merkle.verify_consistency(0, 5, ROOTS[1], ROOTS[5], [])
    assert not merkle.verify_consistency(5, 3, ROOTS[5], ROOTS[3], [])
    assert not merkle.verify_inclusion(LEAF_HASHES[0], 0, 0, [], merkle.EMPTY_ROOT)
    assert not merkle.verify_inclusion(LEAF_HASHES[0], -1, 1, [], ROOTS[1])
    assert not merkle.verify_inclusion(LEAF_HASHES[0], 0, 1, LEAF_HASHES[0], ROOTS[1])


def test_larger_trees_agree_with_the_recursive_definition():
    leaves = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(70)]
    frontier = []
    for size, leaf in enumerate(leaves):
        frontier, _ = merkle.append(frontier, size, leaf)
    nodes = merkle.tree_nodes(leaves)
    for size in (1, 31, 32, 33, 64, 69, 70):
        root = reference_root(leaves[:size])
        for index in (0, size // 2, size - 1):
            proof = merkle.inclusion_proof(nodes, index, size)
            assert merkle.verify_inclusion(leaves[index], index, size, proof, root)
        for first in (1, 7, 16, size - 1):
            if 0 < first <= size:
                proof = merkle.consistency_proof(nodes, first, size)
                assert merkle.verify_consistency(first, size, reference_root(leaves[:first]),
                                                 root, proof)
    assert merkle.frontier_root(frontier) == reference_root(leaves)
