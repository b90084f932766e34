"""The Group aggregate: who belongs, in which category, with which roles, under which rule.

A group's own events are few (membership, roles, rules, one per decision), so it stays small
without snapshots. Proposals and contributions are aggregates of their own.
"""

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.aggregate import GroupAggregate
from domain.errors import (
    AlreadyMember,
    InvalidValue,
    LastChair,
    NotAllowed,
    NotAMember,
    UnknownMember,
)
from domain.rules import CARRIED, DecisionRule
from domain.vocabulary import (
    ADMITTING_ROLES,
    AUTHORITY_ROLES,
    CATEGORIES,
    LEADERSHIP_ROLES,
    ROLE_ACTIONS,
    ROLES,
    checked_code,
)

FOUNDING, DIRECT, BY_PROPOSAL = "founding", "direct", "proposal"
REDACTIONS = ("redaction", "erasure")


class RoleChangeEvent(GroupAggregate.Event):
    """A role assigned or revoked, saying how: at founding, directly by a chair, or as the
    outcome of a carried proposal (then citing it)."""

    member_id: str
    role: str
    how: str
    proposal_id: str | None


class Group(GroupAggregate):
    """A co-production group (mesa de coproducción)."""

    TOPIC = "reciproca/Group"

    class Created(GroupAggregate.Event, Aggregate.Created):
        TOPIC = "reciproca/Group.Created"

    class Founded(Created):
        TOPIC = "reciproca/Group.Founded"
        name: dict
        purpose: dict
        rule: dict

        def apply(self, group: "Group") -> None:
            group.group_id = self.group_id
            group.name = self.name
            group.purpose = self.purpose
            group.rule = self.rule
            group.members = {}
            group.display_names = {}
            group.auditors = []
            group.decided = set()

    class MemberJoined(GroupAggregate.Event):
        """A member joins: admitted by the actor, or (`invited_by` set) accepting an invitation,
        when the actor is the newcomer and `invited_by` the chair or facilitator who invited."""

        TOPIC = "reciproca/Group.MemberJoined"
        class_version = 2
        member_id: str
        display_name: dict
        category: str
        role: str
        invited_by: str | None

        @staticmethod
        def upcast_v1_v2(state: dict) -> None:
            state["invited_by"] = None

        def apply(self, group: "Group") -> None:
            group.members[self.member_id] = {"category": self.category, "roles": [self.role]}
            group.display_names[self.member_id] = self.display_name

    class MemberLeft(GroupAggregate.Event):
        """A member leaves (the actor is the member) or a chair removes them, giving a reason
        (a text reference, shown in the record)."""

        TOPIC = "reciproca/Group.MemberLeft"
        class_version = 2
        member_id: str
        reason: dict | None

        @staticmethod
        def upcast_v1_v2(state: dict) -> None:
            state["reason"] = None

        def apply(self, group: "Group") -> None:
            del group.members[self.member_id]

    class CategoryChanged(GroupAggregate.Event):
        TOPIC = "reciproca/Group.CategoryChanged"
        member_id: str
        category: str
        previous: str

        def apply(self, group: "Group") -> None:
            group.members[self.member_id]["category"] = self.category

    class RoleAssigned(RoleChangeEvent):
        TOPIC = "reciproca/Group.RoleAssigned"

        def apply(self, group: "Group") -> None:
            group.members[self.member_id]["roles"].append(self.role)

    class RoleRevoked(RoleChangeEvent):
        TOPIC = "reciproca/Group.RoleRevoked"

        def apply(self, group: "Group") -> None:
            group.members[self.member_id]["roles"].remove(self.role)

    class RuleChanged(GroupAggregate.Event):
        TOPIC = "reciproca/Group.RuleChanged"
        rule: dict
        previous: dict
        proposal_id: str

        def apply(self, group: "Group") -> None:
            group.rule = self.rule

    class AuditorAppointed(GroupAggregate.Event):
        """A read-only auditor, appointed by a chair or by an organisation admin (`how`)."""

        TOPIC = "reciproca/Group.AuditorAppointed"
        auditor_id: str
        how: str

        def apply(self, group: "Group") -> None:
            group.auditors.append(self.auditor_id)

    class DecisionRecorded(GroupAggregate.Event):
        """Written when a proposal closes, so that closing conflicts with any concurrent change
        to the membership (the eligible voters) instead of slipping past it."""

        TOPIC = "reciproca/Group.DecisionRecorded"
        proposal_id: str
        outcome: str
        change_applied: bool

        def apply(self, group: "Group") -> None:
            group.decided.add(self.proposal_id)

    class TextRedacted(GroupAggregate.Event):
        """A text of the group's record erased (text and salt deleted), by whom and why. The
        events citing it keep its id and salted digest, so the log and its ledger are unchanged;
        `how`: "redaction" (of one text) or "erasure" (of a person's data)."""

        TOPIC = "reciproca/Group.TextRedacted"
        text_id: str
        reason: dict  # a text reference: a reason may itself name someone
        how: str

    # Founding ------------------------------------------------------------------------------

    @classmethod
    def found(cls, *, id: UUID, actor: str, name: dict, purpose: dict, rule: DecisionRule,
              founder_name: dict, category: str, at: datetime) -> "Group":
        """A new group whose founder is its first member and its chair."""
        checked_code(category, CATEGORIES, "category")
        group = cls._create(cls.Founded, id=id, actor=actor, group_id=str(id), name=name,
                            purpose=purpose, rule=rule.to_data(), timestamp=at)
        group._trigger(cls.MemberJoined, actor, at, member_id=actor, display_name=founder_name,
                       category=category, role="member", invited_by=None)
        group._trigger(cls.RoleAssigned, actor, at, member_id=actor, role="chair", how=FOUNDING,
                       proposal_id=None)
        return group

    # Questions the other aggregates ask ----------------------------------------------------

    @property
    def decision_rule(self) -> DecisionRule:
        return DecisionRule.from_data(self.rule)

    def roles_of(self, person: str) -> list[str]:
        return self.members[person]["roles"] if person in self.members else []

    def category_of(self, person: str) -> str:
        return self.members[person]["category"]

    def is_voting_member(self, person: str) -> bool:
        return person in self.members and "observer" not in self.members[person]["roles"]

    def voting_members(self) -> list[str]:
        return sorted(m for m in self.members if self.is_voting_member(m))

    def require_member(self, person: str) -> None:
        if person not in self.members:
            raise NotAMember(f"{person} is not a member of this group", "actor")

    def require_voting_member(self, person: str, field: str = "actor") -> None:
        self.require_member(person)
        if not self.is_voting_member(person):
            raise NotAllowed("observers may follow the group but not propose or vote", field)

    def require_role(self, person: str, roles: tuple[str, ...], doing: str) -> None:
        self.require_member(person)
        if not set(self.roles_of(person)) & set(roles):
            raise NotAllowed(f"only a {' or '.join(roles)} may {doing}")

    def require_known(self, member_id: str, field: str = "member_id") -> None:
        if member_id not in self.members:
            raise UnknownMember(f"{member_id} is not a member of this group", field)

    # Commands ------------------------------------------------------------------------------

    def admit(self, *, actor: str, member_id: str, display_name: dict, category: str, role: str,
              at: datetime) -> None:
        self.require_role(actor, ADMITTING_ROLES, "admit members")
        self._join(actor, member_id, display_name, category, role, None, at)

    def join_by_invitation(self, *, member_id: str, invited_by: str, display_name: dict,
                           category: str, role: str, at: datetime) -> None:
        """The newcomer accepts an invitation; it holds while its inviter may still admit."""
        if not set(self.roles_of(invited_by)) & set(ADMITTING_ROLES):
            raise NotAllowed("the person who sent this invitation can no longer admit members")
        self._join(member_id, member_id, display_name, category, role, invited_by, at)

    def _join(self, actor, member_id, display_name, category, role, invited_by, at) -> None:
        checked_code(category, CATEGORIES, "category")
        checked_code(role, ("member", "observer"), "role")
        if member_id in self.members:
            raise AlreadyMember(f"{member_id} is already a member of this group", "member_id")
        if member_id in self.auditors:
            raise InvalidValue("an auditor of the group cannot become a member of it: an "
                               "auditor stays outside the group it audits", "email")
        self._trigger(self.MemberJoined, actor, at, member_id=member_id,
                      display_name=display_name, category=category, role=role,
                      invited_by=invited_by)

    def appoint_auditor(self, *, actor: str, auditor_id: str, as_organisation_admin: bool,
                        at: datetime) -> None:
        """An auditor reads the group's record, figures and proofs, and can change nothing."""
        if not as_organisation_admin:
            self.require_role(actor, AUTHORITY_ROLES, "appoint auditors")
        if auditor_id in self.members:
            raise InvalidValue("a member already sees the group; an auditor is from outside it",
                               "email")
        if auditor_id in self.auditors:
            raise InvalidValue("this person already audits the group", "email")
        self._trigger(self.AuditorAppointed, actor, at, auditor_id=auditor_id,
                      how="organisation_admin" if as_organisation_admin else "chair")

    def redact_text(self, *, actor: str, text_id: str, reason: dict, how: str,
                    at: datetime) -> None:
        """Recorded by the operator who erased the text (from the command line, which has the
        authority of whoever runs the installation)."""
        checked_code(how, REDACTIONS, "how")
        self._trigger(self.TextRedacted, actor, at, text_id=text_id, reason=reason, how=how)

    def leave(self, *, actor: str, member_id: str, reason: dict | None, at: datetime) -> None:
        """A member leaves, or a chair removes them with a reason. The last chair cannot leave
        while others remain: the group would have nobody to admit or remove members."""
        self.require_member(actor)
        self.require_known(member_id)
        if actor != member_id:
            self.require_role(actor, AUTHORITY_ROLES, "remove another member")
            if reason is None:
                raise InvalidValue("a reason is needed to remove a member", "reason")
        chairs = [m for m in self.members if "chair" in self.roles_of(m)]
        if chairs == [member_id] and len(self.members) > 1:
            raise LastChair("the last chair cannot leave while the group has other members: "
                            "give the chair role to someone first")
        self._trigger(self.MemberLeft, actor, at, member_id=member_id, reason=reason)

    def change_category(self, *, actor: str, member_id: str, category: str, at: datetime) -> None:
        """People name their own category: nobody changes it for them."""
        self.require_member(actor)
        self.require_known(member_id)
        if actor != member_id:
            raise NotAllowed("people name their own category; only the member can change it")
        checked_code(category, CATEGORIES, "category")
        previous = self.category_of(member_id)
        if category == previous:
            raise InvalidValue(f"the member's category is already {category}", "category")
        self._trigger(self.CategoryChanged, actor, at, member_id=member_id, category=category,
                      previous=previous)

    def change_role(self, *, actor: str, member_id: str, role: str, action: str, at: datetime,
                    proposal_id: str | None = None) -> None:
        """Assign or revoke a role: directly by a chair, or as a carried proposal's outcome."""
        if proposal_id is None:
            self.require_role(actor, AUTHORITY_ROLES, "assign or revoke roles directly")
        self.check_role_change(member_id, role, action)
        event = self.RoleAssigned if action == "assign" else self.RoleRevoked
        self._trigger(event, actor, at, member_id=member_id, role=role,
                      how=BY_PROPOSAL if proposal_id else DIRECT, proposal_id=proposal_id)

    def check_role_change(self, member_id: str, role: str, action: str) -> None:
        checked_code(role, ROLES, "role")
        checked_code(action, ROLE_ACTIONS, "action")
        self.require_known(member_id)
        roles = self.roles_of(member_id)
        if action == "assign" and role in roles:
            raise InvalidValue(f"the member already holds the role {role}", "role")
        held_after = {role, *roles}
        if action == "assign" and "observer" in held_after and held_after & set(LEADERSHIP_ROLES):
            raise InvalidValue("an observer cannot hold a leadership role (chair, facilitator)",
                               "role")
        if action == "revoke" and role not in roles:
            raise InvalidValue(f"the member does not hold the role {role}", "role")

    def record_decision(self, *, actor: str, proposal_id: str, decision: dict, kind: str,
                        change: dict | None, at: datetime) -> None:
        """Record a closed proposal's outcome; a carried role or rule change applies itself.

        A carried change that no longer fits (its member has left, the role is already held)
        is recorded as not applied rather than refusing to record the decision.
        """
        carried = decision["outcome"] == CARRIED
        applicable = carried and kind != "ordinary" and self._still_applicable(kind, change)
        self._trigger(self.DecisionRecorded, actor, at, proposal_id=proposal_id,
                      outcome=decision["outcome"], change_applied=applicable)
        if applicable and kind == "role_change":
            self.change_role(actor=actor, at=at, proposal_id=proposal_id, **change)
        elif applicable and kind == "rule_change":
            self._trigger(self.RuleChanged, actor, at, rule=change, previous=self.rule,
                          proposal_id=proposal_id)

    def _still_applicable(self, kind: str, change: dict) -> bool:
        if kind == "rule_change":
            return change != self.rule
        try:
            self.check_role_change(**change)
        except (InvalidValue, UnknownMember):
            return False
        return True
