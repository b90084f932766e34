"""The mutable store of free text that events refer to (see domain/texts.py).

Each text is kept with a random salt; events carry only the text's id and its salted SHA-256
digest, so the text can be verified while it exists and erased (text and salt deleted) without
touching the log.
"""

import hashlib
import secrets
import sqlite3
import uuid
from contextlib import contextmanager

from domain.settings import sqlite_path

SCHEMA = """CREATE TABLE IF NOT EXISTS reciproca_texts (
    text_id TEXT PRIMARY KEY,
    salt TEXT,
    body TEXT,
    digest TEXT NOT NULL
)"""


def digest_of(salt: str, text: str) -> str:
    return hashlib.sha256(bytes.fromhex(salt) + text.encode("utf-8")).hexdigest()


class SqlTextStore:
    """Texts in a table of the same database as the events (SQLite file or PostgreSQL)."""

    def __init__(self, database_url: str):
        self._sqlite = sqlite_path(database_url)
        self._pool = None
        if self._sqlite is None:
            from psycopg_pool import ConnectionPool

            self._pool = ConnectionPool(database_url, min_size=1, max_size=4, open=True)
        self._mark = "?" if self._sqlite else "%s"

    def create_table(self) -> None:
        with self._cursor() as cursor:
            cursor.execute(SCHEMA)

    def keep(self, text: str) -> dict:
        text_id, salt = str(uuid.uuid4()), secrets.token_hex(16)
        digest = digest_of(salt, text)
        with self._cursor() as cursor:
            cursor.execute(
                f"INSERT INTO reciproca_texts (text_id, salt, body, digest) "
                f"VALUES ({self._mark}, {self._mark}, {self._mark}, {self._mark})",
                (text_id, salt, text, digest))
        return {"text_id": text_id, "digest": digest}

    def read(self, text_ids: list[str]) -> dict[str, str | None]:
        """The texts by id; None for a text that was erased or never kept."""
        found = dict.fromkeys(text_ids)
        if not text_ids:
            return found
        marks = ", ".join([self._mark] * len(text_ids))
        with self._cursor() as cursor:
            cursor.execute(f"SELECT text_id, body FROM reciproca_texts WHERE text_id IN ({marks})",
                           list(text_ids))
            found.update({row[0]: row[1] for row in cursor.fetchall()})
        return found

    def text(self, ref: dict | None) -> str | None:
        return None if ref is None else self.read([ref["text_id"]])[ref["text_id"]]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()

    @contextmanager
    def _cursor(self):
        if self._pool is not None:
            with self._pool.connection() as connection, connection.cursor() as cursor:
                yield cursor
            return
        connection = sqlite3.connect(self._sqlite, timeout=30)
        try:
            with connection:
                yield connection.cursor()
        finally:
            connection.close()
