"""Invitations: a secret link that lets one person join a group, in an ordinary table.

A chair or facilitator creates one for a category (and the member or observer role); the link
is shown once and only its digest kept (webapp/keys.py). It is valid 1 to 30 days, used once,
and can be withdrawn. An invitation is operational state, not the group's record: the record
gets the joining event, which names who invited. The note is the inviter's own reminder (for
whom it was meant); it is shown to the group's chairs and facilitators, never to the invitee.
"""

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from domain.errors import NotFound
from webapp import keys
from webapp.accounts import LinkGone
from webapp.sql import Database

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS reciproca_invitations (
        invitation_id TEXT PRIMARY KEY,
        group_id TEXT NOT NULL,
        prefix TEXT NOT NULL UNIQUE,
        digest TEXT NOT NULL,
        category TEXT NOT NULL,
        role TEXT NOT NULL,
        note TEXT,
        invited_by TEXT NOT NULL,
        created TEXT NOT NULL,
        expires TEXT NOT NULL,
        revoked TEXT,
        used TEXT,
        used_by TEXT)""",
    "CREATE INDEX IF NOT EXISTS reciproca_invitations_group "
    "ON reciproca_invitations (group_id, created)",
]
KIND = "inv"
COLUMNS = ("invitation_id, group_id, category, role, note, invited_by, created, expires, "
           "revoked, used, used_by")


class Invitations:
    def __init__(self, db: Database, *, clock: Callable[[], datetime] | None = None):
        self.db = db
        self.clock = clock or (lambda: datetime.now(timezone.utc))

    def create_tables(self) -> None:
        with self.db.cursor() as cursor:
            for statement in SCHEMA:
                cursor.execute(statement)

    def create(self, *, group_id: str, invited_by: str, category: str, role: str,
               note: str | None, days: int) -> dict:
        """A new invitation: its id, secret (shown only now) and expiry."""
        secret, prefix = keys.new_secret(KIND)
        now = self.clock()
        invitation = {"invitation_id": str(uuid.uuid4()), "group_id": group_id,
                      "category": category, "role": role, "note": note,
                      "invited_by": invited_by, "created": now.isoformat(),
                      "expires": (now + timedelta(days=days)).isoformat()}
        with self.db.cursor() as cursor:
            cursor.execute(self.db.sql(
                "INSERT INTO reciproca_invitations (invitation_id, group_id, prefix, digest, "
                "category, role, note, invited_by, created, expires) VALUES (:invitation_id, "
                ":group_id, :prefix, :digest, :category, :role, :note, :invited_by, :created, "
                ":expires)"), {**invitation, "prefix": prefix, "digest": keys.digest(secret)})
        return {**invitation, "secret": secret}

    def open_ones(self, group_id: str) -> list[dict]:
        """The group's invitations still usable: not used, withdrawn or expired."""
        with self.db.cursor() as cursor:
            cursor.execute(self.db.sql(
                f"SELECT {COLUMNS} FROM reciproca_invitations WHERE group_id = :group_id AND "
                f"revoked IS NULL AND used IS NULL AND expires > :now ORDER BY created"),
                {"group_id": group_id, "now": self.clock().isoformat()})
            return [dict(row) for row in cursor.fetchall()]

    def revoke(self, group_id: str, invitation_id: str) -> bool:
        """Withdraw an unused invitation of the group; False when there is none to withdraw."""
        with self.db.cursor() as cursor:
            cursor.execute(self.db.sql(
                "UPDATE reciproca_invitations SET revoked = :now WHERE invitation_id = :id "
                "AND group_id = :group_id AND revoked IS NULL AND used IS NULL"),
                {"now": self.clock().isoformat(), "id": invitation_id, "group_id": group_id})
            return cursor.rowcount == 1

    def find(self, secret: str) -> dict:
        """The usable invitation this secret opens. NotFound for a secret that opens nothing
        (malformed, guessed, altered); LinkGone when used, withdrawn or expired."""
        prefix = keys.prefix_of(KIND, secret)
        with self.db.cursor() as cursor:
            cursor.execute(self.db.sql(
                f"SELECT {COLUMNS}, digest FROM reciproca_invitations WHERE prefix = :prefix"),
                {"prefix": prefix or ""})
            row = cursor.fetchone()
        if row is None or not keys.matches(row.pop("digest"), secret):
            raise NotFound("there is no such invitation", "secret")
        if row["revoked"]:
            raise LinkGone("this invitation was withdrawn", "secret")
        if row["used"]:
            raise LinkGone("this invitation has already been used", "secret")
        if datetime.fromisoformat(row["expires"]) <= self.clock():
            raise LinkGone("this invitation has expired", "secret")
        return row

    def claim(self, secret: str) -> dict:
        """Mark the invitation used, once: of two people accepting at the same moment, the
        second gets LinkGone."""
        invitation = self.find(secret)
        with self.db.cursor() as cursor:
            cursor.execute(self.db.sql(
                "UPDATE reciproca_invitations SET used = :now WHERE invitation_id = :id "
                "AND used IS NULL AND revoked IS NULL"),
                {"now": self.clock().isoformat(), "id": invitation["invitation_id"]})
            if cursor.rowcount != 1:
                raise LinkGone("this invitation has already been used", "secret")
        return invitation

    def release(self, invitation_id: str) -> None:
        """Give back a claim whose join failed, so the link still works."""
        self._update("used = NULL, used_by = NULL", invitation_id)

    def used_by(self, invitation_id: str, person_id: str) -> None:
        self._update("used_by = :person_id", invitation_id, person_id=person_id)

    def _update(self, assignments: str, invitation_id: str, **params) -> None:
        with self.db.cursor() as cursor:
            cursor.execute(self.db.sql(
                f"UPDATE reciproca_invitations SET {assignments} WHERE invitation_id = :id"),
                {"id": invitation_id, **params})
