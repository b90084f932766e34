"""A stateful test: random commands, from random (often unauthorised) people, against the REAL
application on a real SQLite file, checked against a small model kept by the test itself.

The model says who is a member (category, roles), who is an observer, who left, and for every
proposal its status, each voter's latest position, how many votes were cast and how many versions
it has. Every command must succeed exactly when the model says it should; a refused command must
raise a DomainError of a fitting kind and write nothing to the log; an accepted one writes exactly
the events it should. After every step the Group and every Proposal aggregate, rebuilt from the
store, must equal the model.

When a proposal closes, the decision in its close event is checked against a reference written
here straight from shared/coproduction.md ("Decision rules (reference semantics)" and the
pivotal-vote definition), which uses nothing from domain.rules.

Where coproduction.md is silent, the model follows docs/decisions.md (a proposer who has left can
no longer amend, withdraw or close their proposal; a group quorum raised while a proposal is open
applies when it closes) and the code (an observer may not also hold a leadership role).
"""

import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from domain.errors import (
    AlreadyMember,
    AmendmentTooLate,
    DomainError,
    InvalidValue,
    LastChair,
    NotAllowed,
    NotAMember,
    NotFound,
    ProposalClosed,
    UnknownMember,
)
from webapp.storage import close, initialise, open_application

# ---- the vocabulary, restated from shared/coproduction.md ------------------------------------
CATEGORIES = ("service_user", "carer", "community", "professional", "manager")
ROLES = ("chair", "facilitator", "note_taker", "member", "observer")
POSITIONS = ("for", "against", "abstain", "block")
SCOPES = ("delivery", "design", "governance", "recruitment_training", "risk")
RULES = ("majority", "supermajority", "consensus", "consent")
BAD_CATEGORY, BAD_ROLE, BAD_POSITION, BAD_SCOPE, BAD_ACTION = (
    "alien", "boss", "maybe", "finance", "toggle")

# Who may do what, as the domain page and docs/decisions.md describe it.
ADMITTERS = {"chair", "facilitator"}
AUTHORITY = {"chair"}
CLOSERS = {"chair", "facilitator"}
RECORDERS = {"chair", "facilitator", "note_taker"}
LEADERSHIP = {"chair", "facilitator"}

# A small, fixed pool of people (deterministic ids, so a failing example replays exactly).
PEOPLE = [str(uuid.UUID(int=n + 1)) for n in range(6)]
FOUNDER = PEOPLE[0]
NOBODY_PROPOSAL = str(uuid.UUID(int=999))
# how a room leans when several vote in a row (so that some proposals carry)
# (Hypothesis tries the first choice of a draw most, so the first ones here are productive.)
LEANINGS = {"split": ("for", "block", "for", "against", "abstain"),
            "for": ("for", "for", "for", "abstain", "against"),
            "against": ("against", "block", "for", "abstain"),
            "mixed": POSITIONS}
# the rule a rule_change proposal would put in force: (rule, quorum, threshold)
NEW_RULES = st.tuples(st.sampled_from(RULES), st.sampled_from(("2/3", "1/2")),
                      st.sampled_from((None, "3/4")))


# ---- the reference decision ------------------------------------------------------------------
def rule_data(rule: str, quorum: str, threshold: str | None = None) -> dict:
    """The rule as stored: exact fractions as strings; a supermajority's threshold defaults
    to 2/3."""
    data = {"rule": rule, "quorum": str(Fraction(quorum))}
    if rule == "supermajority":
        data["threshold"] = str(Fraction(threshold or "2/3"))
    return data


def ref_carried(rule: dict, tally: dict[str, int]) -> bool:
    f, a, b = tally["for"], tally["against"], tally["block"]
    if rule["rule"] == "majority":  # block counts as against
        return f > a + b
    if rule["rule"] == "supermajority":  # block counts as against
        return f > 0 and Fraction(f, f + a + b) >= Fraction(rule["threshold"])
    if rule["rule"] == "consensus":  # abstain = stand aside
        return f >= 1 and a == 0 and b == 0
    if rule["rule"] == "consent":  # against is a concern, not a veto
        return b == 0 and f >= 1
    raise AssertionError(rule)


def ref_outcome(rule: dict, eligible: set[str], counted: dict[str, str]) -> tuple:
    tally = {p: sum(1 for v in counted.values() if v == p) for p in POSITIONS}
    turnout = Fraction(len(counted), len(eligible)) if eligible else Fraction(0)
    quorum_met = turnout >= Fraction(rule["quorum"])
    if not quorum_met:
        return tally, turnout, False, "no_quorum"
    return tally, turnout, True, "carried" if ref_carried(rule, tally) else "rejected"


def ref_decision(rule: dict, eligible: set[str], ballots: dict[str, str]) -> dict:
    counted = {v: p for v, p in ballots.items() if v in eligible}
    void = sorted(v for v in ballots if v not in eligible)
    tally, turnout, quorum_met, outcome = ref_outcome(rule, eligible, counted)
    pivotal = []
    if outcome != "no_quorum":
        for voter, position in counted.items():
            if outcome == "carried" and position == "for":
                flipped = {**counted, voter: "against"}
                if ref_outcome(rule, eligible, flipped)[3] != "carried":
                    pivotal.append(voter)
            elif outcome == "rejected" and position in ("against", "block"):
                flipped = {**counted, voter: "for"}
                if ref_outcome(rule, eligible, flipped)[3] == "carried":
                    pivotal.append(voter)
    return {"rule": rule, "eligible": sorted(eligible), "counted": counted, "void": void,
            "tally": tally, "turnout": turnout, "quorum_met": quorum_met, "outcome": outcome,
            "pivotal": sorted(pivotal)}


def assert_decision(recorded: dict, expected: dict) -> None:
    """A decision recorded by the application equals the reference decision."""
    assert recorded is not None, "a closed proposal has no recorded decision"
    eligible = set(expected["eligible"])
    assert set(recorded["counted"]) <= eligible, "a vote was counted from someone not eligible"
    assert recorded["eligible"] == expected["eligible"]
    assert recorded["counted"] == expected["counted"]
    assert recorded["void"] == expected["void"]
    assert recorded["tally"] == expected["tally"]
    assert Fraction(recorded["turnout"]) == expected["turnout"]
    assert recorded["quorum_met"] == expected["quorum_met"]
    assert recorded["rule"] == expected["rule"]
    assert recorded["outcome"] == expected["outcome"], (recorded, expected)
    assert sorted(recorded["pivotal"]) == expected["pivotal"]


# ---- the model -------------------------------------------------------------------------------
@dataclass
class ProposalModel:
    id: str
    proposer: str
    kind: str
    rule: dict
    change: dict | None
    status: str = "open"
    ballots: dict = field(default_factory=dict)
    votes_cast: int = 0
    versions: int = 1
    request_ids: set = field(default_factory=set)
    decision: dict | None = None  # the reference decision, taken when the model closed it


class ReciprocaMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.tmp = tempfile.mkdtemp(prefix="reciproca-stateful-")
        url = f"sqlite:///{Path(self.tmp) / 'events.sqlite'}"
        initialise(url)
        self.app = open_application(url)
        self.group_id = None
        self.members: dict[str, dict] = {}  # person -> {"category": str, "roles": [str]}
        self.left: set[str] = set()  # people who left and are not members now
        self.rule: dict = {}
        self.proposals: list[ProposalModel] = []

    def teardown(self):
        close(self.app)
        shutil.rmtree(self.tmp, ignore_errors=True)

    # ---- helpers ---------------------------------------------------------------------------
    def roles(self, person):
        return self.members[person]["roles"] if person in self.members else []

    def holds(self, person, roles):
        return bool(set(self.roles(person)) & roles)

    def voting(self):
        return {p for p in self.members if "observer" not in self.roles(p)}

    def observers(self):
        return {p for p in self.members if "observer" in self.roles(p)}

    def outsiders(self):
        return set(PEOPLE) - set(self.members) - self.left

    def pick(self, data, label, **groups):
        """Someone from one of the named (non-empty) groups. The first group named is the one
        that fits the command; it is drawn half the time, else any group is (it may fit too)."""
        names = [name for name, people in groups.items() if people]
        first = next(iter(groups))
        if groups[first] and data.draw(st.booleans(), label=f"{label} fits"):
            name = first
        else:
            name = data.draw(st.sampled_from(names), label=f"{label} from")
        event(f"{label} from {name}")
        return data.draw(st.sampled_from(sorted(groups[name])), label=label)

    def pick_proposal(self, data):
        """Mostly an open proposal (when there is one); else any, closed and withdrawn too."""
        open_ones = [p for p in self.proposals if p.status == "open"]
        if open_ones and data.draw(st.integers(0, 3), label="open proposal") < 3:
            return data.draw(st.sampled_from(open_ones), label="proposal")
        return data.draw(st.sampled_from(self.proposals), label="proposal")

    def run(self, reasons, events_expected, command, *args, **kwargs):
        """Run a command that must be refused for one of `reasons` (error classes), or succeed
        writing exactly `events_expected` events when there are none."""
        before = self.app.recorder.max_notification_id()
        name = command.__name__
        try:
            result = command(*args, **kwargs)
        except DomainError as error:
            after = self.app.recorder.max_notification_id()
            assert reasons, f"{name} was refused but the model accepts it: {error!r}"
            assert isinstance(error, tuple(reasons)), (
                f"{name} refused with {error!r}; the model expected one of {reasons}")
            assert after == before, f"refused {name} wrote {after - before} event(s)"
            event(f"{name}: refused")
            return None
        after = self.app.recorder.max_notification_id()
        assert not reasons, f"{name} was accepted but the model refuses it for {reasons}"
        assert after - before == events_expected, (
            f"{name} wrote {after - before} event(s), expected {events_expected}")
        event(f"{name}: accepted")
        return result

    def person_or_nonmember(self, data, label, fitting, **more):
        return self.pick(data, label, fitting=fitting, **more,
                         left=self.left, outsider=self.outsiders())

    # ---- founding and members --------------------------------------------------------------
    def found(self, rule, category):
        before = self.app.recorder.max_notification_id() or 0
        done = self.app.found_group(actor=FOUNDER, name="Mesa", purpose="Salud mental",
                                    category=category, founder_name="Lucía",
                                    decision_rule={"rule": rule, "quorum": "1/2"})
        assert self.app.recorder.max_notification_id() - before == 3
        self.group_id = done.id
        self.members[FOUNDER] = {"category": category, "roles": ["member", "chair"]}
        self.rule = rule_data(rule, "1/2")

    @initialize(data=st.data(),
                newcomers=st.lists(st.tuples(st.sampled_from(CATEGORIES),
                                             st.sampled_from(("member", "member", "observer")),
                                             st.sampled_from((None, "facilitator",
                                                              "note_taker"))),
                                   min_size=1, max_size=4))
    def first_members_and_proposal(self, data, newcomers):
        """A few members admitted by the founder (some given a facilitator's or note-taker's
        role), and a first proposal, so that every rule has something to act on from the first
        step (the rules go on admitting, assigning roles and tabling)."""
        self.found(data.draw(st.sampled_from(RULES), label="rule"),
                   data.draw(st.sampled_from(CATEGORIES), label="founder category"))
        for person, (category, role, extra) in zip(PEOPLE[1:], newcomers):
            self.run([], 1, self.app.admit_member, self.group_id, actor=FOUNDER,
                     member_id=person, display_name="Persona", category=category, role=role)
            self.members[person] = {"category": category, "roles": [role]}
            if extra:  # refused for an observer made facilitator
                self.do_change_role(FOUNDER, person, extra, "assign")
        done = self.run([], 1, self.app.table_proposal, self.group_id, actor=FOUNDER,
                        title="Primera", body="Texto", scope="design")
        self.proposals.append(ProposalModel(done.id, FOUNDER, "ordinary", self.rule, None))

    @rule(data=st.data(), category=st.sampled_from(CATEGORIES + (BAD_CATEGORY,)),
          role=st.sampled_from(("member", "member", "observer", BAD_ROLE)))
    def admit(self, data, category, role):
        actor = self.person_or_nonmember(
            data, "admitter", {p for p in self.members if self.holds(p, ADMITTERS)},
            member=set(self.members))
        newcomer = self.pick(data, "newcomer", left=self.left, outsider=self.outsiders(),
                             member=set(self.members))
        reasons = []
        if actor not in self.members:
            reasons.append(NotAMember)
        elif not self.holds(actor, ADMITTERS):
            reasons.append(NotAllowed)
        if category not in CATEGORIES or role not in ("member", "observer"):
            reasons.append(InvalidValue)
        if newcomer in self.members:
            reasons.append(AlreadyMember)
        if self.run(reasons, 1, self.app.admit_member, self.group_id, actor=actor,
                    member_id=newcomer, display_name="Persona", category=category, role=role):
            self.members[newcomer] = {"category": category, "roles": [role]}
            self.left.discard(newcomer)

    @rule(data=st.data())
    def leave(self, data):
        member = self.pick(data, "leaver", member=set(self.members), left=self.left,
                           outsider=self.outsiders())
        actor = self.pick(data, "remover", themselves={member},
                          chair={p for p in self.members if self.holds(p, AUTHORITY)},
                          member=set(self.members), nonmember=self.left | self.outsiders())
        self.do_leave(actor, member)

    def do_leave(self, actor, member):
        reasons = []
        if actor not in self.members:
            reasons.append(NotAMember)
        if member not in self.members:
            reasons.append(UnknownMember)
        if actor != member and not self.holds(actor, AUTHORITY):
            reasons.append(NotAllowed)
        chairs = [p for p in self.members if "chair" in self.members[p]["roles"]]
        if chairs == [member] and len(self.members) > 1:
            reasons.append(LastChair)
        reason = None if actor == member else "Motivo"
        if self.run(reasons, 1, self.app.leave_group, self.group_id, actor=actor,
                    member_id=member, reason=reason):
            del self.members[member]
            self.left.add(member)

    @rule(data=st.data(), category=st.sampled_from(CATEGORIES + (BAD_CATEGORY,)))
    def change_category(self, data, category):
        member = self.pick(data, "member", member=set(self.members), left=self.left,
                           outsider=self.outsiders())
        actor = self.pick(data, "changer", themselves={member},
                          chair={p for p in self.members if self.holds(p, AUTHORITY)},
                          member=set(self.members), nonmember=self.left | self.outsiders())
        reasons = []
        if actor not in self.members:
            reasons.append(NotAMember)
        if member not in self.members:
            reasons.append(UnknownMember)
        if actor != member:
            reasons.append(NotAllowed)  # people name their own category
        if category not in CATEGORIES or (
                member in self.members and self.members[member]["category"] == category):
            reasons.append(InvalidValue)
        if self.run(reasons, 1, self.app.change_category, self.group_id, actor=actor,
                    member_id=member, category=category):
            self.members[member]["category"] = category

    @rule(data=st.data(), action=st.sampled_from(("assign", "assign", "revoke", "revoke",
                                                   BAD_ACTION)))
    def change_role(self, data, action):
        actor = self.person_or_nonmember(
            data, "role changer", {p for p in self.members if self.holds(p, AUTHORITY)},
            member=set(self.members))
        member = self.pick(data, "role holder", member=set(self.members), left=self.left,
                           outsider=self.outsiders())
        role = self.pick(data, "role", held=set(self.roles(member)),
                         any=set(ROLES) | {BAD_ROLE})
        self.do_change_role(actor, member, role, action)

    def do_change_role(self, actor, member, role, action):
        reasons = []
        if actor not in self.members:
            reasons.append(NotAMember)
        elif not self.holds(actor, AUTHORITY):
            reasons.append(NotAllowed)
        reasons += self.role_change_problems(member, role, action)
        if self.run(reasons, 1, self.app.change_role, self.group_id, actor=actor,
                    member_id=member, role=role, action=action):
            self.apply_role_change(member, role, action)

    def role_change_problems(self, member, role, action):
        problems = []
        if role not in ROLES or action not in ("assign", "revoke"):
            problems.append(InvalidValue)
        if member not in self.members:
            problems.append(UnknownMember)
        elif action == "assign" and role in self.roles(member):
            problems.append(InvalidValue)
        elif action == "assign" and "observer" in {role, *self.roles(member)} and (
                {role, *self.roles(member)} & LEADERSHIP):
            problems.append(InvalidValue)  # an observer holds no leadership role
        elif action == "revoke" and role not in self.roles(member):
            problems.append(InvalidValue)
        return problems

    def apply_role_change(self, member, role, action):
        if action == "assign":
            self.members[member]["roles"].append(role)
        else:
            self.members[member]["roles"].remove(role)

    # ---- proposals -------------------------------------------------------------------------
    @rule(data=st.data(), scope=st.sampled_from(SCOPES + (BAD_SCOPE,)),
          kind=st.sampled_from(("ordinary", "ordinary", "role_change", "rule_change")),
          own_rule=st.none() | st.tuples(st.sampled_from(RULES),
                                         st.sampled_from(("0", "1/2", "2/3", "1")),
                                         st.sampled_from((None, "3/4"))),
          new_rule=NEW_RULES)
    def table(self, data, scope, kind, own_rule, new_rule):
        actor = self.pick(data, "proposer", voting=self.voting(), observer=self.observers(),
                          left=self.left, outsider=self.outsiders())
        self.do_table(data, actor, scope, kind, own_rule, new_rule)

    def do_table(self, data, actor, scope, kind, own_rule, new_rule):
        reasons = []
        if actor not in self.members:
            reasons.append(NotAMember)
        elif actor in self.observers():
            reasons.append(NotAllowed)
        if scope not in SCOPES:
            reasons.append(InvalidValue)
        rule_given = None
        if own_rule is not None:
            r, q, t = own_rule
            rule_given = {"rule": r, "quorum": q}
            if r == "supermajority" and t:
                rule_given["threshold"] = t
            if kind == "rule_change" or Fraction(q) < Fraction(self.rule["quorum"]):
                reasons.append(InvalidValue)
        change = stored_change = None
        if kind == "role_change":
            member = self.pick(data, "change for", member=set(self.members), left=self.left)
            action = data.draw(st.sampled_from(("assign", "revoke")), label="change action")
            held = set(self.roles(member))
            role = self.pick(data, "change role",
                             fitting=held if action == "revoke" else set(ROLES) - held,
                             any=set(ROLES))
            change = stored_change = {"member_id": member, "role": role, "action": action}
            reasons += self.role_change_problems(member, role, action)
        elif kind == "rule_change":
            r, q, t = new_rule
            change = {"rule": r, "quorum": q}
            if r == "supermajority" and t:
                change["threshold"] = t
            stored_change = rule_data(r, q, t)
        done = self.run(reasons, 1, self.app.table_proposal, self.group_id, actor=actor,
                        title="Propuesta", body="Texto", scope=scope, kind=kind,
                        rule=rule_given, change=change)
        if done:
            in_force = (self.rule if rule_given is None
                        else rule_data(rule_given["rule"], rule_given["quorum"],
                                       rule_given.get("threshold")))
            self.proposals.append(ProposalModel(done.id, actor, kind, in_force, stored_change))
            return self.proposals[-1]
        return None

    @rule(data=st.data(), position=st.sampled_from(POSITIONS + POSITIONS + (BAD_POSITION,)),
          request=st.none() | st.sampled_from(("v1", "v2")))
    def vote(self, data, position, request):
        """A person votes or changes their vote; sometimes with a request id, which a retry of
        the same request repeats (request ids are the client's, so unique to the voter here)."""
        proposal = self.pick_proposal(data)
        actor = self.pick(data, "voter", voting=self.voting(), observer=self.observers(),
                          left=self.left, outsider=self.outsiders())
        request_id = None if request is None else f"{request}:{actor}"
        self.cast(proposal, actor, None, position, request_id)

    @rule(data=st.data(), position=st.sampled_from(POSITIONS))
    def record_vote(self, data, position):
        """A chair, facilitator or note-taker records the vote of someone present in person."""
        proposal = self.pick_proposal(data)
        actor = self.person_or_nonmember(
            data, "recorder", {p for p in self.members if self.holds(p, RECORDERS)},
            member=set(self.members))
        voter = self.pick(data, "voter", voting=self.voting(), observer=self.observers(),
                          left=self.left, outsider=self.outsiders())
        self.cast(proposal, actor, voter, position, None)

    @rule(data=st.data())
    def a_round_of_votes(self, data, proposal=None):
        """Most voting members vote on one proposal, then a few people vote (again)."""
        proposal = proposal or self.pick_proposal(data)
        present = [p for p in sorted(self.voting())
                   if data.draw(st.integers(0, 3), label=f"{p[-1]} votes") < 3]
        again = data.draw(st.lists(st.sampled_from(PEOPLE), max_size=3), label="vote again")
        voters = present + again  # the latter may not be voting members any more, or at all
        leaning = data.draw(st.sampled_from(list(LEANINGS)), label="leaning")
        for voter in voters:
            position = data.draw(st.sampled_from(LEANINGS[leaning]), label="position")
            if data.draw(st.integers(0, 3), label="recorded by someone else") == 3:
                recorder = self.pick(data, "recorder", fitting={
                    p for p in self.members if self.holds(p, RECORDERS)},
                    member=set(self.members), anyone=set(PEOPLE))
                self.cast(proposal, recorder, voter, position, None)
            else:
                self.cast(proposal, voter, None, position, None)

    def cast(self, proposal, actor, voter, position, request_id):
        whose = actor if voter is None else voter
        if request_id is not None and request_id in proposal.request_ids:
            # the same voter's request again: answered as before, nothing written or counted
            # twice, even if it now says something else (the first answer stands)
            event("vote request repeated")
            self.run([], 0, self.app.cast_vote, proposal.id, actor=actor, position=position,
                     voter=voter, request_id=request_id)
            return
        reasons = []
        if proposal.status != "open":
            reasons.append(ProposalClosed)
        if position not in POSITIONS:
            reasons.append(InvalidValue)
        if whose != actor:
            if actor not in self.members:
                reasons.append(NotAMember)
            elif not self.holds(actor, RECORDERS):
                reasons.append(NotAllowed)
        if whose not in self.members:
            reasons.append(NotAMember)
        elif whose in self.observers():
            reasons.append(NotAllowed)
        if self.run(reasons, 1, self.app.cast_vote, proposal.id, actor=actor,
                    position=position, reason="Porque sí", voter=voter, request_id=request_id):
            last = list(self.app.events.get(uuid.UUID(proposal.id)))[-1]
            assert type(last).__name__ == "VoteCast"
            assert (last.voter, last.actor, last.position) == (whose, actor, position)
            if whose in proposal.ballots:
                event("vote changed")
            proposal.ballots[whose] = position
            proposal.votes_cast += 1
            if request_id is not None:
                proposal.request_ids.add(request_id)

    @rule(data=st.data())
    def close(self, data):
        proposal = self.pick_proposal(data)
        actor = self.pick(data, "closer", leader={
            p for p in self.members if self.holds(p, CLOSERS)}, proposer={proposal.proposer},
            member=set(self.members), left=self.left, outsider=self.outsiders())
        self.do_close(proposal, actor)

    def do_close(self, proposal, actor):
        reasons = []
        if proposal.status != "open":
            reasons.append(ProposalClosed)
        if actor not in self.members:  # a proposer who left may not close it either
            reasons.append(NotAMember)
        elif actor != proposal.proposer and not self.holds(actor, CLOSERS):
            reasons.append(NotAllowed)
        # the decision the model expects, taken before the command (the membership now)
        rule = self.rule_at_close(proposal)
        expected = ref_decision(rule, self.voting(), proposal.ballots)
        applies = (expected["outcome"] == "carried" and proposal.kind != "ordinary"
                   and self.change_applies(proposal))
        done = self.run(reasons, 3 if applies else 2, self.app.close_proposal, proposal.id,
                        actor=actor)
        if not done:
            return
        event(f"closed: {expected['outcome']} ({proposal.kind}, change applied: {applies})")
        if expected["void"]:
            event("closed with void votes")
        # the close event itself records the decision
        closed = [e for e in self.app.events.get(uuid.UUID(proposal.id))
                  if type(e).__name__ == "Closed"]
        assert len(closed) == 1
        assert_decision(closed[0].decision, expected)
        assert_decision(done.decision, expected)
        recorded = [e for e in self.app.events.get(uuid.UUID(self.group_id))
                    if type(e).__name__ == "DecisionRecorded" and e.proposal_id == proposal.id]
        assert len(recorded) == 1
        assert recorded[0].outcome == expected["outcome"]
        assert recorded[0].change_applied == applies
        proposal.status, proposal.decision = "closed", expected
        if applies and proposal.kind == "role_change":
            self.apply_role_change(proposal.change["member_id"], proposal.change["role"],
                                   proposal.change["action"])
        elif applies:
            self.rule = dict(proposal.change)

    def rule_at_close(self, proposal):
        """A rule change is decided under the group's rule in force; any other proposal under
        the rule it was tabled with, but never with a quorum below the group's at close (the
        group may have raised it since: docs/decisions.md)."""
        if proposal.kind == "rule_change":
            return self.rule
        rule = dict(proposal.rule)
        rule["quorum"] = str(max(Fraction(rule["quorum"]), Fraction(self.rule["quorum"])))
        return rule

    def change_applies(self, proposal):
        if proposal.kind == "rule_change":
            return proposal.change != self.rule
        c = proposal.change
        return not self.role_change_problems(c["member_id"], c["role"], c["action"])

    @rule(data=st.data(), kind=st.sampled_from(("ordinary", "role_change", "rule_change")),
          new_rule=NEW_RULES,
          own_rule=st.none() | st.tuples(st.sampled_from(RULES), st.sampled_from(("1/2", "2/3")),
                                         st.sampled_from((None, "3/4"))))
    def a_meeting(self, data, kind, new_rule, own_rule):
        """Whole decisions in one step. Someone tables a proposal (under its own rule or the
        group's), maybe amends it; then it and, sometimes, an older open proposal are decided in turn: members
        vote, the proposer may try to amend it, maybe one of them leaves or becomes an observer (their vote is then void), and
        someone closes it. The older item comes second, so that the new one may have changed
        the group's rule (or raised its quorum) in between. Every command is checked like any
        other; the people are drawn as in the other rules."""
        older = [p for p in self.proposals if p.status == "open"]
        actor = self.pick(data, "proposer", voting=self.voting(), anyone=set(PEOPLE))
        own_rule = None if kind == "rule_change" else own_rule
        agenda = [self.do_table(data, actor, "governance", kind, own_rule, new_rule)]
        if agenda[0] and data.draw(st.booleans(), label="amended before the vote"):
            self.do_amend(agenda[0], actor)
        if older and data.draw(st.integers(0, 2), label="an older item too") < 2:
            agenda.append(data.draw(st.sampled_from(older), label="older item"))
        for proposal in agenda:
            if proposal is not None and proposal.status == "open":
                self.decide_item(data, proposal)

    def decide_item(self, data, proposal):
        self.a_round_of_votes(data, proposal)
        if data.draw(st.booleans(), label="amended after the vote"):
            self.do_amend(proposal, proposal.proposer)  # too late once anyone has voted
        voted = sorted(set(proposal.ballots) & set(self.members))
        what = data.draw(st.sampled_from(("nothing", "leaves", "observes")), label="then")
        if voted and what == "leaves":
            leaver = data.draw(st.sampled_from(voted), label="leaver")
            self.do_leave(leaver, leaver)
        elif voted and what == "observes":
            chairs = sorted(p for p in self.members if self.holds(p, AUTHORITY))
            if chairs:  # refused when the voter holds a leadership role
                member = data.draw(st.sampled_from(voted), label="now observer")
                self.do_change_role(chairs[0], member, "observer", "assign")
        closer = self.pick(data, "closer", leader={
            p for p in self.members if self.holds(p, CLOSERS)}, proposer={proposal.proposer},
            anyone=set(PEOPLE))
        self.do_close(proposal, closer)

    @rule(data=st.data())
    def withdraw(self, data):
        proposal = self.pick_proposal(data)
        actor = self.pick(data, "withdrawer", proposer={proposal.proposer},
                          member=set(self.members), nonmember=self.left | self.outsiders())
        reasons = []
        if proposal.status != "open":
            reasons.append(ProposalClosed)
        if actor not in self.members:  # a proposer who left may not act on it
            reasons.append(NotAMember)
        elif actor != proposal.proposer:
            reasons.append(NotAllowed)
        if self.run(reasons, 1, self.app.withdraw_proposal, proposal.id, actor=actor):
            proposal.status = "withdrawn"

    @rule(data=st.data())
    def amend(self, data):
        proposal = self.pick_proposal(data)
        actor = self.pick(data, "amender", proposer={proposal.proposer},
                          member=set(self.members), nonmember=self.left | self.outsiders())
        self.do_amend(proposal, actor)

    def do_amend(self, proposal, actor):
        reasons = []
        if proposal.status != "open":
            reasons.append(ProposalClosed)
        if actor not in self.members:  # a proposer who left may not act on it
            reasons.append(NotAMember)
        elif actor != proposal.proposer:
            reasons.append(NotAllowed)
        if proposal.votes_cast:
            reasons.append(AmendmentTooLate)
        if self.run(reasons, 1, self.app.amend_proposal, proposal.id, actor=actor,
                    title="Propuesta enmendada", body="Texto nuevo"):
            proposal.versions += 1

    @rule(data=st.data(), which=st.sampled_from(("actor", "proposal")))
    def bad_ids(self, data, which):
        """Something that is not a person's id as actor, or a proposal that does not exist."""
        target = (self.pick_proposal(data).id if self.proposals and which == "actor"
                  else NOBODY_PROPOSAL)
        actor = "not-a-person" if which == "actor" else FOUNDER
        error = InvalidValue if which == "actor" else NotFound
        command = data.draw(st.sampled_from(("vote", "close", "withdraw", "amend", "admit")),
                            label="command")
        if command == "vote":
            self.run([error], 0, self.app.cast_vote, target, actor=actor, position="for")
        elif command == "close":
            self.run([error], 0, self.app.close_proposal, target, actor=actor)
        elif command == "withdraw":
            self.run([error], 0, self.app.withdraw_proposal, target, actor=actor)
        elif command == "amend":
            self.run([error], 0, self.app.amend_proposal, target, actor=actor, title="T",
                     body="B")
        else:
            group = self.group_id if which == "actor" else NOBODY_PROPOSAL
            self.run([error], 0, self.app.admit_member, group, actor=actor,
                     member_id=PEOPLE[-1], display_name="Persona", category="carer")

    # ---- invariants ------------------------------------------------------------------------
    @invariant()
    def group_matches_the_model(self):
        group = self.app.group(self.group_id)
        assert group.members == self.members
        assert group.voting_members() == sorted(self.voting())
        assert group.rule == self.rule
        assert group.decided == {p.id for p in self.proposals if p.status == "closed"}

    @invariant()
    def proposals_match_the_model(self):
        for model in self.proposals:
            proposal = self.app.proposal(model.id)
            assert proposal.status == model.status
            assert proposal.proposer == model.proposer
            assert proposal.ballots == model.ballots, "a vote was lost, or counted twice"
            assert proposal.votes_cast == model.votes_cast
            assert len(proposal.versions) == model.versions
            assert proposal.rule == model.rule
            assert proposal.change == model.change
            if model.status == "closed":
                assert_decision(proposal.decision, model.decision)
            else:
                assert proposal.decision is None


ReciprocaMachine.TestCase.settings = settings(max_examples=25, stateful_step_count=30,
                                              deadline=None)
TestReciprocaStateful = ReciprocaMachine.TestCase
