"""Real `reciproca serve` processes on free loopback ports, for end-to-end tests."""

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """`reciproca serve` in its own process group (so `kill()` takes its workers too)."""

    def __init__(self, database_url: str, *, workers: int = 1, threads: int = 8,
                 env: dict | None = None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        environment = {**os.environ, "RECIPROCA_DATABASE_URL": database_url,
                       "RECIPROCA_SECRET_KEY": "test-" + "s" * 40, **(env or {})}
        self.log = tempfile.TemporaryFile()  # a pipe nobody reads could fill and block it
        self.process = subprocess.Popen(
            [sys.executable, "-m", "webapp.cli", "serve", "--port", str(self.port),
             "--workers", str(workers), "--threads", str(threads)],
            cwd=ROOT, env=environment, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True)
        self.wait_ready()

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{self.base}/api/openapi.json", timeout=5) as answer:
                    assert json.loads(answer.read())["info"]["title"] == "Reciproca"
                    return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise AssertionError(f"the server did not start:\n{self.output()}") from None
                time.sleep(0.2)

    def call(self, method: str, path: str, token: str | None = None, body=None,
             timeout: float = 30, headers: dict | None = None) -> tuple[int, dict]:
        """An HTTP call; connection errors are raised (OSError), HTTP errors answered."""
        request = urllib.request.Request(
            self.base + path, method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Content-Type": "application/json", **(headers or {}),
                     **({"Authorization": f"Bearer {token}"} if token else {})})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                return answer.status, json.loads(answer.read() or b"{}")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def kill(self) -> None:
        """SIGKILL the server and its workers at once: nothing is cleaned up."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=20)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def account(database_url: str, email: str = "ana@example.org", name: str = "Ana") -> dict:
    """A new account with an API token, made directly in the database a server uses: its
    `id`, `token` and the `auth` headers that carry the token."""
    from tests.conftest import PASSWORD
    from webapp.accounts import Accounts
    from webapp.sql import Database

    db = Database(database_url)
    try:
        accounts = Accounts(db)
        person_id = accounts.add_person(email, name, PASSWORD)
        token = accounts.create_token(person_id)
    finally:
        db.close()
    return {"id": person_id, "token": token, "auth": {"Authorization": f"Bearer {token}"}}
