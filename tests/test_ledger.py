"""The ledger fold and the log check, on stored events built by hand (the real stores are in
tests/test_audit.py): the leaf encoding, incremental state, and each kind of change located."""

import uuid
from dataclasses import replace

from eventsourcing.persistence import Notification

from projections import checkpoints, ledger, merkle
from projections.verify import check_log

KEY = checkpoints.Ed25519PrivateKey.generate()
PUBLIC = checkpoints.public_bytes(KEY)


def stored(position: int, state: bytes = b"{}", version: int = 1) -> Notification:
    return Notification(id=position, originator_id=uuid.UUID(int=position),
                        originator_version=version, topic="domain.group:Group.Founded",
                        state=state)


def folded(events):
    state, entries, nodes = ledger.new_ledger(), [], {}
    for event in events:
        entry = ledger.fold_ledger(state, event)
        entries.append({"index": entry.index, "position": entry.position, "leaf": entry.leaf,
                        "chain": entry.chain})
        nodes.update({(level, index): value for level, index, value in entry.nodes})
    return state, entries, nodes


def test_the_leaf_is_a_length_prefixed_encoding_of_the_stored_record():
    encoded = ledger.leaf_bytes(7, "a", 2, "t:T", b"\x00\x01")
    assert encoded == (b"\x00\x00\x00\x17reciproca-ledger-leaf/1"
                       b"\x00\x00\x00\x08" + (7).to_bytes(8, "big")
                       + b"\x00\x00\x00\x01a"
                       + b"\x00\x00\x00\x08" + (2).to_bytes(8, "big")
                       + b"\x00\x00\x00\x03t:T"
                       + b"\x00\x00\x00\x02\x00\x01")
    # moving bytes from one field to the next changes the leaf
    assert ledger.leaf_bytes(7, "ab", 2, "c", b"") != ledger.leaf_bytes(7, "a", 2, "bc", b"")


def test_the_fold_keeps_root_chain_and_every_complete_subtree():
    events = [stored(p) for p in (1, 2, 5, 6, 9, 10, 11)]  # positions with gaps
    state, entries, nodes = folded(events)
    leaves = [ledger.leaf_of(e) for e in events]
    assert [e["index"] for e in entries] == list(range(7))
    assert [e["position"] for e in entries] == [1, 2, 5, 6, 9, 10, 11]
    assert ledger.root(state) == merkle.range_root(merkle.tree_nodes(leaves), 0, 7)
    reference = merkle.tree_nodes(leaves)
    assert nodes == {(level, index): reference(level, index)
                     for level, count in ((1, 3), (2, 1)) for index in range(count)}
    chain = ledger.CHAIN_START
    for leaf in leaves:
        chain = ledger.chain_next(chain, leaf)
    assert state["chain"] == chain.hex() and entries[-1]["chain"] == chain


def check(events, entries, state, signed=(), public=PUBLIC):
    return check_log(events, entries, state, list(signed), public)


def test_an_untouched_log_checks_and_pending_events_are_apart():
    events = [stored(p) for p in range(1, 9)]
    state, entries, _ = folded(events[:6])
    signed = [checkpoints.sign(KEY, 6, ledger.root(state))]
    report = check(events, entries, state, signed)
    assert report.ok and report.pending == [7, 8] and report.checkpoints == 1
    assert "intact" in report.summary() and "not yet in the ledger" in report.summary()


def test_each_change_is_located():
    events = [stored(p, f'{{"n":{p}}}'.encode()) for p in range(1, 9)]
    state, entries, _ = folded(events)
    signed = [checkpoints.sign(KEY, 8, ledger.root(state))]
    changed = {
        "byte": (events[:3] + [replace(events[3], state=b'{"n":5}')] + events[4:], 4),
        "version": (events[:4] + [replace(events[4], originator_version=2)] + events[5:], 5),
        "topic": (events[:2] + [replace(events[2], topic="domain.group:Group.Left")]
                  + events[3:], 3),
        "deleted": (events[:5] + events[6:], 6),
        "swapped": (events[:1] + [replace(events[2], id=2), replace(events[1], id=3)]
                    + events[3:], 2),
        "replaced last": (events[:7] + [stored(8, b'{"other":1}')], 8),
        "truncated": (events[:6], 7),
    }
    for name, (tampered, first) in changed.items():
        report = check(tampered, entries, state, signed)
        assert not report.ok, name
        assert report.first_bad_position == first, (name, report.summary())
        assert any("checkpoint of size 8" in p.message for p in report.problems), name
        assert f"first bad position is {first}" in report.summary()


def test_an_event_inserted_into_a_gap_is_located():
    events = [stored(p) for p in (1, 2, 3, 5, 6)]
    state, entries, _ = folded(events)
    report = check(events[:3] + [stored(4)] + events[3:], entries, state)
    assert report.first_bad_position == 4 and "inserted" in report.problems[0].message
    assert report.pending == []


def test_a_checkpoint_with_a_wrong_signature_or_root_is_reported():
    events = [stored(p) for p in range(1, 5)]
    state, entries, _ = folded(events)
    good = checkpoints.sign(KEY, 4, ledger.root(state))
    other_key = checkpoints.Ed25519PrivateKey.generate()
    cases = {
        "signed by another key": checkpoints.sign(other_key, 4, ledger.root(state)),
        "root changed": {**good, "root": "00" * 32},
        "size changed": {**good, "size": 3},
        "time changed": {**good, "time": "2020-01-01T00:00:00Z"},
        "signature garbage": {**good, "signature": "not base64!"},
    }
    for name, document in cases.items():
        report = check(events, entries, state, [good, document])
        assert [p.message for p in report.problems if "signature" in p.message
                or "not a reciproca" in p.message], name
    # signed properly, but over a different root
    report = check(events, entries, state, [checkpoints.sign(KEY, 4, b"\x01" * 32)])
    assert "does not match the first 4 events" in report.problems[0].message
    assert check(events, entries, state, [good]).ok


def test_a_changed_ledger_is_reported():
    events = [stored(p) for p in range(1, 5)]
    state, entries, _ = folded(events)
    bad = [dict(e) for e in entries]
    bad[2]["leaf"] = bytes(32)
    report = check(events, bad, state)
    assert report.first_bad_position == 3
    report = check(events, entries, {**state, "size": 3})
    assert not report.ok and "state" in report.problems[0].message
