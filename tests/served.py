"""A real `reciproca serve` process (gunicorn) on a free port, for tests that need real HTTP
through the production server, and an account with a token to call it with."""

import http.client
import os
import re
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import PASSWORD
from webapp.accounts import Accounts
from webapp.sql import Database

RECIPROCA = str(Path(sys.executable).with_name("reciproca"))


@contextmanager
def serving(url: str, instance: Path, *, threads: int = 8):
    """Yield (host, port) of `reciproca serve` on `url`, bound to a port the OS chose."""
    env = {**os.environ, "RECIPROCA_DATABASE_URL": url, "RECIPROCA_INSTANCE_PATH": str(instance),
           "RECIPROCA_SECRET_KEY": "served-" + "k" * 40}
    log = instance / "serve.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [RECIPROCA, "serve", "--host", "127.0.0.1", "--port", "0", "--threads", str(threads)],
            env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        yield "127.0.0.1", _port(process, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _port(process: subprocess.Popen, log: Path) -> int:
    """The port gunicorn listens on, once a worker answers."""
    deadline = time.monotonic() + 60
    port = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"reciproca serve exited:\n{log.read_text()}")
        if port is None:
            found = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", log.read_text())
            port = int(found.group(1)) if found else None
        if port is not None:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/api/openapi.json")
                if connection.getresponse().status == 200:
                    return port
            except OSError:
                pass
        time.sleep(0.1)
    raise RuntimeError(f"reciproca serve did not answer:\n{log.read_text()}")


def account(url: str, email: str = "ana@example.org", name: str = "Ana") -> dict:
    """A new account with an API token: its id and the headers that authenticate it."""
    db = Database(url)
    try:
        accounts = Accounts(db)
        person_id = accounts.add_person(email, name, PASSWORD)
        return {"id": person_id, "auth": {"Authorization":
                                          f"Bearer {accounts.create_token(person_id)}"}}
    finally:
        db.close()
