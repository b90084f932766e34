"""Sign-in against a real `reciproca serve` process, with clients bound to addresses of the
loopback range (127.0.0.0/8): failures from others never lock an account's owner out, forwarded
addresses count only through trusted proxies, and a flood of sign-ins is bounded in memory."""

import http.client
import json
import threading
from datetime import datetime, timezone

import pytest

from tests.conftest import PASSWORD
from tests.servers import Server
from webapp.accounts import Accounts
from webapp.sql import Database
from webapp.storage import initialise


class SignInServer(Server):
    """A served store with Ana's account; requests sent from chosen loopback addresses."""

    def __init__(self, url: str, **environment):
        self.url = url
        super().__init__(url, threads=32, env=environment)

    def post(self, path: str, body: dict, source: str, **headers) -> http.client.HTTPResponse:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60,
                                                source_address=(source, 0))
        connection.request("POST", path, json.dumps(body).encode(),
                           {"Content-Type": "application/json", **headers})
        answer = connection.getresponse()
        answer.body = answer.read()
        connection.close()
        return answer

    def sign_in(self, password: str, source: str, **headers) -> int:
        return self.post("/api/session", {"email": "ana@example.org", "password": password},
                         source, **headers).status

    def worker_pids(self) -> list[int]:
        path = f"/proc/{self.process.pid}/task/{self.process.pid}/children"
        with open(path) as children:
            return [int(pid) for pid in children.read().split()]

    def counters(self) -> dict[str, int]:
        """The sign-in failure counters the server keeps, by key."""
        db = Database(self.url)
        try:
            with db.cursor() as cursor:
                cursor.execute("SELECT key, failures FROM reciproca_signin_failures")
                return {row["key"]: row["failures"] for row in cursor.fetchall()}
        finally:
            db.close()

    def slow_down(self, key: str) -> None:
        """Give a counter many recent failures (so its wait outlasts the test: real time
        passes on a loaded machine between a failure and the next attempt)."""
        db = Database(self.url)
        try:
            with db.cursor() as cursor:
                cursor.execute("INSERT OR REPLACE INTO reciproca_signin_failures (key, "
                               "failures, last_failure) VALUES (?, 40, ?)",
                               (key, datetime.now(timezone.utc).isoformat()))
        finally:
            db.close()


def peak_rss_mib(pid: int) -> float:
    """The most memory the process has held resident since it started (VmHWM), in MiB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmHWM for {pid}")


@pytest.fixture
def serve(tmp_path):
    """Start `reciproca serve` on a fresh SQLite store with Ana's account; stopped afterwards."""
    started = []

    def start(**environment) -> SignInServer:
        url = f"sqlite:///{tmp_path / 'served.sqlite'}"
        initialise(url)
        db = Database(url)
        try:
            Accounts(db).add_person("ana@example.org", "Ana", PASSWORD)
        finally:
            db.close()
        started.append(SignInServer(url, **environment))
        return started[-1]

    yield start
    for server in started:
        server.stop()


def test_failures_from_other_addresses_never_lock_the_owner_out(serve):
    server = serve()
    for n in range(10):  # an attacker rotating addresses
        assert server.sign_in(f"guess {n}", f"127.0.0.{10 + n}") == 401
    assert server.sign_in(PASSWORD, "127.0.0.2") == 201  # the owner, from her own address
    assert "address:127.0.0.2" not in server.counters()
    assert server.counters()["pair:127.0.0.10|ana@example.org"] == 1

    server.slow_down("address:127.0.0.30")  # one address slowed does not slow another
    assert server.sign_in(PASSWORD, "127.0.0.30") == 429
    assert server.sign_in(PASSWORD, "127.0.0.31") == 201
    server.slow_down("pair:127.0.0.32|ana@example.org")  # nor does one account there
    assert server.sign_in(PASSWORD, "127.0.0.32") == 429
    assert server.sign_in(PASSWORD, "127.0.0.33") == 201

    for n in range(5):  # without trusted proxies, a client's own X-Forwarded-For is ignored
        assert server.sign_in(f"guess {n}", "127.0.0.40",
                              **{"X-Forwarded-For": f"192.0.2.{n}"}) == 401
    counters = server.counters()
    assert counters["pair:127.0.0.40|ana@example.org"] == counters["address:127.0.0.40"] == 5
    assert not any("192.0.2." in key for key in counters)


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_clients(serve):
    server = serve(RECIPROCA_TRUSTED_PROXIES="1")
    proxy = "127.0.0.50"  # every request comes through the same proxy
    for n in range(3):
        assert server.sign_in(f"guess {n}", proxy, **{"X-Forwarded-For": "198.51.100.7"}) == 401
    # only the hop the proxy added is believed: a forged one before it changes nothing
    assert server.sign_in("guess", proxy, **{"X-Forwarded-For": "203.0.113.9, 198.51.100.7"}
                          ) == 401
    counters = server.counters()
    assert counters["address:198.51.100.7"] == 4
    assert not any(proxy in key or "203.0.113.9" in key for key in counters)
    server.slow_down("address:198.51.100.7")
    assert server.sign_in(PASSWORD, proxy, **{"X-Forwarded-For": "198.51.100.7"}) == 429
    assert server.sign_in(PASSWORD, proxy, **{"X-Forwarded-For": "198.51.100.8"}) == 201


def test_a_flood_of_sign_ins_is_bounded_in_memory(serve):
    """32 sign-ins at once: at most one argon2 hash (64 MiB) per core runs at a time; the rest
    wait a moment or are told to retry (503 with Retry-After). Unbounded, the worker grew to
    about 1 GiB."""
    server = serve()
    [worker] = server.worker_pids()
    answers, start = [], threading.Barrier(32)

    def sign_in(n):
        start.wait()
        answer = server.post("/api/session", {"email": "ana@example.org",
                                              "password": PASSWORD}, f"127.0.1.{n + 1}")
        answers.append((answer.status, answer.getheader("Retry-After")))

    threads = [threading.Thread(target=sign_in, args=(n,)) for n in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 32 and {status for status, _ in answers} <= {201, 503}
    assert any(status == 201 for status, _ in answers)
    assert all(retry == "1" for status, retry in answers if status == 503)
    assert peak_rss_mib(worker) < 400
    assert server.sign_in(PASSWORD, "127.0.0.2") == 201  # and it serves on afterwards
