"""The base of the group's aggregates: every event names who acted and in which group.

Aggregate and event classes carry explicit, stable topics (stored with each event), so classes can
move between modules without breaking the stored log; `class_version` allows upcasting later.
"""

from datetime import datetime

from eventsourcing.domain import Aggregate


class GroupAggregate(Aggregate):
    group_id: str

    class Event(Aggregate.Event):
        class_version = 1
        actor: str
        group_id: str

    def _trigger(self, event_class, actor: str, at: datetime, **attributes) -> None:
        self.trigger_event(event_class, actor=actor, group_id=self.group_id, timestamp=at,
                           **attributes)
