"""Answers people can read without joining ids by hand.

Events carry text references ({"text_id", "digest"}) and opaque person ids. Beside an answer
that cites them, `texts_in` gives each cited text (null once erased) and `names_in` the name of
each person: their account's name, else the name given when they joined the group (null once
erased).
"""

import re

from projections.record import cited_texts
from webapp.services import Services

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def texts_in(found: Services, answer) -> dict[str, str | None]:
    return found.app.texts.read(sorted(cited_texts(answer)))


def names_in(found: Services, group, answer) -> dict[str, str | None]:
    """Names for every person id in `answer` (ids of anything else are left out)."""
    ids = _uuids(answer)
    names: dict[str, str | None] = dict(found.accounts.names(sorted(ids)))
    given = {person: ref for person, ref in group.display_names.items()
             if person in ids and names.get(person) is None}
    texts = found.app.texts.read([ref["text_id"] for ref in given.values()])
    names.update({person: texts[ref["text_id"]] for person, ref in given.items()})
    return names


def _uuids(value) -> set[str]:
    if isinstance(value, str):
        return {value} if _UUID.fullmatch(value) else set()
    if isinstance(value, dict):
        return set().union(*map(_uuids, value), *map(_uuids, value.values()))
    if isinstance(value, list):
        return set().union(*map(_uuids, value))
    return set()
