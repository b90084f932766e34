"""The hub: fans the runner's new record entries out to the sockets that follow each group.

The projection runner calls `Hub.heard(group_id, entries, changed)` in log order, on the process
that folds and on every follower alike. The hub turns a call into messages once (JSON text and
its websocket frame, the same bytes for every socket of the group: a thousand sockets cost one
encoding, not a thousand) and offers them to each socket's `Outbox`. A socket that is up to date
(its replay sent, nothing queued) is written at once by the offering thread, as much as the
socket takes without waiting: a thousand sockets cost a thousand short writes from one thread,
not a thousand threads woken in turn. Anything else goes to the outbox's bounded queue, which
the socket's own sender thread drains in order (and what a write left unsent goes first).
Offering never blocks: a socket whose queue is full is dropped (its client resumes with
`since=`), so one slow client never holds up the others or the runner.
"""

import json
import logging
import queue
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from wsproto.frame_protocol import CloseReason

from projections import queries
from projections.record import cited_texts
from webapp.schemas import LevelOut, PowerBalanceOut, PrinciplesOut

log = logging.getLogger("reciproca.live")

OUTBOX_SIZE = 1000  # messages waiting for one socket before it is dropped
FIGURES = {"power_balance": (queries.power_balance, PowerBalanceOut),
           "principles": (queries.principles, PrinciplesOut),
           "level": (queries.level, LevelOut)}


@dataclass(frozen=True)
class Message:
    """What a sender sends: `kind` and `position` let it skip what a replay already sent."""

    kind: str  # "event", "figures", or "reply" (answers and errors, sent as they come)
    position: int | None
    text: str
    frame: bytes = field(init=False, repr=False, compare=False)  # `text`, framed once

    def __post_init__(self):
        object.__setattr__(self, "frame", text_frame(self.text))


def text_frame(text: str) -> bytes:
    """`text` as one final, unmasked, uncompressed text frame from a server (RFC 6455 §5.2).
    Any socket may be sent these bytes: an uncompressed message is valid on a connection that
    agreed on permessage-deflate too (RFC 7692 §6), and a server never masks."""
    payload = text.encode()
    size = len(payload)
    if size < 126:
        head = struct.pack("!BB", 0x81, size)
    elif size < 1 << 16:
        head = struct.pack("!BBH", 0x81, 126, size)
    else:
        head = struct.pack("!BBQ", 0x81, 127, size)
    return head + payload


GOING_AWAY = (CloseReason.GOING_AWAY, "the server is stopping")
CLOSE = Message("close", None, "")  # the sender closes the socket when it gets here


@dataclass(frozen=True)
class Rest:
    """What a direct write left unsent of a message: the sender sends it before anything else."""

    kind: str
    position: int | None
    frame: bytes


class Outbox:
    """One socket's bounded queue of messages; `overflowed` once it could not keep up.

    `writer`, while set, writes a frame to the socket without waiting and returns the bytes it
    took: the sender sets it (`follow_directly`) whenever it has sent everything queued, and it
    is dropped as soon as a message must be queued, so messages reach the socket in the order
    offered, whichever thread writes them. `last_event` is the position of the last event sent
    whole, by either, and `replayed` where the replay ended: what they cover is never sent
    again (a follower's runner may hear of an event after the replay read it from the views)."""

    def __init__(self, group_id: str):
        self.group_id = group_id
        self.queue: queue.Queue[Message | Rest] = queue.Queue(OUTBOX_SIZE)
        self.overflowed = False
        self.ending: tuple[int, str] | None = None  # the close code and reason, once asked
        self.last_event = self.replayed = -1
        self.writer: Callable[[bytes], int] | None = None
        self._lock = threading.Lock()

    def covered(self, message: Message | Rest) -> bool:
        """Sent already: an event up to `last_event`, figures up to `replayed`."""
        return ((message.kind == "event" and message.position <= self.last_event)
                or (message.kind == "figures" and message.position <= self.replayed))

    def offer(self, message: Message) -> None:
        with self._lock:
            if self.writer is not None and message is not CLOSE and self.queue.empty():
                if self.covered(message):
                    return
                try:
                    written = self.writer(message.frame)
                except OSError:
                    written = 0  # the sender meets the error and ends the socket
                if written == len(message.frame):
                    if message.kind == "event":
                        self.last_event = message.position
                    return
                self.writer = None
                if written:
                    message = Rest(message.kind, message.position, message.frame[written:])
            try:
                self.queue.put_nowait(message)
            except queue.Full:
                self.overflowed = True

    def follow_directly(self, writer: Callable[[bytes], int]) -> None:
        """The sender has sent everything queued: later messages may be written at once."""
        with self._lock:
            if self.queue.empty() and self.ending is None:
                self.writer = writer

    def end(self, code: int, reason: str) -> None:
        """Ask the sender to close the socket after what is queued (at once when full)."""
        with self._lock:
            if self.ending is not None:
                return
            self.ending, self.writer = (code, reason), None
        self.offer(CLOSE)


class Hub:
    """Which sockets follow which group, and the messages each runner call becomes."""

    def __init__(self, views, texts):
        self.views, self.texts = views, texts
        self._outboxes: dict[str, set[Outbox]] = {}
        self._lock = threading.Lock()
        self.closing = False

    def subscribe(self, group_id: str) -> Outbox:
        outbox = Outbox(group_id)
        with self._lock:
            self._outboxes.setdefault(group_id, set()).add(outbox)
            closing = self.closing
        if closing:  # a socket that opens while the server stops is closed as the others
            outbox.end(*GOING_AWAY)
        return outbox

    def unsubscribe(self, outbox: Outbox) -> None:
        with self._lock:
            found = self._outboxes.get(outbox.group_id, set())
            found.discard(outbox)
            if not found:
                self._outboxes.pop(outbox.group_id, None)

    def close_all(self) -> None:
        """Shutdown: every socket is closed cleanly once its queued messages are sent."""
        with self._lock:
            self.closing = True
            outboxes = [o for found in self._outboxes.values() for o in found]
        for outbox in outboxes:
            outbox.end(*GOING_AWAY)

    def heard(self, group_id: str, entries: list[dict], changed: set[str]) -> None:
        """The runner's listener: new entries of one group, in log order."""
        with self._lock:
            outboxes = list(self._outboxes.get(group_id, ()))
        if not outboxes:
            return
        try:
            messages = self.event_messages(entries)
            figures = changed & set(FIGURES)
            if figures:
                messages.append(self.figures_message(group_id, entries[-1]["position"], figures))
        except Exception:  # noqa: BLE001 - never break the runner; the sockets must resume
            log.exception("could not build the live messages of group %s", group_id)
            for outbox in outboxes:
                outbox.end(CloseReason.INTERNAL_ERROR, "reconnect with since= to resume")
            return
        for outbox in outboxes:
            for message in messages:
                outbox.offer(message)

    def event_messages(self, entries: list[dict]) -> list[Message]:
        """One `event` message per record entry, with the texts it cites (as /record has)."""
        texts = self.texts.read(sorted(set().union(*map(cited_texts, entries))))
        return [Message("event", entry["position"], dumps(event_message(entry, texts)))
                for entry in entries]

    def figures_message(self, group_id: str, position: int, names) -> Message:
        """The changed figures as of `position`, each as its HTTP endpoint answers it."""
        message = {"type": "figures", "group_id": group_id, "position": position}
        for name in sorted(names):
            query, schema = FIGURES[name]
            message[name] = schema().dump(query(self.views, group_id, position))
        return Message("figures", position, dumps(message))

    def replay(self, group_id: str, since: int, page: int = 500):
        """Pages of messages for every entry of the group after `since` (from the views), and a
        final `figures` message with all figures when there was any."""
        last = since
        while True:
            entries = self.views.select(
                "SELECT entry FROM view_record WHERE group_id = :group_id AND position > :since "
                "ORDER BY position LIMIT :limit", group_id=group_id, since=last, limit=page)
            entries = [json.loads(row["entry"]) for row in entries]
            if entries:
                yield self.event_messages(entries)
                last = entries[-1]["position"]
            if len(entries) < page:
                break
        if last > since:
            yield [self.figures_message(group_id, last, FIGURES)]


def dumps(message: dict) -> str:
    """JSON text in which `<`, `>` and `&` appear only escaped: whatever a person typed stays a
    JSON string, even for a client that wrongly pastes a frame into HTML."""
    return (json.dumps(message).replace("<", "\\u003c")
            .replace(">", "\\u003e").replace("&", "\\u0026"))


def event_message(entry: dict, texts: dict) -> dict:
    """The record entry as the socket sends it: `type` says "event", `event` the event type."""
    message = {"type": "event", **{k: v for k, v in entry.items() if k != "type"},
               "event": entry["type"]}
    cited = cited_texts(entry)
    if cited:
        message["texts"] = {text_id: texts.get(text_id) for text_id in sorted(cited)}
    return message
