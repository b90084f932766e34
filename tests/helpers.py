"""Small builders shared by the tests: a group with members, and reading the stored log."""

import time
import uuid
from datetime import datetime, timedelta, timezone

MAJORITY = {"rule": "majority", "quorum": "1/2"}


def found_group(app, *, rule=MAJORITY, category="service_user"):
    """A new group; returns (group_id, chair_id)."""
    chair = str(uuid.uuid4())
    done = app.found_group(actor=chair, name="Mesa de coproducción", purpose="Salud mental",
                           category=category, founder_name="Lucía", decision_rule=rule)
    return done.id, chair


def admit(app, group_id, chair, category="professional", role="member"):
    member = str(uuid.uuid4())
    app.admit_member(group_id, actor=chair, member_id=member, display_name="Miembro",
                     category=category, role=role)
    return member


def stored_events(app):
    """Every stored domain event, in log order."""
    events, start = [], 1
    while True:
        page = app.recorder.select_notifications(start=start, limit=500)
        if not page:
            return events
        events += [app.mapper.to_domain_event(n) for n in page]
        start = page[-1].id + 1


def event_names(app):
    return [type(e).__name__ for e in stored_events(app)]


def eventually(condition, timeout: float = 60, what: str = "the condition") -> None:
    """Wait until `condition()` holds; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout} s"
        time.sleep(0.02)


class Clock:
    """A clock the test moves by hand (inject it as the application's clock)."""

    def __init__(self, now: datetime = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **span) -> None:
        self.now += timedelta(**span)


def folded(flask_app) -> None:
    """Once the read models include every stored event (an API write does not wait for them)."""
    found = flask_app.extensions["reciproca"]
    assert found.runner.wait_for(found.app.recorder.max_notification_id() or 0, 60)
