"""Events as the read models see them: plain, JSON-ready dicts with a log position.

The runner turns each stored domain event into one of these; the folds and the shared record only
ever see this form, so a record row can be folded again (time travel) exactly as the live event.
An event's `type` is its stable name, the last segment of the topic it is stored under
(`reciproca/Proposal.VoteCast` -> `VoteCast`), never its Python class name: renaming or moving a
class that keeps its topic changes nothing the read side sees.
"""

import re
from datetime import datetime
from functools import lru_cache

from eventsourcing.utils import get_topic

COMMON = {"originator_id", "originator_version", "timestamp", "originator_topic", "actor",
          "group_id"}


def event_view(domain_event, position: int) -> dict:
    """The plain view of a stored event: where, when, who, what, and its own data."""
    attributes = vars(domain_event)
    return {
        "position": position,
        "group_id": attributes["group_id"],
        "aggregate_id": str(domain_event.originator_id),
        "version": domain_event.originator_version,
        "time": domain_event.timestamp.isoformat(),
        "actor": attributes["actor"],
        "type": event_name(get_topic(type(domain_event))),
        "data": {k: v for k, v in attributes.items() if k not in COMMON},
    }


@lru_cache(maxsize=256)
def event_name(topic: str) -> str:
    """The stable name of the events stored under `topic`: its last segment."""
    return re.split(r"[/.:]", topic)[-1]


def effective_time(event_time: str, previous: str | None) -> str:
    """t' = max(t, previous t'): times are set when an event is created and positions when it
    commits, so across processes a group's times could otherwise run backwards in log order."""
    if previous is None:
        return event_time
    return max(event_time, previous, key=datetime.fromisoformat)
