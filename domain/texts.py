"""Free text stays out of the immutable log.

Titles, reasons, comments, names and tags may hold health details about third parties. Events
carry a reference (`text_id` and a salted digest); the text itself lives in a mutable store, so
it can be redacted without rewriting the log or breaking any hash computed over it.

A command turns each text it was given into a `NewText` (`Texts.keep`) and puts the references
in its events; the texts are written by the event recorder in the same database transaction as
the events that cite them (see webapp/texts.py). A refused, repeated or failed command therefore
leaves no text behind, and nothing needs cleaning up.
"""

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from typing import Protocol

from domain.errors import InvalidValue

# The longest text accepted for each kind of field, in characters.
TEXT_LIMITS = {
    "name": 200,
    "display_name": 120,
    "purpose": 2000,
    "title": 200,
    "body": 20000,
    "reason": 2000,
    "description": 2000,
    "comment": 5000,
    "tag": 40,
}


def digest_of(salt: str, text: str) -> str:
    """The salted SHA-256 digest events carry: it verifies a text while text and salt exist."""
    return hashlib.sha256(bytes.fromhex(salt) + text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class NewText:
    """A text to be stored with the events that cite it: its row and the reference they carry."""

    text_id: str
    salt: str
    body: str
    digest: str

    @classmethod
    def of(cls, text: str) -> "NewText":
        salt = secrets.token_hex(16)
        return cls(str(uuid.uuid4()), salt, text, digest_of(salt, text))

    @property
    def ref(self) -> dict:
        return {"text_id": self.text_id, "digest": self.digest}


class Texts:
    """The texts one command keeps, handed to `save(..., texts=kept.new)` with its events."""

    def __init__(self):
        self.new: list[NewText] = []
        self.erased: list[str] = []  # text ids deleted (text and salt) with the events

    def keep(self, value: object, field: str, *, required: bool = True,
             limit: str | None = None) -> dict | None:
        """The reference to a checked text (None for an optional one left empty).
        `limit` names the TEXT_LIMITS entry when it is not the field's own name."""
        checked = checked_text(value, field, required=required, limit=limit)
        if checked is None:
            return None
        new = NewText.of(checked)
        self.new.append(new)
        return new.ref

    def erase(self, text_id: object) -> str:
        """Delete this text (and its salt) in the transaction that records the erasure."""
        try:
            checked = str(uuid.UUID(str(text_id)))
        except ValueError:
            raise InvalidValue(f"text_id must be a text's id (a UUID), not {text_id!r}",
                               "text_id") from None
        self.erased.append(checked)
        return checked


class TextStore(Protocol):
    """What the rest of the code reads; writing happens only with the events (see above)."""

    def read(self, text_ids: list[str]) -> dict[str, str | None]:
        """The texts by id; None for a text that was erased or never stored."""

    def text(self, ref: dict | None) -> str | None:
        """The text a reference points to, or None."""


def checked_text(value: object, field: str, *, required: bool = True,
                 limit: str | None = None) -> str | None:
    """The text, stripped, after checking it is a string within its field's limit."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidValue(f"{field} must not be empty", field)
        return None
    if not isinstance(value, str):
        raise InvalidValue(f"{field} must be text", field)
    text, most = value.strip(), TEXT_LIMITS[limit or field]
    if len(text) > most:
        raise InvalidValue(f"{field} is longer than {most} characters", field)
    return text
