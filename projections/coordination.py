"""Exactly one folding runner across every process, and how the others hear that the views moved.

The runner that folds holds a `RunnerLock`: on PostgreSQL a session-level advisory lock on a
connection of its own (released by the server when that connection or process dies); on SQLite
an exclusive `flock` on a file beside the views file (released by the kernel when the process
dies). Whoever does not hold it never folds; it follows the views' position and retries the lock
now and then, so a survivor takes over from a holder that died.

The same object waits for news (`wait`): on PostgreSQL by LISTEN on the views channel (the holder
NOTIFYs it in the transaction of each page) and, once holding, on the event store's channel
instead (the library NOTIFYs it on every insert, from any process, at the insert's commit); on SQLite by an in-process event set when
this process saves, else a bounded poll.
"""

import fcntl
import os
import socket
import sys
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

VIEWS_CHANNEL = "reciproca_views"
LOCK_KEY = (0x52435041, 1)  # ("RCPA", 1): the runner's session-level advisory lock


class RunnerBusy(Exception):
    """Another process keeps the read models; the message names it."""

    def __init__(self, holder: str):
        super().__init__(f"the read models are kept by another running process ({holder})")
        self.holder = holder


label = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "python"  # the CLI names itself


def who_am_i() -> str:
    return f"{label} pid {os.getpid()} on {socket.gethostname()}"


class FileLock:
    """An exclusive flock on `path`; the holder writes who it is into the file."""

    def __init__(self, path: Path):
        self.path = path
        self.held = False
        self._file = None
        self._wake = threading.Event()

    def acquire(self) -> bool:
        if self.held:
            return True
        file = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held while locked
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            file.close()
            return False
        file.seek(0)
        file.truncate()
        file.write(f"{who_am_i()}, since {datetime.now(timezone.utc):%Y-%m-%d %H:%M:%S} UTC\n")
        file.flush()
        self._file, self.held = file, True
        return True

    def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing the descriptor drops the flock
        self._file, self.held = None, False

    def holder(self) -> str:
        try:
            return self.path.read_text(encoding="utf-8").strip() or "an unknown process"
        except OSError:
            return "an unknown process"

    def wake(self) -> None:
        """This process saved events: the holder folds them now rather than at its next poll."""
        self._wake.set()

    interrupt = wake  # `stop()` ends a `wait` the same way

    def wait(self, timeout: float) -> None:
        self._wake.wait(timeout)
        self._wake.clear()

    def close(self) -> None:
        self.release()


class AdvisoryLock:
    """A PostgreSQL session-level advisory lock on a connection of its own, which also LISTENs."""

    def __init__(self, url: str, events_channel: str | None = None):
        self.url, self.events_channel = url, events_channel
        self.held = False
        self._connection = None
        self._private = f"reciproca_runner_{uuid.uuid4().hex[:16]}"

    def _connect(self):
        if self._connection is None or self._connection.closed:
            import psycopg

            self.held = False
            self._connection = psycopg.connect(
                self.url, autocommit=True, connect_timeout=10,
                application_name=f"reciproca runner: {who_am_i()}"[:63])
            for channel in (VIEWS_CHANNEL, self._private):
                self._connection.execute(f'LISTEN "{channel}"')
        return self._connection

    def acquire(self) -> bool:
        if self.held:
            return True
        try:
            connection = self._connect()
            got = connection.execute("SELECT pg_try_advisory_lock(%s, %s)", LOCK_KEY).fetchone()[0]
            if got:  # the holder's own pages need not wake it; the store's inserts must
                connection.execute(f'UNLISTEN "{VIEWS_CHANNEL}"')
                if self.events_channel:
                    connection.execute(f'LISTEN "{self.events_channel}"')
        except Exception:
            self._drop()
            raise
        self.held = bool(got)
        return self.held

    def release(self) -> None:
        self._drop()

    def holder(self) -> str:
        import psycopg

        with psycopg.connect(self.url, autocommit=True, connect_timeout=10) as connection:
            row = connection.execute(
                "SELECT a.application_name, a.client_addr, a.pid, a.backend_start "
                "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "JOIN pg_database d ON d.oid = l.database AND d.datname = current_database() "
                "WHERE l.locktype = 'advisory' AND l.classid = %s AND l.objid = %s "
                "AND l.objsubid = 2 AND l.granted", LOCK_KEY).fetchone()
        if row is None:
            return "a process that has just stopped"
        name, address, pid, started = row
        where = f" from {address}" if address else ""
        return (f"{name or 'a client'}{where}, database session {pid}, connected since "
                f"{started:%Y-%m-%d %H:%M:%S %Z}")

    def wake(self) -> None:
        """Nothing to do: the event store NOTIFYs the holder of every insert, from any process."""

    def interrupt(self) -> None:
        """End a `wait` at once (to stop): a NOTIFY on this runner's private channel."""
        import psycopg

        try:
            with psycopg.connect(self.url, autocommit=True, connect_timeout=10) as connection:
                connection.execute("SELECT pg_notify(%s, '')", (self._private,))
        except psycopg.Error:
            pass  # the runner wakes at its next timeout anyway

    def wait(self, timeout: float) -> None:
        """Until a notification arrives (a page, an insert, a poke) or `timeout` passes."""
        try:
            connection = self._connect()
            for _ in connection.notifies(timeout=timeout, stop_after=1):
                break
        except Exception:
            self._drop()  # the lock went with the connection; the runner will try again
            time.sleep(min(timeout, 1.0))
            raise

    def close(self) -> None:
        self._drop()

    def _drop(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except Exception:  # noqa: BLE001 - closing a broken connection
                pass
        self._connection, self.held = None, False
