"""Redaction and erasure: free text and a person's details removed, while the record, every figure
and the ledger stay exactly as they were (events hold only text ids and salted digests).

A redaction deletes the text and its salt in the transaction that records who did it and why (a
`TextRedacted` event of the group whose record cites the text). On SQLite the deleted bytes are
zeroed and the write-ahead log is then emptied into the database file, so the text is nowhere in
the files afterwards.
"""

import json
import sqlite3

from domain.errors import InvalidValue, NotFound
from domain.settings import sqlite_path
from projections.record import cited_texts


def citing_group(views, text_id: str) -> str:
    """The group whose record cites the text."""
    rows = views.select("SELECT group_id FROM view_record WHERE entry LIKE :pattern LIMIT 1",
                        pattern=f'%"text_id": "{text_id}"%')
    if not rows:
        raise NotFound(f"no event of any group cites the text {text_id}", "text_id")
    return rows[0]["group_id"]


def redact(app, views, text_id: str, *, actor: str, reason: str, how: str = "redaction"):
    """Erase one text of a group's record; the position of the event recording it."""
    group_id = citing_group(views, text_id)
    if app.texts.read([text_id])[text_id] is None:
        raise InvalidValue(f"the text {text_id} is already redacted", "text_id")
    return app.redact_text(group_id, actor=actor, text_id=text_id, reason=reason, how=how)


def person_texts(app, views, person_id: str) -> tuple[list[str], list[str]]:
    """The texts still stored that name the person (the names given when they joined) and
    those they wrote (titles, bodies, reasons, descriptions, comments, tags), by id."""
    names, written = set(), set()
    rows = views.select("SELECT entry FROM view_record WHERE entry LIKE :person ORDER BY position",
                        person=f'%"{person_id}"%')
    for entry in (json.loads(row["entry"]) for row in rows):
        if entry["type"] == "MemberJoined" and entry["data"]["member_id"] == person_id:
            names.add(entry["data"]["display_name"]["text_id"])
        elif entry["actor"] == person_id:
            written |= cited_texts(entry["data"])
    stored = app.texts.read(sorted(names | written))
    return ([t for t in sorted(names) if stored[t] is not None],
            [t for t in sorted(written - names) if stored[t] is not None])


def scrub(database_url: str) -> bool:
    """SQLite: copy the write-ahead log into the database file and empty it, so deleted text
    left in older copies of its pages is gone. False if a reader kept part of it (a running
    server): run it again when idle. PostgreSQL keeps deleted rows until VACUUM (see
    docs/operations.md)."""
    path = sqlite_path(database_url)
    if path is None:
        return True
    connection = sqlite3.connect(path, timeout=30)
    try:
        busy, _, _ = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        connection.close()
    return not busy
