"""The mutable store of free text that events refer to (see domain/texts.py).

Each text is kept with a random salt; events carry only the text's id and its salted SHA-256
digest, so the text can be verified while it exists and erased (text and salt deleted) without
touching the log.

Texts are written only by the event recorders below, inside the database transaction that
inserts the events citing them (the library's own insert hook, `_insert_events`, which it uses to
write tracking records atomically with events); they are erased the same way, with the event that
records the redaction. `SqlTextStore` reads them.
"""

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from eventsourcing.utils import get_topic
from psycopg.sql import SQL

from domain.texts import NewText
from webapp.sql import Database

SCHEMA = """CREATE TABLE IF NOT EXISTS reciproca_texts (
    text_id TEXT PRIMARY KEY,
    salt TEXT,
    body TEXT,
    digest TEXT NOT NULL
)"""
INSERT = "INSERT INTO reciproca_texts (text_id, salt, body, digest) VALUES ({marks})"
DELETE = "DELETE FROM reciproca_texts WHERE text_id = {mark}"


def _erased(stored_events: Sequence[StoredEvent], text_ids: Sequence[str]) -> list[tuple]:
    """The texts to delete: only with the events that record their erasure."""
    return [(text_id,) for text_id in text_ids] if stored_events else []


def _rows(stored_events: Sequence[StoredEvent], texts: Sequence[NewText]) -> list[tuple]:
    """The text rows to insert: none when there are no events to cite them."""
    if not stored_events:
        return []
    return [(t.text_id, t.salt, t.body, t.digest) for t in texts]


class SQLiteTextRecorder(SQLiteApplicationRecorder):
    """The library's SQLite recorder, also inserting `save(..., texts=[NewText])`."""

    stores_texts = True

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), SCHEMA]

    def _insert_events(self, c, stored_events: Sequence[StoredEvent], **kwargs: Any):
        notification_ids = super()._insert_events(c, stored_events, **kwargs)
        rows = _rows(stored_events, kwargs.get("texts", ()))
        if rows:
            c.executemany(INSERT.format(marks="?, ?, ?, ?"), rows)
        erased = _erased(stored_events, kwargs.get("erase", ()))
        if erased:
            c.execute("PRAGMA secure_delete = ON")  # the freed bytes are zeroed, not left behind
            c.executemany(DELETE.format(mark="?"), erased)
        return notification_ids


class PostgresTextRecorder(PostgresApplicationRecorder):
    """The library's PostgreSQL recorder, also inserting `save(..., texts=[NewText])`."""

    stores_texts = True

    def __init__(self, datastore, **kwargs: Any):
        super().__init__(datastore, **kwargs)
        self.sql_create_statements.append(SQL(SCHEMA))

    def _insert_events(self, curs, stored_events: Sequence[StoredEvent], **kwargs: Any):
        super()._insert_events(curs, stored_events, **kwargs)
        rows = _rows(stored_events, kwargs.get("texts", ()))
        if rows:
            curs.executemany(INSERT.format(marks="%s, %s, %s, %s"), rows)
        erased = _erased(stored_events, kwargs.get("erase", ()))
        if erased:
            curs.executemany(DELETE.format(mark="%s"), erased)


def recorder_topic(dialect: str) -> str:
    """The library setting APPLICATION_RECORDER_TOPIC for this database's text recorder."""
    return get_topic(SQLiteTextRecorder if dialect == "sqlite" else PostgresTextRecorder)


class SqlTextStore:
    """Reads texts from the table of the same database as the events (SQLite or PostgreSQL)."""

    def __init__(self, database_url: str):
        self.db = Database(database_url)

    def read(self, text_ids: list[str]) -> dict[str, str | None]:
        """The texts by id; None for a text that was erased or never kept."""
        found = dict.fromkeys(text_ids)
        if not text_ids:
            return found
        params = {f"id{i}": text_id for i, text_id in enumerate(found)}
        marks = ", ".join(f":{name}" for name in params)
        with self.db.cursor() as cursor:
            cursor.execute(self.db.sql(
                f"SELECT text_id, body FROM reciproca_texts WHERE text_id IN ({marks})"), params)
            found.update({row["text_id"]: row["body"] for row in cursor.fetchall()})
        return found

    def text(self, ref: dict | None) -> str | None:
        return None if ref is None else self.read([ref["text_id"]])[ref["text_id"]]

    def close(self) -> None:
        self.db.close()
