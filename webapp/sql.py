"""A tiny SQL helper for the ordinary mutable tables (texts, accounts, ...): SQLite or PostgreSQL.

Statements are written once with named `:parameters` (SQLite's style); `Database.sql()` rewrites
them to psycopg's `%(name)s` on PostgreSQL. Rows come back as dicts.

    db = Database(url)
    with db.cursor() as cursor:              # one transaction: committed, or rolled back on error
        cursor.execute(db.sql("SELECT name FROM t WHERE id = :id"), {"id": some_id})
        row = cursor.fetchone()              # {"name": ...} or None

On SQLite a transaction takes an idle connection of this process (opening one only when none is
idle) and gives it back when it ends, so a request does not pay for opening the file; `close()`
closes them all. The event store has already put the file in WAL mode. Python's sqlite3 begins
the transaction at the first write, so reads made before it are not isolated from other
writers; `cursor(write=True)` takes the write lock at once (BEGIN IMMEDIATE) for a
read-then-write that must not interleave. On PostgreSQL (READ COMMITTED) lock
the rows instead (`SELECT ... FOR UPDATE`, see `Database.for_update`).
"""

import os
import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from domain.settings import sqlite_path

IDLE_CONNECTIONS = 8  # idle SQLite connections kept for reuse; more are opened (and closed) at need

# A quoted literal or identifier (left alone), or a :name placeholder (not a ::cast).
_TOKEN = re.compile(r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|(?<![:\w]):([A-Za-z_]\w*)""")


def _dict_row(cursor: sqlite3.Cursor, row: tuple) -> dict:
    return {column[0]: value for column, value in zip(cursor.description, row)}


class Database:
    """One database named by a URL: `sqlite:///path` or `postgresql://user@host/db`."""

    def __init__(self, url: str, *, pool_size: int = 4):
        self.url = url
        self.path = sqlite_path(url)
        self.dialect = "sqlite" if self.path is not None else "postgresql"
        self._pool = None
        self._idle: list[sqlite3.Connection] = []
        self._idle_lock = threading.Lock()
        self._pid = os.getpid()
        self.connections_opened = 0  # counted by tests of a request's cost
        if self.path is None:
            import psycopg
            from psycopg.rows import dict_row
            from psycopg_pool import ConnectionPool

            self._pool = ConnectionPool(url, min_size=1, max_size=pool_size, open=True,
                                        kwargs={"row_factory": dict_row})
            self.integrity_errors: tuple[type[Exception], ...] = (psycopg.IntegrityError,)
        else:
            self.integrity_errors = (sqlite3.IntegrityError,)

    @property
    def for_update(self) -> str:
        """The row-locking clause to append to a SELECT: ` FOR UPDATE` on PostgreSQL only."""
        return " FOR UPDATE" if self.dialect == "postgresql" else ""

    def add_column(self, cursor, table: str, column: str, kind: str) -> None:
        """Add a column to a table made by an earlier version, unless it is there already."""
        if self.dialect == "postgresql":
            cursor.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} {kind}")
            return
        cursor.execute(f"PRAGMA table_info({table})")
        if column not in {row["name"] for row in cursor.fetchall()}:
            cursor.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")

    def sql(self, statement: str) -> str:
        """The statement with `:name` placeholders in this driver's style.

        On PostgreSQL a literal `%` is doubled, as psycopg requires when parameters are passed:
        execute the result with a parameter dict (possibly empty), or pass a statement without
        placeholders or `%` unchanged.
        """
        if self.dialect == "sqlite":
            return statement

        def rewrite(match: re.Match) -> str:
            if match.group(1) is None:
                return match.group(0).replace("%", "%%")
            return f"%({match.group(1)})s"

        pieces, last = [], 0
        for match in _TOKEN.finditer(statement):
            pieces.append(statement[last:match.start()].replace("%", "%%"))
            pieces.append(rewrite(match))
            last = match.end()
        pieces.append(statement[last:].replace("%", "%%"))
        return "".join(pieces)

    @contextmanager
    def cursor(self, *, write: bool = False) -> Iterator:
        """A cursor inside one transaction: committed on success, rolled back on an error.

        `write=True` on SQLite takes the database's write lock at the start (waiting up to 30 s),
        so what the block reads stays true until it commits.
        """
        if self._pool is not None:
            with self._pool.connection() as connection, connection.cursor() as cursor:
                yield cursor
            return
        connection = self._take()
        try:
            with connection:
                if write:
                    connection.execute("BEGIN IMMEDIATE")
                yield connection.cursor()
        except BaseException:
            connection.close()  # whatever state it was left in, it is not reused
            raise
        self._give_back(connection)

    def _take(self) -> sqlite3.Connection:
        with self._idle_lock:
            if self._pid != os.getpid():  # a forked child: the parent's connections are not ours
                self._idle, self._pid = [], os.getpid()
            if self._idle:
                return self._idle.pop()
            self.connections_opened += 1
        connection = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        connection.row_factory = _dict_row
        return connection

    def _give_back(self, connection: sqlite3.Connection) -> None:
        with self._idle_lock:
            if len(self._idle) < IDLE_CONNECTIONS and self._pid == os.getpid():
                self._idle.append(connection)
                return
        connection.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
        with self._idle_lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()
