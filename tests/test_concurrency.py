"""Concurrent votes on one proposal: every vote recorded exactly once, on SQLite and PostgreSQL.

Two application instances on the same database stand for two processes: their writes conflict in
the database (not only in the in-process lock), so the bounded retries are exercised too.
"""

import threading

from eventsourcing.persistence import RecordConflictError

import pytest

from tests.helpers import admit, found_group, stored_events
from webapp.storage import close, open_application

VOTERS = 20


@pytest.mark.parametrize("instances", [1, 2], ids=["one-process", "two-processes"])
def test_twenty_threads_voting_at_once_record_every_vote_once(database_url, instances):
    apps = [open_application(database_url) for _ in range(instances)]
    try:
        app = apps[0]
        group_id, chair = found_group(app)
        voters = [chair] + [admit(app, group_id, chair) for _ in range(VOTERS - 1)]
        proposal_id = app.table_proposal(group_id, actor=chair, title="Abrir los sábados",
                                         body="Horario ampliado", scope="delivery").id
        start, errors = threading.Barrier(VOTERS), []

        def vote(n, voter):
            start.wait()
            try:
                apps[n % instances].cast_vote(proposal_id, actor=voter,
                                              position="for" if n % 3 else "against")
            except Exception as error:  # noqa: BLE001 - any failure is the test's finding
                errors.append(error)

        threads = [threading.Thread(target=vote, args=(n, v)) for n, v in enumerate(voters)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert errors == []
        proposal = app.proposal(proposal_id)
        assert proposal.votes_cast == VOTERS
        assert sorted(proposal.ballots) == sorted(voters)
        votes = [e for e in stored_events(app) if type(e).__name__ == "VoteCast"]
        assert sorted(e.voter for e in votes) == sorted(voters)
        assert [e.originator_version for e in votes] == list(range(2, VOTERS + 2))
    finally:
        for a in apps:
            close(a)


def test_close_racing_a_departure_decides_on_the_membership_it_saw(database_url):
    """Closing writes the group too, so a member leaving at the same moment either counts as
    eligible (left after) or not at all (left before): never half of each."""
    apps = [open_application(database_url) for _ in range(2)]
    try:
        app = apps[0]
        group_id, chair = found_group(app)
        leaver = admit(app, group_id, chair)
        proposal_id = app.table_proposal(group_id, actor=chair, title="Protocolo de crisis",
                                         body="Plan compartido", scope="risk").id
        app.cast_vote(proposal_id, actor=leaver, position="for")
        start = threading.Barrier(2)

        def close_it():
            start.wait()
            apps[0].close_proposal(proposal_id, actor=chair)

        def leave():
            start.wait()
            apps[1].leave_group(group_id, actor=leaver, member_id=leaver)

        threads = [threading.Thread(target=close_it), threading.Thread(target=leave)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        decision = app.proposal(proposal_id).decision
        events = [type(e).__name__ for e in stored_events(app)]
        left_first = events.index("MemberLeft") < events.index("Closed")
        assert (leaver in decision["eligible"]) is not left_first
        assert (leaver in decision["void"]) is left_first
    finally:
        for a in apps:
            close(a)


def test_two_processes_writing_one_proposal_take_turns_instead_of_conflicting(postgres_url):
    """On PostgreSQL the application's per-aggregate locks are also advisory locks across
    processes: writers of one proposal on two servers wait for each other, so no insert
    conflicts and nobody waits out a retry's pause."""
    apps = [open_application(postgres_url) for _ in range(2)]
    conflicts = []
    for app in apps:
        save = app.save

        def counted(*aggregates, _save=save, **kwargs):
            try:
                return _save(*aggregates, **kwargs)
            except RecordConflictError:
                conflicts.append(aggregates)
                raise

        app.save = counted
    try:
        group_id, chair = found_group(apps[0])
        voters = [chair] + [admit(apps[0], group_id, chair) for _ in range(VOTERS - 1)]
        proposal_id = apps[0].table_proposal(group_id, actor=chair, title="Abrir los sábados",
                                             body="Horario ampliado", scope="delivery").id
        start = threading.Barrier(VOTERS)

        def vote(n, voter):
            start.wait()
            apps[n % 2].cast_vote(proposal_id, actor=voter, position="for")

        threads = [threading.Thread(target=vote, args=(n, v)) for n, v in enumerate(voters)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert apps[1].proposal(proposal_id).votes_cast == VOTERS
        assert conflicts == []
    finally:
        for app in apps:
            close(app)
