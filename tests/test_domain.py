"""The group's rules, command by command, through the application service on a real SQLite file."""

import uuid

import pytest

from domain.errors import (
    AlreadyMember,
    AmendmentTooLate,
    InvalidValue,
    LastChair,
    NotAllowed,
    NotAMember,
    NotFound,
    ProposalClosed,
    UnknownMember,
)
from tests.helpers import admit, found_group, stored_events


def last(app, name):
    return [e for e in stored_events(app) if type(e).__name__ == name][-1]


def table(app, group_id, actor, **options):
    return app.table_proposal(group_id, actor=actor, title="Propuesta", body="Texto",
                              scope=options.pop("scope", "governance"), **options).id


def test_the_founder_is_the_first_member_and_chair(app):
    group_id, chair = found_group(app)
    assert app.group(group_id).members == {chair: {"category": "service_user",
                                                   "roles": ["member", "chair"]}}
    founding = last(app, "RoleAssigned")
    assert (founding.how, founding.actor, founding.proposal_id) == ("founding", chair, None)


def test_only_a_chair_changes_roles_directly_and_the_event_says_who_and_how(app):
    group_id, chair = found_group(app)
    member = admit(app, group_id, chair)
    with pytest.raises(NotAllowed):
        app.change_role(group_id, actor=member, member_id=member, role="chair", action="assign")
    app.change_role(group_id, actor=chair, member_id=member, role="note_taker", action="assign")
    event = last(app, "RoleAssigned")
    assert (event.actor, event.member_id, event.how, event.proposal_id) == (
        chair, member, "direct", None)
    with pytest.raises(InvalidValue):
        app.change_role(group_id, actor=chair, member_id=member, role="note_taker",
                        action="assign")
    app.change_role(group_id, actor=chair, member_id=member, role="note_taker", action="revoke")
    assert app.group(group_id).members[member]["roles"] == ["member"]


def test_a_carried_role_change_applies_itself_citing_the_proposal(app):
    group_id, chair = found_group(app, category="professional")
    user = admit(app, group_id, chair, category="service_user")
    proposal_id = table(app, group_id, user, kind="role_change",
                        change={"member_id": user, "role": "chair", "action": "assign"})
    app.cast_vote(proposal_id, actor=chair, position="for")
    app.cast_vote(proposal_id, actor=user, position="for")
    assert app.close_proposal(proposal_id, actor=user).decision["outcome"] == "carried"
    assert app.group(group_id).members[user]["roles"] == ["member", "chair"]
    event = last(app, "RoleAssigned")
    assert (event.how, event.proposal_id, event.member_id) == ("proposal", proposal_id, user)


def test_a_rejected_role_change_changes_nothing(app):
    group_id, chair = found_group(app)
    member = admit(app, group_id, chair)
    proposal_id = table(app, group_id, member, kind="role_change",
                        change={"member_id": chair, "role": "chair", "action": "revoke"})
    app.cast_vote(proposal_id, actor=chair, position="against")
    app.cast_vote(proposal_id, actor=member, position="for")
    assert app.close_proposal(proposal_id, actor=member).decision["outcome"] == "rejected"
    assert "chair" in app.group(group_id).members[chair]["roles"]
    assert last(app, "DecisionRecorded").change_applied is False


def test_a_rule_change_is_decided_under_the_groups_rule_and_then_applies(app):
    group_id, chair = found_group(app)
    member = admit(app, group_id, chair)
    new_rule = {"rule": "supermajority", "threshold": "3/4", "quorum": "2/3"}
    with pytest.raises(InvalidValue) as refused:
        table(app, group_id, chair, kind="rule_change", change=new_rule,
              rule={"rule": "consent", "quorum": "1/2"})
    assert refused.value.field == "rule"
    proposal_id = table(app, group_id, chair, kind="rule_change", change=new_rule)
    app.cast_vote(proposal_id, actor=chair, position="for")
    app.cast_vote(proposal_id, actor=member, position="abstain")
    decision = app.close_proposal(proposal_id, actor=chair).decision
    assert decision["rule"] == {"rule": "majority", "quorum": "1/2"}
    assert app.group(group_id).rule == {"rule": "supermajority", "quorum": "2/3",
                                        "threshold": "3/4"}
    assert last(app, "RuleChanged").proposal_id == proposal_id


def test_a_proposal_quorum_may_not_be_laxer_than_the_groups(app):
    group_id, chair = found_group(app, rule={"rule": "majority", "quorum": "2/3"})
    with pytest.raises(InvalidValue) as refused:
        table(app, group_id, chair, rule={"rule": "consensus", "quorum": "1/2"})
    assert refused.value.field == "quorum"
    proposal_id = table(app, group_id, chair, rule={"rule": "consensus", "quorum": "3/4"})
    assert app.proposal(proposal_id).rule == {"rule": "consensus", "quorum": "3/4"}


def test_amendments_are_kept_and_only_allowed_before_the_first_vote(app):
    group_id, chair = found_group(app)
    member = admit(app, group_id, chair)
    proposal_id = table(app, group_id, chair)
    with pytest.raises(NotAllowed):
        app.amend_proposal(proposal_id, actor=member, title="Otra", body="Otro")
    app.amend_proposal(proposal_id, actor=chair, title="Versión 2", body="Texto 2")
    versions = app.proposal(proposal_id).versions
    assert [app.texts.text(v["title"]) for v in versions] == ["Propuesta", "Versión 2"]
    app.cast_vote(proposal_id, actor=member, position="abstain")
    with pytest.raises(AmendmentTooLate):
        app.amend_proposal(proposal_id, actor=chair, title="Versión 3", body="Texto 3")


def test_the_latest_vote_counts_and_the_close_event_records_the_decision(app):
    group_id, chair = found_group(app)
    a, b, leaver = (admit(app, group_id, chair) for _ in range(3))
    observer = admit(app, group_id, chair, role="observer")
    proposal_id = table(app, group_id, a)
    app.cast_vote(proposal_id, actor=a, position="against")
    app.cast_vote(proposal_id, actor=a, position="for", reason="Me convencieron")
    app.cast_vote(proposal_id, actor=b, position="abstain")
    app.cast_vote(proposal_id, actor=leaver, position="against")
    app.leave_group(group_id, actor=leaver, member_id=leaver)
    with pytest.raises(NotAllowed):
        app.cast_vote(proposal_id, actor=observer, position="for")
    closed = app.close_proposal(proposal_id, actor=chair)
    # eligible: chair, a, b (the leaver is gone, the observer never votes); counted a=for,
    # b=abstain; turnout 2/3 >= 1/2; for 1 > against 0: carried; a alone is pivotal.
    assert closed.decision == {
        "rule": {"rule": "majority", "quorum": "1/2"},
        "eligible": sorted([chair, a, b]),
        "counted": {v: p for v, p in sorted({a: "for", b: "abstain"}.items())},
        "void": [leaver],
        "tally": {"for": 1, "against": 0, "abstain": 1, "block": 0},
        "turnout": "2/3",
        "quorum_met": True,
        "outcome": "carried",
        "pivotal": [a],
    }
    assert last(app, "Closed").decision == closed.decision
    with pytest.raises(ProposalClosed):
        app.cast_vote(proposal_id, actor=b, position="for")
    with pytest.raises(ProposalClosed):
        app.close_proposal(proposal_id, actor=chair)


def test_who_may_close_and_withdraw(app):
    group_id, chair = found_group(app)
    proposer, other = admit(app, group_id, chair), admit(app, group_id, chair)
    proposal_id = table(app, group_id, proposer)
    with pytest.raises(NotAllowed):
        app.close_proposal(proposal_id, actor=other)
    with pytest.raises(NotAllowed):
        app.withdraw_proposal(proposal_id, actor=chair)
    app.withdraw_proposal(proposal_id, actor=proposer)
    assert app.proposal(proposal_id).status == "withdrawn"
    with pytest.raises(ProposalClosed):
        app.cast_vote(proposal_id, actor=other, position="for")


def test_a_note_taker_records_an_in_person_vote_a_member_cannot(app):
    group_id, chair = found_group(app)
    note_taker, absent = admit(app, group_id, chair), admit(app, group_id, chair)
    proposal_id = table(app, group_id, chair)
    with pytest.raises(NotAllowed):
        app.cast_vote(proposal_id, actor=note_taker, voter=absent, position="for")
    app.change_role(group_id, actor=chair, member_id=note_taker, role="note_taker",
                    action="assign")
    app.cast_vote(proposal_id, actor=note_taker, voter=absent, position="for")
    vote = last(app, "VoteCast")
    assert (vote.actor, vote.voter) == (note_taker, absent)
    assert app.proposal(proposal_id).ballots == {absent: "for"}


def test_people_outside_the_group_and_who_left_cannot_act(app):
    group_id, chair = found_group(app)
    stranger, leaver = str(uuid.uuid4()), admit(app, group_id, chair)
    app.leave_group(group_id, actor=leaver, member_id=leaver)
    for person in (stranger, leaver):
        with pytest.raises(NotAMember):
            table(app, group_id, person)
        with pytest.raises(NotAMember):
            app.take_on_task(group_id, actor=person, description="Actas")
    with pytest.raises(UnknownMember):
        app.change_category(group_id, actor=chair, member_id=stranger, category="carer")


def test_membership_admission_and_categories(app):
    group_id, chair = found_group(app)
    member = admit(app, group_id, chair, category="community")
    with pytest.raises(AlreadyMember):
        app.admit_member(group_id, actor=chair, member_id=member, display_name="Otra vez",
                         category="carer")
    with pytest.raises(NotAllowed):
        admit(app, group_id, member)
    with pytest.raises(InvalidValue) as refused:
        admit(app, group_id, chair, category="vecino")
    assert refused.value.field == "category"
    with pytest.raises(NotAllowed):  # people name their own category, even to a chair
        app.change_category(group_id, actor=chair, member_id=member, category="carer")
    app.change_category(group_id, actor=member, member_id=member, category="carer")
    change = last(app, "CategoryChanged")
    assert (change.category, change.previous) == ("carer", "community")


def test_a_member_leaves_and_a_chair_removes_with_a_reason_shown_by_reference(app):
    group_id, chair = found_group(app)
    leaver, removed, other = (admit(app, group_id, chair) for _ in range(3))
    app.leave_group(group_id, actor=leaver, member_id=leaver)
    assert last(app, "MemberLeft").reason is None
    with pytest.raises(NotAllowed):
        app.leave_group(group_id, actor=other, member_id=removed, reason="No viene")
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as refused:
        app.leave_group(group_id, actor=chair, member_id=removed)
    assert refused.value.field == "reason"
    assert app.recorder.max_notification_id() == before
    app.leave_group(group_id, actor=chair, member_id=removed, reason="Acoso a otra persona")
    event = last(app, "MemberLeft")
    assert (event.actor, event.member_id) == (chair, removed)
    assert app.texts.text(event.reason) == "Acoso a otra persona"
    assert set(app.group(group_id).members) == {chair, other}


def test_the_last_chair_cannot_leave_a_group_with_members_but_may_once_another_chairs(app):
    group_id, chair = found_group(app)
    member, other = admit(app, group_id, chair), admit(app, group_id, chair)
    with pytest.raises(LastChair):
        app.leave_group(group_id, actor=chair, member_id=chair)
    app.change_role(group_id, actor=chair, member_id=member, role="chair", action="assign")
    app.leave_group(group_id, actor=chair, member_id=chair)
    with pytest.raises(LastChair):  # the new chair is now the last one
        app.leave_group(group_id, actor=member, member_id=member)
    app.leave_group(group_id, actor=other, member_id=other)
    app.leave_group(group_id, actor=member, member_id=member)  # nobody left behind
    assert app.group(group_id).members == {}


def test_joining_by_invitation_names_the_inviter_while_they_may_still_admit(app):
    group_id, chair = found_group(app)
    facilitator, plain = admit(app, group_id, chair), admit(app, group_id, chair)
    app.change_role(group_id, actor=chair, member_id=facilitator, role="facilitator",
                    action="assign")
    newcomer = str(uuid.uuid4())
    app.join_by_invitation(group_id, member_id=newcomer, invited_by=facilitator,
                           display_name="Rosa", category="carer", role="observer")
    joined = last(app, "MemberJoined")
    assert (joined.actor, joined.member_id, joined.invited_by) == (newcomer, newcomer,
                                                                   facilitator)
    assert app.group(group_id).members[newcomer] == {"category": "carer",
                                                     "roles": ["observer"]}
    with pytest.raises(AlreadyMember):
        app.join_by_invitation(group_id, member_id=newcomer, invited_by=chair,
                               display_name="Rosa", category="carer")
    with pytest.raises(NotAllowed):  # invited by someone who cannot admit members
        app.join_by_invitation(group_id, member_id=str(uuid.uuid4()), invited_by=plain,
                               display_name="Luis", category="carer")
    assert last(app, "MemberJoined").member_id == newcomer
    admit(app, group_id, chair)
    assert last(app, "MemberJoined").invited_by is None  # admitted directly by the actor


def test_contributions_name_their_member_and_are_checked(app):
    group_id, chair = found_group(app)
    peer = admit(app, group_id, chair, category="carer")
    asset = app.offer_asset(group_id, actor=peer, description="Diez años cuidando",
                            tags=["Experiencia", "experiencia", "tiempo"])
    assert app.contribution(asset.id).member_id == peer
    tags = last(app, "AssetOffered").tags  # free text too: references, never the words
    assert all(set(tag) == {"text_id", "digest"} for tag in tags)
    assert [app.texts.text(tag) for tag in tags] == ["experiencia", "tiempo"]
    with pytest.raises(InvalidValue):
        app.give_support(group_id, actor=peer, to_member_id=peer, description="A mí")
    with pytest.raises(UnknownMember):
        app.give_support(group_id, actor=peer, to_member_id=str(uuid.uuid4()), description="X")
    app.give_support(group_id, actor=peer, to_member_id=chair, description="Acompañar")
    with pytest.raises(InvalidValue) as refused:
        app.reflect(group_id, actor=peer, scores={"reciprocity": 6})
    assert refused.value.field == "scores"
    app.reflect(group_id, actor=peer, scores={"peer_support": 4, "asset_based": 3})
    assert last(app, "ReflectionRecorded").scores == {"asset_based": 3, "peer_support": 4}


@pytest.mark.parametrize("bad, field", [
    (dict(title=""), "title"),
    (dict(title="x" * 201), "title"),
    (dict(scope="everything"), "scope"),
    (dict(kind="coup"), "kind"),
    (dict(rule={"rule": "dictatorship", "quorum": "1/2"}), "rule"),
    (dict(rule={"rule": "majority", "quorum": "3/2"}), "quorum"),
    (dict(kind="role_change", change={"member_id": "nobody", "role": "chair",
                                      "action": "assign"}), "member_id"),
])
def test_bad_input_names_the_field_and_writes_nothing(app, bad, field):
    group_id, chair = found_group(app)
    before = app.recorder.max_notification_id()
    options = {"title": "Propuesta", "body": "Texto", "scope": "delivery", **bad}
    with pytest.raises(InvalidValue) as refused:
        app.table_proposal(group_id, actor=chair, **options)
    assert refused.value.field == field
    assert app.recorder.max_notification_id() == before


def test_unknown_ids_are_not_found(app):
    group_id, chair = found_group(app)
    with pytest.raises(NotFound):
        app.cast_vote(str(uuid.uuid4()), actor=chair, position="for")
    with pytest.raises(NotFound):
        app.cast_vote(group_id, actor=chair, position="for")  # a group is not a proposal
    with pytest.raises(NotFound):
        app.group("not-an-id")


def test_a_quorum_raised_by_the_group_applies_to_proposals_already_open(app):
    group_id, chair = found_group(app)
    a, b, c = (admit(app, group_id, chair) for _ in range(3))
    open_one = table(app, group_id, a, scope="delivery")
    raise_quorum = table(app, group_id, chair, kind="rule_change",
                         change={"rule": "majority", "quorum": "3/4"})
    for voter in (chair, a, b):
        app.cast_vote(raise_quorum, actor=voter, position="for")
    app.close_proposal(raise_quorum, actor=chair)
    app.cast_vote(open_one, actor=a, position="for")
    app.cast_vote(open_one, actor=b, position="for")
    # 2 of 4 voted: turnout 1/2 met the quorum of 1/2 at tabling, but not the group's 3/4 now.
    decision = app.close_proposal(open_one, actor=a).decision
    assert (decision["rule"]["quorum"], decision["turnout"]) == ("3/4", "1/2")
    assert decision["outcome"] == "no_quorum"


def test_a_proposer_who_left_can_no_longer_amend_withdraw_or_close(app):
    group_id, chair = found_group(app)
    proposer = admit(app, group_id, chair)
    proposal_id = table(app, group_id, proposer)
    app.leave_group(group_id, actor=proposer, member_id=proposer)
    with pytest.raises(NotAMember):
        app.amend_proposal(proposal_id, actor=proposer, title="Otra", body="Otro")
    with pytest.raises(NotAMember):
        app.withdraw_proposal(proposal_id, actor=proposer)
    with pytest.raises(NotAMember):
        app.close_proposal(proposal_id, actor=proposer)
    app.close_proposal(proposal_id, actor=chair)


def test_an_observer_cannot_hold_a_leadership_role(app):
    group_id, chair = found_group(app)
    observer = admit(app, group_id, chair, role="observer")
    with pytest.raises(InvalidValue):
        app.change_role(group_id, actor=chair, member_id=observer, role="facilitator",
                        action="assign")
    app.change_role(group_id, actor=chair, member_id=observer, role="note_taker",
                    action="assign")
    with pytest.raises(InvalidValue):
        app.change_role(group_id, actor=chair, member_id=chair, role="observer",
                        action="assign")


def test_a_request_id_stands_only_for_its_own_voters_vote(app):
    group_id, chair = found_group(app)
    member, stranger = admit(app, group_id, chair), str(uuid.uuid4())
    proposal_id = table(app, group_id, chair)
    app.cast_vote(proposal_id, actor=chair, position="for", request_id="req-1")
    app.cast_vote(proposal_id, actor=member, position="against", request_id="req-1")
    assert app.proposal(proposal_id).ballots == {chair: "for", member: "against"}
    with pytest.raises(NotAMember):
        app.cast_vote(proposal_id, actor=stranger, position="for", request_id="req-1")


def test_a_refused_command_keeps_none_of_its_free_text(app):
    group_id, chair = found_group(app)
    stranger = str(uuid.uuid4())
    with pytest.raises(NotAMember):
        app.table_proposal(group_id, actor=stranger, title="Ingreso de Marta",
                           body="Diagnóstico reservado", scope="risk")
    with pytest.raises(NotAMember):
        app.admit_member(group_id, actor=stranger, member_id=str(uuid.uuid4()),
                         display_name="Marta García", category="carer")
    with app.texts.db.cursor() as cursor:
        cursor.execute("SELECT body FROM reciproca_texts")
        stored = {row["body"] for row in cursor.fetchall()}
    assert not stored & {"Ingreso de Marta", "Diagnóstico reservado", "Marta García"}
    assert "Mesa de coproducción" in stored


def test_auditors_are_appointed_by_a_chair_or_an_organisation_admin(app):
    group_id, chair = found_group(app)
    member, auditor, other = admit(app, group_id, chair), str(uuid.uuid4()), str(uuid.uuid4())
    with pytest.raises(NotAllowed):
        app.appoint_auditor(group_id, actor=member, auditor_id=auditor)
    with pytest.raises(InvalidValue):
        app.appoint_auditor(group_id, actor=chair, auditor_id=member)
    app.appoint_auditor(group_id, actor=chair, auditor_id=auditor)
    admin = str(uuid.uuid4())
    app.appoint_auditor(group_id, actor=admin, auditor_id=other, as_organisation_admin=True)
    assert app.group(group_id).auditors == [auditor, other]
    assert [e.how for e in stored_events(app) if type(e).__name__ == "AuditorAppointed"] == [
        "chair", "organisation_admin"]
    with pytest.raises(NotAMember):
        table(app, group_id, auditor)


def test_an_auditor_cannot_be_admitted_and_a_member_cannot_audit(app):
    group_id, chair = found_group(app)
    auditor = str(uuid.uuid4())
    app.appoint_auditor(group_id, actor=chair, auditor_id=auditor)
    for role in ("member", "observer"):
        with pytest.raises(InvalidValue) as refused:
            app.admit_member(group_id, actor=chair, member_id=auditor, display_name="Auditora",
                             category="professional", role=role)
        assert refused.value.field == "email"
    assert auditor not in app.group(group_id).members
    member = admit(app, group_id, chair)
    with pytest.raises(InvalidValue):
        app.appoint_auditor(group_id, actor=chair, auditor_id=member, as_organisation_admin=True)
    assert app.group(group_id).auditors == [auditor]
