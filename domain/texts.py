"""Free text stays out of the immutable log.

Titles, reasons, comments and names may hold health details about third parties. Events carry a
reference (`text_id` and a salted digest); the text itself lives in a mutable store, so it can be
redacted without rewriting the log or breaking any hash computed over it.
"""

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
}


class TextStore(Protocol):
    def keep(self, text: str) -> dict:
        """Store `text` and return its reference: {"text_id": str, "digest": str}."""

    def discard(self, text_ids: list[str]) -> None:
        """Delete texts that no event refers to (their command was refused)."""


def checked_text(value: object, field: str, *, required: bool = True) -> str | None:
    """The text, stripped, after checking it is a string within its field's limit."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidValue(f"{field} must not be empty", field)
        return None
    if not isinstance(value, str):
        raise InvalidValue(f"{field} must be text", field)
    text = value.strip()
    if len(text) > TEXT_LIMITS[field]:
        raise InvalidValue(f"{field} is longer than {TEXT_LIMITS[field]} characters", field)
    return text
