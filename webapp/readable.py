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


def names_in(found: Services, group_id: str, answer) -> dict[str, str | None]:
    """Names for every person id in `answer` (ids of anything else are left out); the group's
    own names of its people come from its cached aggregate, read (not copied)."""
    ids = _uuids(answer)
    names: dict[str, str | None] = dict(found.accounts.names(sorted(ids)))
    unnamed = ids - names.keys()
    given = {} if not unnamed else {
        person: ref for person, ref in found.app.group(group_id).display_names.items()
        if person in unnamed}
    texts = found.app.texts.read([ref["text_id"] for ref in given.values()])
    names.update({person: texts[ref["text_id"]] for person, ref in given.items()})
    return names


def _uuids(value) -> set[str]:
    """Every UUID string anywhere in `value` (keys included): one walk with one set, as
    `cited_texts` does (a record page is thousands of nodes)."""
    found, pending = set(), [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if len(item) == 36 and _UUID.fullmatch(item):
                found.add(item)
        elif isinstance(item, dict):
            pending.extend(item)
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return found
