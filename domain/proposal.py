"""The Proposal aggregate: tabled (perhaps with a deadline), discussed in comments, amended
before its first vote, voted on, then closed (by a person, or by itself at its deadline) or
withdrawn. Its close event records the decision itself, so nothing downstream recomputes it."""

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.aggregate import GroupAggregate
from domain.errors import AmendmentTooLate, InvalidValue, NotAllowed, ProposalClosed
from domain.group import Group
from domain.rules import DecisionRule, decide
from domain.vocabulary import (
    CLOSING_ROLES,
    POSITIONS,
    PROPOSAL_KINDS,
    RECORDING_ROLES,
    SCOPES,
    checked_code,
)

OPEN, CLOSED, WITHDRAWN = "open", "closed", "withdrawn"
# How far ahead a deadline may be set, from the moment of tabling.
EARLIEST_DEADLINE, LATEST_DEADLINE = timedelta(minutes=10), timedelta(days=90)


def vote_request(voter: str, request_id: str) -> str:
    """A vote's request id is the voter's own: nobody else's request can stand for it."""
    return f"vote:{voter}:{request_id}"


def close_request(request_id: str) -> str:
    return f"close:{request_id}"


class Proposal(GroupAggregate):
    TOPIC = "reciproca/Proposal"

    class Created(GroupAggregate.Event, Aggregate.Created):
        TOPIC = "reciproca/Proposal.Created"

    class Tabled(Created):
        TOPIC = "reciproca/Proposal.Tabled"
        title: dict
        body: dict
        scope: str
        kind: str
        rule: dict
        change: dict | None
        closes_at: str | None  # UTC, whole seconds; None: closed only by a person
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict) -> None:
            state["closes_at"] = None

        def apply(self, proposal: "Proposal") -> None:
            proposal.group_id = self.group_id
            proposal.proposer = self.actor
            proposal.versions = [{"title": self.title, "body": self.body}]
            proposal.scope = self.scope
            proposal.kind = self.kind
            proposal.rule = self.rule
            proposal.change = self.change
            proposal.status = OPEN
            proposal.ballots = {}
            proposal.votes_cast = 0
            proposal.decision = None
            proposal.request_ids = set()
            proposal.closes_at = self.closes_at
            proposal.at_deadline = False
            proposal.comments = []

    class Amended(GroupAggregate.Event):
        TOPIC = "reciproca/Proposal.Amended"
        title: dict
        body: dict

        def apply(self, proposal: "Proposal") -> None:
            proposal.versions.append({"title": self.title, "body": self.body})

    class Commented(GroupAggregate.Event):
        """A comment on the proposal, or a reply to one (`reply_to`); replies go one level
        deep, so a discussion stays readable as a list of threads."""

        TOPIC = "reciproca/Proposal.Commented"
        comment_id: str
        body: dict
        reply_to: str | None

        def apply(self, proposal: "Proposal") -> None:
            proposal.comments.append({"id": self.comment_id, "author": self.actor,
                                      "body": self.body, "reply_to": self.reply_to,
                                      "time": self.timestamp.isoformat()})

    class VoteCast(GroupAggregate.Event):
        """`voter` is whose vote it is; `actor` who recorded it (the same, or a note-taker
        recording a vote given in person)."""

        TOPIC = "reciproca/Proposal.VoteCast"
        voter: str
        position: str
        reason: dict | None
        request_id: str | None

        def apply(self, proposal: "Proposal") -> None:
            proposal.ballots[self.voter] = self.position
            proposal.votes_cast += 1
            if self.request_id:
                proposal.request_ids.add(vote_request(self.voter, self.request_id))

    class Closed(GroupAggregate.Event):
        TOPIC = "reciproca/Proposal.Closed"
        decision: dict
        request_id: str | None
        at_deadline: bool  # closed by itself at its deadline (then `actor` is the proposer)
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict) -> None:
            state["at_deadline"] = False

        def apply(self, proposal: "Proposal") -> None:
            proposal.status = CLOSED
            proposal.decision = self.decision
            proposal.at_deadline = self.at_deadline
            if self.request_id:
                proposal.request_ids.add(close_request(self.request_id))

    class Withdrawn(GroupAggregate.Event):
        TOPIC = "reciproca/Proposal.Withdrawn"

        def apply(self, proposal: "Proposal") -> None:
            proposal.status = WITHDRAWN

    @classmethod
    def table(cls, *, id: UUID, group: Group, actor: str, title: dict, body: dict, scope: str,
              kind: str, rule: DecisionRule | None, change: dict | None,
              at: datetime, closes_at: datetime | None = None) -> "Proposal":
        """Table a proposal under the group's rule, or under its own if that is not laxer on
        quorum. A rule change is always decided under the group's rule in force."""
        group.require_voting_member(actor)
        checked_code(scope, SCOPES, "scope")
        checked_code(kind, PROPOSAL_KINDS, "kind")
        in_force = group.decision_rule
        if rule is not None and kind == "rule_change":
            raise InvalidValue("a rule change is decided under the group's rule in force", "rule")
        if rule is not None and rule.quorum < in_force.quorum:
            raise InvalidValue(
                f"a proposal's quorum may not be lower than the group's ({in_force.quorum})",
                "quorum")
        change = cls._checked_change(group, kind, change)
        deadline = None if closes_at is None else checked_deadline(closes_at, at).isoformat()
        return cls._create(cls.Tabled, id=id, actor=actor, group_id=str(group.id), title=title,
                           body=body, scope=scope, kind=kind,
                           rule=(rule or in_force).to_data(), change=change, closes_at=deadline,
                           timestamp=at)

    @staticmethod
    def _checked_change(group: Group, kind: str, change: dict | None) -> dict | None:
        if kind == "ordinary":
            if change is not None:
                raise InvalidValue("an ordinary proposal changes no role or rule", "kind")
            return None
        if not isinstance(change, dict):
            raise InvalidValue(f"a {kind} proposal must say what it changes", kind)
        if kind == "rule_change":
            unknown = set(change) - {"rule", "quorum", "threshold"}
            if unknown:
                raise InvalidValue(f"unknown fields: {', '.join(sorted(unknown))}", kind)
            return DecisionRule.parse(change.get("rule"), change.get("quorum"),
                                      change.get("threshold")).to_data()
        if set(change) != {"member_id", "role", "action"}:
            raise InvalidValue("a role change names member_id, role and action", kind)
        group.check_role_change(**change)
        return dict(change)

    @property
    def is_open(self) -> bool:
        return self.status == OPEN

    def is_due(self, at: datetime) -> bool:
        """Open and at or past its deadline: it is closing by itself, nobody acts on it now."""
        return (self.is_open and self.closes_at is not None
                and at >= datetime.fromisoformat(self.closes_at))

    def require_open(self, at: datetime) -> None:
        if not self.is_open:
            raise ProposalClosed(f"the proposal is {self.status}: nothing more can happen to it")
        if self.is_due(at):
            raise ProposalClosed(f"the proposal reached its deadline ({self.closes_at}) and "
                                 "closes by itself: nothing more can happen to it")

    def comment(self, *, group: Group, actor: str, comment_id: str, body: dict,
                reply_to: str | None, at: datetime) -> None:
        """Any member, observers included, may take part in the discussion while it is open."""
        self.require_open(at)
        group.require_member(actor)
        if reply_to is not None:
            parent = next((c for c in self.comments if c["id"] == reply_to), None)
            if parent is None:
                raise InvalidValue(f"there is no comment {reply_to} on this proposal",
                                   "reply_to")
            if parent["reply_to"] is not None:
                raise InvalidValue("a reply answers a comment, not another reply: reply to "
                                   f"the comment {parent['reply_to']} instead", "reply_to")
        self._trigger(self.Commented, actor, at, comment_id=comment_id, body=body,
                      reply_to=reply_to)

    def has_comment(self, comment_id: str) -> bool:
        return any(c["id"] == comment_id for c in self.comments)

    def amend(self, *, group: Group, actor: str, title: dict, body: dict, at: datetime) -> None:
        self.require_open(at)
        group.require_member(actor)
        if actor != self.proposer:
            raise NotAllowed("only the proposer may amend a proposal")
        if self.votes_cast:
            raise AmendmentTooLate("a proposal can be amended only until its first vote")
        self._trigger(self.Amended, actor, at, title=title, body=body)

    def cast_vote(self, *, group: Group, actor: str, voter: str, position: str,
                  reason: dict | None, request_id: str | None, at: datetime) -> None:
        self.require_open(at)
        checked_code(position, POSITIONS, "position")
        if actor != voter:
            group.require_role(actor, RECORDING_ROLES, "record a vote for another member")
        group.require_voting_member(voter, "voter" if actor != voter else "actor")
        self._trigger(self.VoteCast, actor, at, voter=voter, position=position, reason=reason,
                      request_id=request_id)

    def close(self, *, group: Group, actor: str, request_id: str | None, at: datetime) -> dict:
        """Decide under the rule: the eligible voters are the group's voting members now."""
        self.require_open(at)
        group.require_member(actor)
        if actor != self.proposer:
            group.require_role(actor, CLOSING_ROLES, "close a proposal they did not table")
        return self._decide(group, actor, request_id, at, at_deadline=False)

    def close_at_deadline(self, *, group: Group, at: datetime) -> dict:
        """Close by itself, decided exactly as a person's close would be. The actor is the
        proposer, who set the deadline; no vote could be cast after it."""
        if not self.is_due(at):
            raise ProposalClosed("the proposal is not open past a deadline")
        return self._decide(group, self.proposer, None, at, at_deadline=True)

    def _decide(self, group: Group, actor: str, request_id: str | None, at: datetime,
                at_deadline: bool) -> dict:
        decision = decide(self.rule_at_close(group), group.voting_members(), self.ballots)
        self._trigger(self.Closed, actor, at, decision=decision, request_id=request_id,
                      at_deadline=at_deadline)
        return decision

    def rule_at_close(self, group: Group) -> DecisionRule:
        """The rule recorded at tabling, except that a rule change is decided under the group's
        rule in force, and no quorum is ever below the group's (which may have risen since)."""
        in_force = group.decision_rule
        if self.kind == "rule_change":
            return in_force
        rule = DecisionRule.from_data(self.rule)
        return replace(rule, quorum=max(rule.quorum, in_force.quorum))

    def withdraw(self, *, group: Group, actor: str, at: datetime) -> None:
        self.require_open(at)
        group.require_member(actor)
        if actor != self.proposer:
            raise NotAllowed("only the proposer may withdraw a proposal")
        self._trigger(self.Withdrawn, actor, at)


def checked_deadline(value: object, now: datetime) -> datetime:
    """A deadline in UTC to the second, at least EARLIEST_DEADLINE and at most LATEST_DEADLINE
    after `now` (the time of tabling, from the application's clock)."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise InvalidValue("closes_at must be an ISO 8601 time with a time zone, such as "
                               "2026-12-01T18:00:00+01:00", "closes_at") from None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise InvalidValue("closes_at must be an ISO 8601 time with a time zone, such as "
                           "2026-12-01T18:00:00+01:00", "closes_at")
    if not EARLIEST_DEADLINE <= value.replace(microsecond=0) - now <= LATEST_DEADLINE:
        raise InvalidValue(f"closes_at must be between {_spoken(EARLIEST_DEADLINE)} and "
                           f"{_spoken(LATEST_DEADLINE)} from now ({now.isoformat()})",
                           "closes_at")
    return value.astimezone(timezone.utc).replace(microsecond=0)


def _spoken(span: timedelta) -> str:
    return f"{span.days} days" if span.days else f"{span.seconds // 60} minutes"
