"""The websocket `/ws/groups/{gid}` of a served app (a real HTTP server on a free port), with a
plain websocket client: who may connect, delivery in log order with the group's gap-free `seq`,
resuming with `since`, figures, inert text, slow clients dropped, a clean close at shutdown.

Oracle: the group's record as the JSON API answers it.
"""

import json
import threading

import pytest
from simple_websocket import ConnectionError as Refused
from wsproto.frame_protocol import CloseReason

from conftest import PASSWORD
from live_clients import closed_with, connect, events_until, receive
from webapp.live import hub as hub_module
from webapp.live.socket import send_all

MAJORITY = {"rule": "majority", "quorum": "1/2"}


@pytest.fixture
def group(web, people):
    """Ana's group with Bea as a member and one proposal; returns (group_id, proposal_id)."""
    client = web.test_client()
    ana = people["ana"]["auth"]
    gid = client.post("/api/groups", headers=ana, json={
        "name": "Mesa", "purpose": "p", "category": "carer", "decision_rule": MAJORITY}).json["id"]
    assert client.post(f"/api/groups/{gid}/members", headers=ana, json={
        "email": "bea@example.org", "category": "professional"}).status_code == 201
    pid = client.post(f"/api/groups/{gid}/proposals", headers=ana, json={
        "title": "Horario", "body": "b", "scope": "delivery"}).json["id"]
    found = web.extensions["reciproca"]
    assert found.runner.wait_for(found.app.recorder.max_notification_id(), 10)  # settled
    return gid, pid


def token(people, name: str) -> str:
    return people[name]["auth"]["Authorization"].removeprefix("Bearer ")


def record(web, people, gid: str, since: int = 0) -> list[dict]:
    """The group's record after `since`, once the read models include the last event."""
    last = web.extensions["reciproca"].app.recorder.max_notification_id()
    answer = web.test_client().get(
        f"/api/groups/{gid}/record?since={since}&limit=500&after={last}",
        headers=people["ana"]["auth"]).json
    return answer["entries"]


def vote(web, people, name: str, pid: str, position: str = "for") -> int:
    answer = web.test_client().post(f"/api/proposals/{pid}/votes", headers=people[name]["auth"],
                                    json={"position": position})
    assert answer.status_code == 201, answer.json
    return answer.json["position"]


def as_record_entry(message: dict) -> dict:
    """An `event` message as the record shows the entry (`event` is the entry's `type`)."""
    entry = {k: v for k, v in message.items() if k not in ("type", "event", "texts")}
    return {**entry, "type": message["event"]}


def test_who_may_connect(web, served, people, group):
    gid, _ = group
    with pytest.raises(Refused) as refused:
        connect(served, gid, None)
    assert refused.value.status_code == 401
    with pytest.raises(Refused) as refused:
        connect(served, gid, token(people, "carla"))  # not a member: the group does not exist
    assert refused.value.status_code == 404
    with pytest.raises(Refused) as refused:
        connect(served, gid, token(people, "ana"), origin="https://evil.example")
    assert refused.value.status_code == 403
    with pytest.raises(Refused) as refused:
        connect(served, gid, token(people, "ana"), since="-1")
    assert refused.value.status_code == 422
    # Without PUBLIC_URL the origin must be the request's own host (this client sends its Host
    # without the port); with it, the public URL's origin.
    connect(served, gid, token(people, "bea"), origin="http://127.0.0.1").close()
    web.config["PUBLIC_URL"] = served + "/some/path"
    connect(served, gid, token(people, "bea"), origin=served).close()
    for foreign in ("http://127.0.0.1", "https://evil.example", "null"):
        with pytest.raises(Refused) as refused:
            connect(served, gid, token(people, "ana"), origin=foreign)
        assert refused.value.status_code == 403


def test_events_arrive_in_log_order_with_gap_free_seq_and_figures(web, served, people, group):
    gid, pid = group
    ana = connect(served, gid, token(people, "ana"))
    bea = connect(served, gid, token(people, "bea"))
    positions = [vote(web, people, name, pid, position)
                 for name, position in (("ana", "for"), ("bea", "against"), ("bea", "for"))]
    closed = web.test_client().post(f"/api/proposals/{pid}/close",
                                    headers=people["ana"]["auth"]).json
    last = closed["position"]
    entries = record(web, people, gid)
    for client in (ana, bea):
        got, figures = [], []
        while not got or got[-1]["position"] < last or not figures:
            message = receive(client)
            (got if message["type"] == "event" else figures).append(message)
        # live from when it connected (which may include a write folded just after)
        assert [as_record_entry(m) for m in got] == [e for e in entries
                                                     if e["position"] >= got[0]["position"]]
        assert [m["seq"] for m in got] == list(range(got[0]["seq"], got[0]["seq"] + len(got)))
        assert [m["event"] for m in got][-5:] == ["VoteCast"] * 3 + ["Closed", "DecisionRecorded"]
        assert [m["position"] for m in got][-5:-2] == positions
        # the decision changed the power balance: its figures come as the HTTP API gives them
        assert figures[-1]["type"] == "figures" and figures[-1]["position"] <= last
        balance = json.loads(web.test_client().get(
            f"/api/groups/{gid}/power-balance?as_of={figures[-1]['position']}",
            headers=people["ana"]["auth"]).data)
        assert figures[-1]["power_balance"] == balance
        client.close()


def test_resume_after_a_disconnect_gives_exactly_the_missed_events(web, served, people, group):
    gid, pid = group
    client = connect(served, gid, token(people, "bea"), since=0)
    everything = record(web, people, gid)
    replayed = events_until(client, everything[-1]["position"])
    assert [as_record_entry(m) for m in replayed] == everything  # the whole record first
    seen = vote(web, people, "ana", pid)
    assert events_until(client, seen)[-1]["position"] == seen
    client.close()

    missed = [vote(web, people, name, pid) for name in ("bea", "ana", "bea")]
    client = connect(served, gid, token(people, "bea"), since=seen)
    resumed = events_until(client, missed[-1])
    live = vote(web, people, "ana", pid, "against")
    after = events_until(client, live)
    assert [m["position"] for m in resumed] == missed  # exactly the missed ones, no more
    assert [m["position"] for m in after] == [live]  # then live, no gap and no repeat
    assert [m["seq"] for m in resumed + after] == list(
        range(resumed[0]["seq"], resumed[0]["seq"] + 4))
    assert [as_record_entry(m) for m in resumed + after] == record(web, people, gid, seen)
    client.close()


def test_text_with_markup_arrives_as_inert_json_strings(web, served, people, group):
    gid, _ = group
    client = connect(served, gid, token(people, "ana"))
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)> & </p>'
    tabled = web.test_client().post(f"/api/groups/{gid}/proposals", headers=people["ana"]["auth"],
                                    json={"title": hostile, "body": hostile,
                                          "scope": "delivery"}).json
    raw = client.receive(timeout=30)
    assert "<" not in raw and ">" not in raw and "&" not in raw  # escaped inside JSON strings
    message = json.loads(raw)
    assert message["position"] == tabled["position"] and message["event"] == "Tabled"
    title_id = message["data"]["title"]["text_id"]
    assert message["texts"][title_id] == hostile  # the same characters, as data
    client.close()


def test_a_slow_client_is_dropped_without_holding_up_the_others(web, people, group,
                                                                monkeypatch):
    gid, pid = group
    monkeypatch.setattr(hub_module, "OUTBOX_SIZE", 3)
    hub = web.extensions["reciproca_live"]
    release, sent = threading.Event(), {"fast": [], "slow": []}

    class FakeSocket:
        """A connection and its socket, to which the sender writes the hub's frames."""

        connected = True

        def __init__(self, name, blocked):
            self.name, self.blocked, self.closed, self.sock = name, blocked, None, self

        def send(self, frame):
            if self.blocked:
                release.wait(30)
            size = frame[1] & 0x7F  # a server's unmasked text frame: 2, 4 or 10 header bytes
            sent[self.name].append(json.loads(frame[{126: 4, 127: 10}.get(size, 2):]))

        def send_now(self, frame):
            """A write that does not wait: a slow client's buffer is full, it takes nothing."""
            if self.blocked:
                return 0
            self.send(frame)
            return len(frame)

        def close(self, code=None, reason=None):
            self.closed = (code, reason)

    sockets, senders = {}, []
    for name in ("fast", "slow"):
        sockets[name] = FakeSocket(name, blocked=name == "slow")
        outbox = hub.subscribe(gid)
        senders.append(threading.Thread(target=send_all, args=(sockets[name], outbox, hub,
                                                               None)))
        senders[-1].start()
    done = [vote(web, people, name, pid) for name in ("ana", "bea") * 4]
    runner = web.extensions["reciproca"].runner
    assert runner.wait_for(done[-1], 10)
    while len(sent["fast"]) < len(done):
        assert senders[0].is_alive() or len(sent["fast"]) == len(done)
        threading.Event().wait(0.01)
    release.set()
    senders[1].join(timeout=30)
    assert [m["position"] for m in sent["fast"]] == done  # the fast one got every vote
    code, reason = sockets["slow"].closed
    assert code == CloseReason.TRY_AGAIN_LATER and reason.startswith("too far behind")
    resume_from = int(reason.rsplit("since=", 1)[1])
    assert [m["position"] for m in sent["slow"]][-1] == resume_from < done[-1]
    hub.close_all()
    senders[0].join(timeout=30)
    assert sockets["fast"].closed == (CloseReason.GOING_AWAY, "the server is stopping")


def test_shutdown_closes_every_socket_cleanly(web, served, people, group):
    gid, _ = group
    clients = [connect(served, gid, token(people, name)) for name in ("ana", "bea")]
    web.extensions["reciproca_live"].close_all()
    for client in clients:
        assert closed_with(client) == (CloseReason.GOING_AWAY, "the server is stopping")


def test_commands_over_the_socket_are_validated_as_over_http(web, served, people, group):
    gid, pid = group
    client = connect(served, gid, token(people, "bea"))
    bad = ["not json", "[1, 2]", json.dumps({"type": "vote", "ref": "a", "proposal_id": pid,
                                            "position": "maybe"}),
           json.dumps({"type": "found_group", "name": "x"}), json.dumps({"type": "nonsense"}),
           json.dumps({"type": "contribute", "group_id": "elsewhere", "kind": "task",
                       "description": "d"}),
           json.dumps({"type": "vote", "proposal_id": "no-such-proposal", "position": "for"}),
           "[" * 5000 + "]" * 5000]
    answers = []
    for text in bad:
        client.send(text)
        answers.append(receive(client))
    assert [a["type"] for a in answers] == ["error"] * len(bad)
    # as over HTTP: 400 naming `body` for what is not JSON or nests too deeply (webapp/inputs.py)
    assert [a["status"] for a in answers] == [400, 422, 422, 422, 422, 422, 404, 400]
    assert "body" in answers[0]["errors"] and "body" in answers[-1]["errors"]
    assert answers[2]["ref"] == "a" and "position" in answers[2]["errors"]  # the field named
    assert "type" in answers[3]["errors"] and "group_id" in answers[5]["errors"]
    # HTTP says the same about the same vote
    http = web.test_client().post(f"/api/proposals/{pid}/votes", headers=people["bea"]["auth"],
                                  json={"position": "maybe"})
    assert http.status_code == 422 and http.json["errors"] == answers[2]["errors"]

    # the socket is still open: a good command is done, answered, and its event arrives
    client.send(json.dumps({"type": "vote", "ref": 2, "proposal_id": pid, "position": "for",
                            "reason": "<b>por qué</b>"}))
    result = receive(client)
    assert result["type"] == "result" and result["ref"] == 2 and result["command"] == "vote"
    event = events_until(client, result["position"])[-1]
    assert event["event"] == "VoteCast" and event["actor"] == people["bea"]["id"]
    reason_id = event["data"]["reason"]["text_id"]
    assert event["texts"][reason_id] == "<b>por qué</b>"
    client.send(json.dumps({"type": "contribute", "kind": "task", "description": "Actas"}))
    done = receive(client)
    assert done["type"] == "result" and events_until(client, done["position"])[-1]["event"] == (
        "TaskTakenOn")
    client.close()


def test_a_caller_who_leaves_is_disconnected(web, served, people, group, monkeypatch):
    from webapp.live import socket as live_socket

    monkeypatch.setattr(live_socket, "RECHECK_SECONDS", 0.2)
    gid, _ = group
    client = connect(served, gid, token(people, "bea"))
    accounts = web.extensions["reciproca"].accounts
    for listed in accounts.tokens(people["bea"]["id"]):
        accounts.revoke_token(people["bea"]["id"], listed["token_id"])
    assert closed_with(client)[0] == CloseReason.POLICY_VIOLATION


def test_a_message_over_the_size_limit_closes_the_socket(served, people, group):
    gid, _ = group
    client = connect(served, gid, token(people, "bea"))
    client.send(json.dumps({"type": "contribute", "kind": "task", "description": "x" * 70_000}))
    assert closed_with(client)[0] == CloseReason.MESSAGE_TOO_BIG


def test_a_browser_session_cookie_opens_the_socket_only_from_the_public_origin(web, served,
                                                                               people, group):
    """Cookie-authenticated sockets carry no CSRF token: the Origin check protects them."""
    gid, pid = group
    web.config["PUBLIC_URL"] = served
    signed_in = web.test_client().post("/api/session", json={
        "email": people["bea"]["email"], "password": PASSWORD})
    assert signed_in.status_code == 201
    cookie = signed_in.headers["Set-Cookie"].split(";", 1)[0]
    with pytest.raises(Refused) as refused:  # another site's page, with Bea's cookie
        connect(served, gid, None, origin="https://evil.example", headers={"Cookie": cookie})
    assert refused.value.status_code == 403
    client = connect(served, gid, None, origin=served, headers={"Cookie": cookie})
    client.send(json.dumps({"type": "vote", "proposal_id": pid, "position": "for"}))
    result = receive(client)
    assert result["type"] == "result"
    assert events_until(client, result["position"])[-1]["actor"] == people["bea"]["id"]
    client.close()


@pytest.mark.parametrize("size", [0, 125, 126, 65535, 65536, 200_000])
def test_a_frame_encoded_once_is_read_as_the_same_text_by_a_client_that_agreed_on_deflate(size):
    """The hub frames each message once for every socket: a real websocket client (wsproto,
    with permessage-deflate agreed, as browsers do) reads those bytes back as the same text,
    at each boundary of the frame's length encoding."""
    from wsproto import ConnectionType, WSConnection
    from wsproto.events import AcceptConnection, Request, TextMessage
    from wsproto.extensions import PerMessageDeflate

    client, server = WSConnection(ConnectionType.CLIENT), WSConnection(ConnectionType.SERVER)
    server.receive_data(client.send(Request(host="h", target="/",
                                            extensions=[PerMessageDeflate()])))
    [request] = server.events()
    client.receive_data(server.send(AcceptConnection(extensions=[PerMessageDeflate()])))
    [accepted] = client.events()
    assert [type(e).__name__ for e in accepted.extensions] == ["PerMessageDeflate"]
    text = "é" + "a" * (size - 2) if size >= 2 else "a" * size  # `size` bytes in UTF-8
    assert len(text.encode()) == size
    client.receive_data(hub_module.Message("event", 1, text).frame)
    received = list(client.events())
    assert all(isinstance(event, TextMessage) for event in received)
    assert "".join(event.data for event in received) == text and received[-1].message_finished


def test_frames_reach_a_socket_whole_and_in_order_when_a_write_takes_only_part():
    """The hub writes to an up-to-date socket itself, without waiting; when the socket's buffer
    takes only part of a frame, the rest and everything after it go through the sender thread,
    in order. A real socket pair with a small buffer that nobody reads at first."""
    import socket as sockets

    from webapp.live.socket import _LockedSocket

    ours, theirs = sockets.socketpair()
    ours.setsockopt(sockets.SOL_SOCKET, sockets.SO_SNDBUF, 4096)

    class Connection:
        connected, sock = True, _LockedSocket(ours)

        def close(self, code=None, reason=None):
            self.connected = False

    outbox = hub_module.Outbox("g")
    sender = threading.Thread(target=send_all, args=(Connection(), outbox, None, None))
    sender.start()
    while outbox.writer is None:
        threading.Event().wait(0.01)
    messages = [hub_module.Message("event", n, f"{n:04d}" * 750) for n in range(1, 60)]
    for message in messages:
        outbox.offer(message)
    assert not outbox.queue.empty() or outbox.writer is None  # the buffer filled up
    expected, received = b"".join(m.frame for m in messages), bytearray()
    while len(received) < len(expected):
        received += theirs.recv(65536)
    assert bytes(received) == expected
    outbox.end(CloseReason.NORMAL_CLOSURE, "")
    sender.join(timeout=10)
    assert outbox.last_event == 59
    ours.close()
    theirs.close()
