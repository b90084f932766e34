"""The websocket `/ws/groups/{gid}`: a group's record live, and commands, over one socket.

Everything is checked in `before_request`, before flask-sock upgrades the connection: the
`Origin` (a browser always sends it; it must be this app's public address, which is what protects
cookie-authenticated sockets from cross-site use), the caller (session cookie or API token, as
the API), the caller's right to read the group (non-members get 404), and `since`.

Each socket then has three threads: flask-sock's handler thread receives commands, simple-
websocket's thread reads frames and sends pings, and a sender thread of its own sends, in order,
the replay and what the hub queues for it; while nothing is queued, the hub writes new messages
to the socket itself (see `webapp.live.hub`). Writes are serialised by the socket's lock.
"""

import logging
import os
import threading
from urllib.parse import urlsplit

from flask import Blueprint, current_app, g, request
from flask_sock import Sock
from simple_websocket import ConnectionClosed
from wsproto.frame_protocol import CloseReason

from webapp.auth import current_person, require_person
from webapp.commands import check_group
from webapp.live.commands import handle
from webapp.live.hub import CLOSE, Hub, Message, Outbox, dumps
from webapp.services import error_response, services

log = logging.getLogger("reciproca.live")

live = Blueprint("live", __name__)
sock = Sock()
RECHECK_SECONDS = 30.0  # how often an idle socket re-checks its caller's access
MAX_POSITION = 2**62
SEND_TIMEOUT_SECONDS = 10.0


def hub() -> Hub:
    return current_app.extensions["reciproca_live"]


def start_hub(flask_app) -> Hub:
    """The hub of this process, fed by its runner (holder or follower alike)."""
    found = flask_app.extensions["reciproca"]
    made = Hub(found.runner.views, found.app.texts)
    found.runner.listeners.append(made.heard)
    flask_app.extensions["reciproca_live"] = made
    flask_app.config.setdefault("SOCK_SERVER_OPTIONS", {
        "ping_interval": flask_app.config["WS_PING_SECONDS"],
        "max_message_size": flask_app.config["WS_MAX_MESSAGE_BYTES"]})
    return made


def allowed_origin() -> str:
    """The origin browsers must send: the configured public URL's, else this request's host."""
    public = current_app.config.get("PUBLIC_URL")
    if public:
        parts = urlsplit(public)
        return f"{parts.scheme}://{parts.netloc}".lower()
    return request.host_url.rstrip("/").lower()


@live.before_request
def _admit():
    """Refuse before the upgrade: foreign origin 403, unknown caller 401, non-member 404."""
    origin = request.headers.get("Origin")
    if origin is not None and origin.rstrip("/").lower() != allowed_origin():
        return error_response(403, {"origin": ["this origin may not open the socket"]})
    person = require_person()
    group_id = request.view_args.get("group_id", "") if request.view_args else ""
    _check_member(group_id, person)
    since = request.args.get("since")
    if since is not None and not (since.isascii() and since.isdigit()
                                  and int(since) <= MAX_POSITION):
        return error_response(422, {"since": ["a log position: a whole number, 0 or more"]})
    g.live_since = None if since is None else int(since)
    # Subscribed before the upgrade is answered: whatever is folded once the client knows it
    # is connected reaches it (its own next vote included), queued until the sender starts.
    g.live_outbox = hub().subscribe(group_id)
    return None


@live.teardown_request
def _unsubscribe(_error) -> None:
    """An outbox whose socket never opened (a failed upgrade) is not left subscribed."""
    outbox = g.pop("live_outbox", None)
    if outbox is not None:
        hub().unsubscribe(outbox)


def _check_member(group_id: str, person: dict) -> None:
    check_group(services(), group_id, person["person_id"])


@sock.route("/ws/groups/<group_id>", bp=live)
def group_socket(ws, group_id: str):
    wrap_socket(ws)
    outbox = g.live_outbox  # subscribed before the replay: nothing falls between the two
    sender = threading.Thread(target=send_all, name="reciproca-ws-sender",
                              args=(ws, outbox, hub(), g.live_since), daemon=True)
    sender.start()
    try:
        receive_all(ws, outbox, group_id)
    finally:
        hub().unsubscribe(outbox)
        outbox.end(CloseReason.NORMAL_CLOSURE, "")
        sender.join(timeout=10)


def receive_all(ws, outbox: Outbox, group_id: str) -> None:
    """Handle the client's messages until it leaves; re-check its access now and then."""
    while ws.connected and not outbox.overflowed and outbox.ending is None:
        text = ws.receive(timeout=RECHECK_SECONDS)
        if not _still_allowed(group_id):
            outbox.end(CloseReason.POLICY_VIOLATION, "no longer allowed to follow this group")
            return
        if text is not None:
            outbox.offer(Message("reply", None, dumps(handle(text, group_id))))


def _still_allowed(group_id: str) -> bool:
    """False once the session was signed out, the token revoked or the caller left the group."""
    g.pop("person", None)
    try:
        person = current_person()
        if person is None:
            return False
        _check_member(group_id, person)
    except Exception:  # noqa: BLE001 - any refusal ends the socket
        return False
    return True


def send_all(ws, outbox: Outbox, hub: Hub, since: int | None) -> None:
    """The socket's sender: the replay after `since`, then live messages, in log order,
    skipping what the replay already covered; whenever nothing is queued, the hub may write
    the next messages itself (see `Outbox`)."""
    outbox.last_event = since if since is not None else -1
    try:
        if since is not None:
            for messages in hub.replay(outbox.group_id, since):
                for message in messages:
                    send(ws, message)
                    if message.kind == "event":
                        outbox.last_event = message.position
        outbox.replayed = outbox.last_event
        while not outbox.overflowed:
            outbox.follow_directly(lambda frame: ws.sock.send_now(frame) if ws.connected else 0)
            message = outbox.queue.get()
            if message is CLOSE:
                break
            if outbox.covered(message):
                continue  # sent by the replay already
            send(ws, message)
            if message.kind == "event":
                outbox.last_event = message.position
        if outbox.overflowed:
            ws.close(CloseReason.TRY_AGAIN_LATER,
                     f"too far behind: reconnect with since={max(outbox.last_event, 0)}")
        else:
            ws.close(*outbox.ending)
    except (ConnectionClosed, OSError):
        pass  # the client left, or stopped reading: it resumes with since=
    except Exception:  # noqa: BLE001 - a failed socket must not take the worker down
        log.exception("a websocket sender failed")
        try:
            ws.close(CloseReason.INTERNAL_ERROR, "internal error")
        except Exception:  # noqa: BLE001
            pass


def send(ws, message: Message) -> None:
    """Send the message's frame, encoded once by the hub for every socket (simple-websocket's
    `send` would encode it again for each)."""
    if not ws.connected:
        raise ConnectionClosed(ws.close_reason, ws.close_message)
    ws.sock.send(message.frame)


class _LockedSocket:
    """The connection's socket with sends serialised and complete: simple-websocket's own
    thread sends pings and pongs on it while the sender thread sends messages."""

    def __init__(self, raw):
        self._raw, self._lock = raw, threading.Lock()
        raw.settimeout(SEND_TIMEOUT_SECONDS)  # a client that stops reading is dropped

    def send(self, data: bytes) -> int:
        with self._lock:
            self._raw.sendall(data)
        return len(data)

    def send_now(self, data: bytes) -> int:
        """What the socket takes of `data` without waiting: the bytes written, 0 when its
        buffer is full or another thread is sending on it."""
        if not self._lock.acquire(blocking=False):
            return 0
        try:  # not `send`: with a timeout set, Python waits for room before it gives up
            return os.write(self._raw.fileno(), data)  # non-blocking: the timeout made it so
        except (BlockingIOError, InterruptedError):
            return 0
        finally:
            self._lock.release()

    def __getattr__(self, name):
        return getattr(self._raw, name)


def wrap_socket(ws) -> None:
    ws.sock = _LockedSocket(ws.sock)
