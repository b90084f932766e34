"""The mutable store of free text that events refer to (see domain/texts.py).

Each text is kept with a random salt; events carry only the text's id and its salted SHA-256
digest, so the text can be verified while it exists and erased (text and salt deleted) without
touching the log.
"""

import hashlib
import secrets
import uuid

from webapp.sql import Database

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
        self.db = Database(database_url)

    def create_table(self) -> None:
        with self.db.cursor() as cursor:
            cursor.execute(SCHEMA)

    def keep(self, text: str) -> dict:
        text_id, salt = str(uuid.uuid4()), secrets.token_hex(16)
        digest = digest_of(salt, text)
        with self.db.cursor() as cursor:
            cursor.execute(self.db.sql(
                "INSERT INTO reciproca_texts (text_id, salt, body, digest) "
                "VALUES (:text_id, :salt, :body, :digest)"),
                {"text_id": text_id, "salt": salt, "body": text, "digest": digest})
        return {"text_id": text_id, "digest": digest}

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

    def discard(self, text_ids: list[str]) -> None:
        """Delete texts no event refers to (kept for a command that was then refused)."""
        params = {f"id{i}": text_id for i, text_id in enumerate(text_ids)}
        if params:
            marks = ", ".join(f":{name}" for name in params)
            with self.db.cursor() as cursor:
                cursor.execute(self.db.sql(
                    f"DELETE FROM reciproca_texts WHERE text_id IN ({marks})"), params)

    def text(self, ref: dict | None) -> str | None:
        return None if ref is None else self.read([ref["text_id"]])[ref["text_id"]]

    def close(self) -> None:
        self.db.close()
