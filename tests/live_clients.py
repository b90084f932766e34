"""A plain websocket client for the live tests (simple-websocket's), and what it received."""

import json
import time

from simple_websocket import Client, ConnectionClosed


def ws_url(base: str, group_id: str, since: int | None = None) -> str:
    url = base.replace("http://", "ws://") + f"/ws/groups/{group_id}"
    return url if since is None else f"{url}?since={since}"


def connect(base: str, group_id: str, token: str | None, *, since: int | None = None,
            origin: str | None = None, headers: dict | None = None) -> Client:
    sent = dict(headers or {})
    if token:
        sent["Authorization"] = f"Bearer {token}"
    if origin:
        sent["Origin"] = origin
    return Client.connect(ws_url(base, group_id, since), headers=sent)


def receive(client: Client, timeout: float = 30) -> dict:
    """The next message, parsed; fails when none comes within `timeout`."""
    text = client.receive(timeout=timeout)
    assert text is not None, f"no message within {timeout} s"
    return json.loads(text)


def events_until(client: Client, position: int, timeout: float = 30) -> list[dict]:
    """Every `event` message up to and including `position` (other messages are skipped)."""
    found, deadline = [], time.monotonic() + timeout
    while not found or found[-1]["position"] < position:
        message = receive(client, max(0.1, deadline - time.monotonic()))
        if message["type"] == "event":
            found.append(message)
    return found


def closed_with(client: Client, timeout: float = 30) -> tuple[int, str]:
    """Wait for the server to close the socket; its close code and reason."""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            client.receive(timeout=0.2)
    except ConnectionClosed as closed:
        return int(closed.reason), closed.message or ""
    raise AssertionError(f"the socket was not closed within {timeout} s")
