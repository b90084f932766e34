"""Opaque page cursors: what a list needs to continue, signed with the app's secret key, so a
cursor cannot be forged or altered (a changed one is refused, 422 naming `cursor`) and a client
cannot depend on what is inside."""

from flask import current_app
from itsdangerous import BadData, URLSafeSerializer
from marshmallow import ValidationError


def _signer(kind: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=f"reciproca-cursor-{kind}")


def make_cursor(kind: str, **values) -> str:
    """A cursor of a list of `kind` (cursors of one list are refused by another)."""
    return _signer(kind).dumps(values)


def read_cursor(kind: str, cursor: str) -> dict:
    try:
        values = _signer(kind).loads(cursor)
    except BadData:
        raise ValidationError({"cursor": ["not a cursor given by this list"]}) from None
    return values
