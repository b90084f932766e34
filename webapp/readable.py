"""Answers people can read without joining ids by hand.

Events carry text references ({"text_id", "digest"}) and opaque person ids. Beside an answer
that cites them, `texts_in` gives each cited text (null once erased) and `names_in` the name of
each person: their account's name, else the name given when they joined the group (null once
erased); `texts_and_names` gives both from one walk of the answer (a record page is thousands
of nodes, and walking it was the largest part of the page's own time).
"""

import re

from projections.record import cited_texts
from webapp.services import Services

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def texts_in(found: Services, answer) -> dict[str, str | None]:
    return found.app.texts.read(sorted(cited_texts(answer)))


def names_in(found: Services, group_id: str, answer) -> dict[str, str | None]:
    """Names for every person id in `answer` (ids of anything else are left out)."""
    return _names(found, group_id, _cited(answer)[1])


def texts_and_names(found: Services, group_id: str, answer
                    ) -> tuple[dict[str, str | None], dict[str, str | None]]:
    text_ids, ids = _cited(answer)
    return found.app.texts.read(sorted(text_ids)), _names(found, group_id, ids)


def _names(found: Services, group_id: str, ids: set[str]) -> dict[str, str | None]:
    """Account names, else the group's own names of its people, from its cached aggregate
    (read, not copied, and only when someone has no account)."""
    names: dict[str, str | None] = dict(found.accounts.names(sorted(ids)))
    unnamed = ids - names.keys()
    given = {} if not unnamed else {
        person: ref for person, ref in found.app.group(group_id).display_names.items()
        if person in unnamed}
    texts = found.app.texts.read([ref["text_id"] for ref in given.values()])
    names.update({person: texts[ref["text_id"]] for person, ref in given.items()})
    return names


def _cited(value) -> tuple[set[str], set[str]]:
    """The ids of the texts `value` cites, and every other UUID string in it (keys included):
    one walk with one stack."""
    text_ids, ids, pending = set(), set(), [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if len(item) == 36 and _UUID.fullmatch(item):
                ids.add(item)
        elif isinstance(item, dict):
            if len(item) == 2 and "text_id" in item and "digest" in item:
                text_ids.add(item["text_id"])
            else:
                pending.extend(item)
                pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return text_ids, ids
