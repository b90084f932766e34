"""Proposals close by themselves at their deadline: a duty for the process holding the runner
lock, so one process does it, whatever number serve the groups.

The read models say which open proposals have reached their deadline (an indexed query, not a
replay); the application closes each one, and the aggregate has the last word: a proposal closed
meanwhile, by a person or by another process, is left as it is, so a close is never recorded
twice even if two processes ran this at once.
"""

from collections.abc import Callable

from domain.application import Reciproca
from projections.queries import due_proposals
from projections.store import ViewTables


def deadline_duty(app: Reciproca, views: ViewTables) -> Callable[[], int]:
    """The duty: close what is due by the application's clock; returns how many it closed."""

    def close_due() -> int:
        return len(app.close_due_proposals(due_proposals(views, app.now())))

    return close_due
