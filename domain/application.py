"""The application service: its command methods are the only way to change anything.

Each command loads the aggregates it needs, lets them enforce the rules, and saves their events
together. Writes to one aggregate are serialised inside the process (a striped lock keyed by
aggregate id), and conflicts with other processes are retried a bounded number of times with
jitter, then reported: a vote is never lost or counted twice.
"""

import hashlib
import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from uuid import UUID, NAMESPACE_URL, uuid4, uuid5

from copy import deepcopy

from eventsourcing.application import AggregateNotFoundError, Application, project_aggregate
from eventsourcing.persistence import RecordConflictError
from eventsourcing.utils import Environment

from domain.contribution import Contribution, checked_scores, checked_tags
from domain.errors import ConcurrencyConflict, DomainError, InvalidValue, NotFound
from domain.group import Group
from domain.proposal import Proposal, close_request, vote_request
from domain.rules import DecisionRule
from domain.texts import Texts, TextStore

log = logging.getLogger("reciproca.application")

MAX_ATTEMPTS = 8
ID_NAMESPACE = uuid5(NAMESPACE_URL, "https://reciproca.example/ids")


@dataclass(frozen=True)
class Recorded:
    """What a command did: the id of the thing it concerns and the log position of its last
    event (a query may wait for the read models to pass it). `decision` answers a close."""

    id: str
    position: int
    decision: dict | None = None


def as_person_id(value: object, field: str = "actor") -> str:
    """People are named by opaque UUID strings, in canonical form."""
    try:
        return str(UUID(str(value)))
    except ValueError:
        raise InvalidValue(f"{field} must be a person's id (a UUID), not {value!r}", field) from None


class _StripedLocks:
    """A fixed set of locks; an aggregate id always maps to the same one (a UUID's hash is its
    integer's, the same in every process). `shared(stripes)`, when given, also holds the
    stripes across processes, taken after this process's own and in the same order (so no
    deadlock): then writers of one aggregate on several servers take turns instead of
    conflicting and retrying."""

    def __init__(self, stripes: int = 64,
                 shared: Callable[[list[int]], AbstractContextManager] | None = None):
        self._locks = [threading.Lock() for _ in range(stripes)]
        self._shared = shared

    @contextmanager
    def holding(self, *ids: UUID) -> Iterator[None]:
        stripes = sorted({hash(i) % len(self._locks) for i in ids})
        with ExitStack() as held:
            for stripe in stripes:
                held.enter_context(self._locks[stripe])
            if self._shared is not None:
                held.enter_context(self._shared(stripes))
            yield


# A command costs the same on day 1,000 as on day 1: aggregates stay cached and are brought up to
# date before use by reading only the events stored since (by any process); writes stay
# optimistic, so a stale copy can never overwrite another process's change. A cached aggregate
# is never changed in place (see `_copy_on_write`), so whoever only reads it needs no copy.
AGGREGATE_CACHE = {"AGGREGATE_CACHE_MAXSIZE": "2000", "AGGREGATE_CACHE_FASTFORWARD": "y"}


def _copy_on_write(aggregate, events):
    """The library's projector, except that a cached aggregate is copied before newer events
    are applied: a thread still reading the cached object never sees it change under it."""
    if aggregate is None:
        return project_aggregate(None, events)
    events = list(events)
    return project_aggregate(deepcopy(aggregate), events) if events else aggregate


class Reciproca(Application):
    """The decision log of co-production groups."""

    name = "Reciproca"

    def __init__(self, env: Mapping[str, str], *, texts: TextStore,
                 clock: Callable[[], datetime] | None = None,
                 shared_locks: Callable[[list[int]], AbstractContextManager] | None = None):
        self.texts = texts
        self._clock = clock or (lambda: datetime.now(timezone.utc))
        self._last_time = datetime.min.replace(tzinfo=timezone.utc)
        self._time_lock = threading.Lock()
        self._locks = _StripedLocks(shared=shared_locks)
        self.shared_locks = shared_locks  # closed by whoever made them
        # Told the position of the last event of each save, after it commits (in-process).
        self.save_listeners: list[Callable[[int], None]] = []
        super().__init__({**AGGREGATE_CACHE, **env})
        if not getattr(self.recorder, "stores_texts", False):
            raise TypeError("the event recorder must store texts with the events that cite "
                            "them (APPLICATION_RECORDER_TOPIC)")

    def construct_env(self, name: str, env: Mapping[str, str] | None = None) -> Environment:
        """Only the settings given, never the process environment: a stray variable must not
        point the library at another database."""
        return Environment(name, dict(env or {}))

    def _notify(self, recordings) -> None:
        if recordings:
            for listener in list(self.save_listeners):
                listener(recordings[-1].notification.id)

    # Groups and members ------------------------------------------------------------------

    def found_group(self, *, actor: str, name: str, purpose: str, category: str,
                    founder_name: str, decision_rule: Mapping, request_id: str | None = None
                    ) -> Recorded:
        actor = as_person_id(actor)
        rule = _rule(decision_rule)
        group_id = self._new_id("group", actor, request_id)
        kept = Texts()
        refs = {"name": kept.keep(name, "name"), "purpose": kept.keep(purpose, "purpose"),
                "founder_name": kept.keep(founder_name, "display_name")}

        def attempt():
            return [Group.found(id=group_id, actor=actor, rule=rule, category=category,
                                at=self._now(), **refs)]

        return self._create(group_id, attempt, kept, repeatable=bool(request_id))

    def admit_member(self, group_id: object, *, actor: str, member_id: str, display_name: str,
                     category: str, role: str = "member") -> Recorded:
        actor, member_id = as_person_id(actor), as_person_id(member_id, "member_id")
        kept = Texts()
        name = kept.keep(display_name, "display_name")
        return self._change_group(group_id, lambda group, at: group.admit(
            actor=actor, member_id=member_id, display_name=name, category=category, role=role,
            at=at), result_id=member_id, kept=kept)

    def join_by_invitation(self, group_id: object, *, member_id: str, invited_by: str,
                           display_name: str, category: str, role: str = "member") -> Recorded:
        """The newcomer joins on an invitation; the event names who invited them."""
        member_id = as_person_id(member_id, "member_id")
        invited_by = as_person_id(invited_by, "invited_by")
        kept = Texts()
        name = kept.keep(display_name, "display_name")
        return self._change_group(group_id, lambda group, at: group.join_by_invitation(
            member_id=member_id, invited_by=invited_by, display_name=name, category=category,
            role=role, at=at), result_id=member_id, kept=kept)

    def leave_group(self, group_id: object, *, actor: str, member_id: str,
                    reason: str | None = None) -> Recorded:
        """A member leaves; a chair removing someone else gives a reason."""
        actor, member_id = as_person_id(actor), as_person_id(member_id, "member_id")
        kept = Texts()
        reason_ref = kept.keep(reason, "reason", required=actor != member_id)
        return self._change_group(group_id, lambda group, at: group.leave(
            actor=actor, member_id=member_id, reason=reason_ref, at=at), result_id=member_id,
            kept=kept)

    def redact_text(self, group_id: object, *, actor: str, text_id: str, reason: str,
                    how: str = "redaction") -> Recorded:
        """Erase a text of the group's record (text and salt) and record who did it and why, in
        one transaction: the text is gone exactly when the record says so."""
        actor, kept = as_person_id(actor), Texts()
        text_id, reason_ref = kept.erase(text_id), kept.keep(reason, "reason")
        return self._change_group(group_id, lambda group, at: group.redact_text(
            actor=actor, text_id=text_id, reason=reason_ref, how=how, at=at),
            result_id=text_id, kept=kept)

    def change_category(self, group_id: object, *, actor: str, member_id: str,
                        category: str) -> Recorded:
        actor, member_id = as_person_id(actor), as_person_id(member_id, "member_id")
        return self._change_group(group_id, lambda group, at: group.change_category(
            actor=actor, member_id=member_id, category=category, at=at), result_id=member_id)

    def change_role(self, group_id: object, *, actor: str, member_id: str, role: str,
                    action: str) -> Recorded:
        actor, member_id = as_person_id(actor), as_person_id(member_id, "member_id")
        return self._change_group(group_id, lambda group, at: group.change_role(
            actor=actor, member_id=member_id, role=role, action=action, at=at),
            result_id=member_id)

    def appoint_auditor(self, group_id: object, *, actor: str, auditor_id: str,
                        as_organisation_admin: bool = False) -> Recorded:
        actor, auditor_id = as_person_id(actor), as_person_id(auditor_id, "auditor_id")
        return self._change_group(group_id, lambda group, at: group.appoint_auditor(
            actor=actor, auditor_id=auditor_id, as_organisation_admin=as_organisation_admin,
            at=at), result_id=auditor_id)

    # Proposals ---------------------------------------------------------------------------

    def table_proposal(self, group_id: object, *, actor: str, title: str, body: str, scope: str,
                       kind: str = "ordinary", rule: Mapping | None = None,
                       change: Mapping | None = None, closes_at: datetime | str | None = None,
                       request_id: str | None = None) -> Recorded:
        """`closes_at`: the proposal closes by itself then (see `close_due_proposals`)."""
        actor = as_person_id(actor)
        own_rule = None if rule is None else _rule(rule)
        change = _person_ids_in(change)
        proposal_id = self._new_id("proposal", actor, request_id)
        kept = Texts()
        title_ref, body_ref = kept.keep(title, "title"), kept.keep(body, "body")

        def attempt():
            group = self._load(group_id, Group)
            return [Proposal.table(id=proposal_id, group=group, actor=actor, title=title_ref,
                                   body=body_ref, scope=scope, kind=kind, rule=own_rule,
                                   change=change, closes_at=closes_at, at=self._now(group))]

        return self._create(proposal_id, attempt, kept, repeatable=bool(request_id))

    def amend_proposal(self, proposal_id: object, *, actor: str, title: str, body: str
                       ) -> Recorded:
        actor = as_person_id(actor)
        kept = Texts()
        title_ref, body_ref = kept.keep(title, "title"), kept.keep(body, "body")
        pid = _uuid(proposal_id, "proposal")

        def attempt():
            proposal = self._proposal_to_change(pid)
            group = self._load(proposal.group_id, Group)
            proposal.amend(group=group, actor=actor, title=title_ref, body=body_ref,
                           at=self._now(group, proposal))
            return [proposal]

        return self._save(pid, [pid], attempt, kept)

    def comment_on_proposal(self, proposal_id: object, *, actor: str, body: str,
                            reply_to: object = None, request_id: str | None = None
                            ) -> Recorded:
        """A comment (or a reply to one) by a member; answers with the comment's id."""
        actor = as_person_id(actor)
        reply_to = None if reply_to is None else _comment_id(reply_to)
        pid = _uuid(proposal_id, "proposal")
        comment_id = str(self._new_id(f"comment:{pid}", actor, request_id))
        kept = Texts()
        body_ref = kept.keep(body, "body", limit="comment")

        def attempt():
            proposal = self._proposal_to_change(pid)
            if proposal.has_comment(comment_id):
                return []
            group = self._load(proposal.group_id, Group)
            proposal.comment(group=group, actor=actor, comment_id=comment_id, body=body_ref,
                             reply_to=reply_to, at=self._now(group, proposal))
            return [proposal]

        return Recorded(comment_id, self._save(pid, [pid], attempt, kept).position)

    def cast_vote(self, proposal_id: object, *, actor: str, position: str,
                  reason: str | None = None, voter: str | None = None,
                  request_id: str | None = None) -> Recorded:
        """Vote, or change one's vote (the latest counts). A chair, facilitator or note-taker may
        record the vote of a `voter` present in person."""
        actor = as_person_id(actor)
        voter = actor if voter is None else as_person_id(voter, "voter")
        request_id = _request_hash(actor, request_id)
        kept = Texts()
        reason_ref = kept.keep(reason, "reason", required=False)
        pid = _uuid(proposal_id, "proposal")

        def attempt():
            proposal = self._proposal_to_change(pid)
            if request_id and vote_request(voter, request_id) in proposal.request_ids:
                return []
            group = self._load(proposal.group_id, Group)
            proposal.cast_vote(group=group, actor=actor, voter=voter, position=position,
                               reason=reason_ref, request_id=request_id,
                               at=self._now(group, proposal))
            return [proposal]

        return self._save(pid, [pid], attempt, kept)

    def close_proposal(self, proposal_id: object, *, actor: str,
                       request_id: str | None = None) -> Recorded:
        actor = as_person_id(actor)
        request_id = _request_hash(actor, request_id)

        def close(proposal: Proposal, group: Group, at: datetime) -> tuple[str, dict] | None:
            if request_id and close_request(request_id) in proposal.request_ids:
                return None
            return actor, proposal.close(group=group, actor=actor, request_id=request_id, at=at)

        done, proposal, _ = self._close(_uuid(proposal_id, "proposal"), close)
        return Recorded(done.id, done.position, proposal.decision)

    def close_due_proposals(self, proposal_ids: Iterable[object]) -> list[Recorded]:
        """Close, each exactly once, those of these proposals whose deadline has passed by the
        clock. Safe to run anywhere and concurrently: a proposal already closed (by another
        process, or by a person just before its deadline) is left as it is. The caller finds
        candidates in the read models; the aggregate has the last word."""
        def close(proposal: Proposal, group: Group, at: datetime) -> tuple[str, dict] | None:
            if not proposal.is_due(at):
                return None
            return proposal.proposer, proposal.close_at_deadline(group=group, at=at)

        closed = []
        for proposal_id in proposal_ids:
            try:
                done, proposal, wrote = self._close(_uuid(proposal_id, "proposal"), close)
            except DomainError as error:  # e.g. kept conflicting: the next round tries again
                log.warning("could not close proposal %s at its deadline: %s", proposal_id,
                            error.message)
                continue
            if wrote:
                closed.append(Recorded(done.id, done.position, proposal.decision))
        return closed

    def _close(self, pid: UUID, close) -> tuple[Recorded, Proposal, bool]:
        """Decide the proposal and record the decision in the group in one write: a concurrent
        membership change makes the write conflict and the decision is taken again.
        `close(proposal, group, at)` gives (actor, decision), or None: nothing to write.
        Answers what was saved, the proposal as last loaded, and whether this call closed it."""
        first = self._proposal_to_change(pid)
        pending, latest = [first], {}  # the first attempt uses this load; a retry reloads

        def attempt():
            proposal = latest["proposal"] = (pending.pop() if pending
                                             else self._proposal_to_change(pid))
            group = self._load(proposal.group_id, Group, changing=True)
            at = self._now(group, proposal)
            closed = close(proposal, group, at)
            latest["wrote"] = closed is not None
            if closed is None:
                return []
            actor, decision = closed
            group.record_decision(actor=actor, proposal_id=str(pid), decision=decision,
                                  kind=proposal.kind, change=proposal.change, at=at)
            return [proposal, group]

        done = self._save(pid, [pid, UUID(first.group_id)], attempt)
        return done, latest["proposal"], latest["wrote"]

    def withdraw_proposal(self, proposal_id: object, *, actor: str) -> Recorded:
        actor = as_person_id(actor)
        pid = _uuid(proposal_id, "proposal")

        def attempt():
            proposal = self._proposal_to_change(pid)
            group = self._load(proposal.group_id, Group)
            proposal.withdraw(group=group, actor=actor, at=self._now(group, proposal))
            return [proposal]

        return self._save(pid, [pid], attempt)

    # Contributions -----------------------------------------------------------------------

    def offer_asset(self, group_id: object, *, actor: str, description: str,
                    tags: list[str] | None = None, request_id: str | None = None) -> Recorded:
        kept = Texts()
        return self._contribute(group_id, Contribution.AssetOffered, actor, request_id, kept,
                                description=kept.keep(description, "description"),
                                tags=[kept.keep(tag, "tags", limit="tag")
                                      for tag in checked_tags(tags)])

    def give_support(self, group_id: object, *, actor: str, to_member_id: str, description: str,
                     request_id: str | None = None) -> Recorded:
        to_member_id = as_person_id(to_member_id, "to_member_id")
        if to_member_id == as_person_id(actor):
            raise InvalidValue("support is given to another member", "to_member_id")
        kept = Texts()
        return self._contribute(group_id, Contribution.SupportGiven, actor, request_id, kept,
                                to_member_id=to_member_id,
                                description=kept.keep(description, "description"))

    def take_on_task(self, group_id: object, *, actor: str, description: str,
                     request_id: str | None = None) -> Recorded:
        kept = Texts()
        return self._contribute(group_id, Contribution.TaskTakenOn, actor, request_id, kept,
                                description=kept.keep(description, "description"))

    def reflect(self, group_id: object, *, actor: str, scores: Mapping[str, int],
                comment: str | None = None, request_id: str | None = None) -> Recorded:
        kept = Texts()
        return self._contribute(group_id, Contribution.ReflectionRecorded, actor, request_id,
                                kept, scores=checked_scores(scores),
                                comment=kept.keep(comment, "comment", required=False))

    # Queries -----------------------------------------------------------------------------

    def now(self) -> datetime:
        """The application's clock (injectable: the demo's months, tests of deadlines)."""
        return self._clock()

    # The aggregates these answer are the cached ones, shared: read them, never change them.

    def group(self, group_id: object) -> Group:
        return self._load(group_id, Group)

    def proposal(self, proposal_id: object) -> Proposal:
        return self._load(proposal_id, Proposal)

    def contribution(self, contribution_id: object) -> Contribution:
        return self._load(contribution_id, Contribution)

    # Plumbing ----------------------------------------------------------------------------

    def _contribute(self, group_id, event_class, actor, request_id, kept: Texts,
                    **details) -> Recorded:
        actor = as_person_id(actor)
        contribution_id = self._new_id("contribution", actor, request_id)

        def attempt():
            group = self._load(group_id, Group)
            return [Contribution.record(event_class, id=contribution_id, group=group,
                                        actor=actor, at=self._now(group), **details)]

        return self._create(contribution_id, attempt, kept, repeatable=bool(request_id))

    def _change_group(self, group_id, change: Callable[[Group, datetime], None],
                      result_id: str, kept: Texts | None = None) -> Recorded:
        gid = _uuid(group_id, "group")

        def attempt():
            group = self._load(gid, Group, changing=True)
            change(group, self._now(group))
            return [group]

        done = self._save(gid, [gid], attempt, kept)
        return Recorded(result_id, done.position)

    def _create(self, new_id: UUID, attempt, kept: Texts, *, repeatable: bool) -> Recorded:
        """Save a new aggregate; an id derived from a repeated request id that already exists
        means the first request succeeded, so answer as it would have. A random id (no request
        id: `repeatable` false) is new, so nothing is read to check it."""
        if repeatable and self._exists(new_id):
            return Recorded(str(new_id), self.recorder.max_notification_id() or 0)
        return self._save(new_id, [new_id], attempt, kept, created=new_id)

    def _save(self, subject: UUID, lock_ids: list[UUID], attempt, kept: Texts | None = None,
              created: UUID | None = None) -> Recorded:
        """Save what `attempt` returns, with the command's texts in the same transaction."""
        with self._locks.holding(*lock_ids):
            for n in range(MAX_ATTEMPTS):
                aggregates = attempt()
                try:
                    recordings = self.save(*aggregates, texts=kept.new if kept else [],
                                           erase=kept.erased if kept else [])
                except RecordConflictError:
                    if created and self._exists(created):
                        return Recorded(str(subject), self.recorder.max_notification_id() or 0)
                    for aggregate in aggregates:  # the next attempt starts from what is stored
                        self._load(aggregate.id, type(aggregate))
                    time.sleep(random.uniform(0, 0.005 * 2**n))
                    continue
                for aggregate in aggregates:  # as stored: the next command starts from it
                    self.repository.cache.put(aggregate.id, aggregate)
                position = (recordings[-1].notification.id if recordings
                            else self.recorder.max_notification_id() or 0)
                return Recorded(str(subject), position)
        raise ConcurrencyConflict(
            f"the change kept conflicting with others after {MAX_ATTEMPTS} attempts; try again")

    def _exists(self, aggregate_id: UUID) -> bool:
        return bool(self.recorder.select_events(aggregate_id, limit=1))

    def _load(self, aggregate_id: object, kind: type, *, changing: bool = False):
        """The aggregate, brought up to date. The cached object itself when only read; a copy
        of it when the command will change it (so a refused or conflicting change leaves the
        cache as stored)."""
        label = kind.__name__.lower()
        try:
            aggregate = self.repository.get(_uuid(aggregate_id, label), deepcopy_from_cache=False,
                                            projector_func=_copy_on_write)
        except AggregateNotFoundError:
            aggregate = None
        if not isinstance(aggregate, kind):
            raise NotFound(f"there is no {label} with id {aggregate_id}", f"{label}_id")
        self.repository.cache.put(aggregate.id, aggregate)  # a fast-forward made a new object
        return deepcopy(aggregate) if changing else aggregate

    def _proposal_to_change(self, pid: UUID) -> Proposal:
        """A copy of the proposal as this process last saw it, without reading what was stored
        since: the command saves the proposal, so a stale copy only makes the save conflict
        (`_save` then brings it up to date and tries again), and nothing a stale proposal
        refuses could be allowed now (closed stays closed, a request seen stays seen, a vote
        cast stays cast). One read fewer while the proposal's lock is held. When other
        processes write too (shared locks), it is brought up to date instead: they take turns,
        so that read is all it costs, where a stale copy would conflict whenever another
        process wrote last."""
        if self.shared_locks is not None:
            return self._load(pid, Proposal, changing=True)
        try:
            cached = self.repository.cache.get(pid)
        except KeyError:
            return self._load(pid, Proposal, changing=True)
        if not isinstance(cached, Proposal):
            raise NotFound(f"there is no proposal with id {pid}", "proposal_id")
        return deepcopy(cached)

    def _now(self, *aggregates) -> datetime:
        """The clock's time, never earlier than any time this process or these aggregates have
        already recorded: event times within a group do not go backwards."""
        with self._time_lock:
            self._last_time = max(self._clock(), self._last_time,
                                  *(a.modified_on for a in aggregates))
            return self._last_time

    @staticmethod
    def _new_id(kind: str, actor: str, request_id: str | None) -> UUID:
        """Ids of created things derive from the caller's request id, so a retried request
        finds what the first one created instead of creating it twice."""
        request_id = _request_hash(actor, request_id)
        return uuid5(ID_NAMESPACE, f"{kind}:{request_id}") if request_id else uuid4()


def _request_hash(actor: str, request_id: str | None) -> str | None:
    """A request id as it may enter an event: hashed together with who sent it, so the log
    never holds the caller's raw key and one caller's key cannot stand for another's."""
    if not request_id:
        return None
    return hashlib.sha256(f"{actor}\n{request_id}".encode("utf-8")).hexdigest()


def _uuid(value: object, label: str) -> UUID:
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except ValueError:
        raise NotFound(f"there is no {label} with id {value}", f"{label}_id") from None


def _comment_id(value: object) -> str:
    try:
        return str(UUID(str(value)))
    except ValueError:
        raise InvalidValue(f"reply_to must be a comment's id, not {value!r}", "reply_to") \
            from None


def _rule(data: Mapping) -> DecisionRule:
    if not isinstance(data, Mapping):
        raise InvalidValue("decision_rule must give rule, quorum and (for a supermajority) "
                           "threshold", "decision_rule")
    unknown = set(data) - {"rule", "quorum", "threshold"}
    if unknown:
        raise InvalidValue(f"unknown fields: {', '.join(sorted(unknown))}", "decision_rule")
    return DecisionRule.parse(data.get("rule"), data.get("quorum"), data.get("threshold"))


def _person_ids_in(change: Mapping | None) -> dict | None:
    if change is None or "member_id" not in change:
        return None if change is None else dict(change)
    return {**change, "member_id": as_person_id(change["member_id"], "member_id")}
