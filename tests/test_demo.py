"""The demo story: what it loads, that the log replays to exactly what its commands left, and
the `reciproca demo` command."""

import copy
import sqlite3
from collections import Counter
from contextlib import closing
from datetime import datetime, timedelta, timezone
from fractions import Fraction

import pytest

from domain.contribution import Contribution
from domain.group import Group
from domain.proposal import Proposal
from domain.rules import RULES
from domain.settings import sqlite_path
from domain.vocabulary import CATEGORIES, SCOPES, side_of
from tests.helpers import stored_events
from webapp.cli import main
from webapp.demo import StoryClock, load_demo
from webapp.storage import close, open_application


@pytest.fixture
def demo(sqlite_url):
    """The demo loaded into a real SQLite file: (app, story, every stored event)."""
    clock = StoryClock()
    app = open_application(sqlite_url, clock=clock)
    story = load_demo(app, clock)
    yield app, story, stored_events(app)
    close(app)


def categories_as_of(events):
    """Pairs of (event, each member's category as of that event), in log order."""
    category = {}
    for event in events:
        if isinstance(event, (Group.MemberJoined, Group.CategoryChanged)):
            category[event.member_id] = event.category
        yield event, dict(category)


def proposals_in(app, events):
    return [app.proposal(e.originator_id) for e in events if isinstance(e, Proposal.Tabled)]


def test_the_clock_starts_three_months_ago_and_only_moves_forward():
    clock = StoryClock()
    start = clock()
    assert start.tzinfo == timezone.utc and (start.hour, start.minute) == (10, 0)
    assert 94 <= (datetime.now(timezone.utc) - start).days <= 95
    assert clock.advance(days=1, hours=2, minutes=3) == start + timedelta(hours=26, minutes=3)
    assert clock() == start + timedelta(hours=26, minutes=3)
    with pytest.raises(ValueError):
        clock.to(0, "12:00")


def test_the_demo_is_a_whole_group_with_three_months_of_history(demo):
    app, story, events = demo
    group = app.group(story.group_id)
    assert {m["category"] for m in group.members.values()} == set(CATEGORIES)
    assert len(group.members) >= 9
    assert any("observer" in m["roles"] for m in group.members.values())
    assert {e.group_id for e in events} == {story.group_id}

    times = [e.timestamp for e in events]
    assert times == sorted(times)
    assert times[-1] - times[0] >= timedelta(days=80)
    assert times[-1] < datetime.now(timezone.utc)

    closed = [p for p in proposals_in(app, events) if p.status == "closed"]
    assert len({p.decision["rule"]["rule"] for p in closed}) >= 3

    chairs_by_decision = [
        (event, category[event.member_id]) for event, category in categories_as_of(events)
        if isinstance(event, Group.RoleAssigned) and event.role == "chair"
        and event.how == "proposal"]
    assert [category for _, category in chairs_by_decision] == ["service_user"]
    promotion, _ = chairs_by_decision[0]
    decided = app.proposal(promotion.proposal_id)
    assert (decided.kind, decided.decision["outcome"]) == ("role_change", "carried")
    assert "chair" in group.roles_of(promotion.member_id)

    contributions = [e for e in events if isinstance(e, Contribution.Created)]
    assert {type(e) for e in contributions} == {
        Contribution.AssetOffered, Contribution.SupportGiven, Contribution.TaskTakenOn,
        Contribution.ReflectionRecorded}
    for event in contributions:
        contribution = app.contribution(event.originator_id)
        assert (contribution.group_id, contribution.member_id) == (story.group_id, event.actor)


def test_the_story_decides_under_every_rule_with_every_outcome(demo):
    app, story, events = demo
    proposals = proposals_in(app, events)
    closed = [p for p in proposals if p.status == "closed"]
    assert {p.decision["outcome"] for p in closed} == {"carried", "rejected", "no_quorum"}
    assert [p.status for p in proposals].count("withdrawn") >= 1
    assert {p.scope for p in proposals} == set(SCOPES)
    assert {p.decision["rule"]["rule"] for p in closed} == set(RULES)
    assert any(p.decision["rule"]["rule"] == "consent" and p.decision["tally"]["against"]
               and p.decision["outcome"] == "carried" for p in closed)  # a concern, no veto
    assert any(p.decision["void"] for p in closed)  # the vote of someone who has left

    rule_in_force, own_rules = None, set()
    for event in events:
        if isinstance(event, (Group.Founded, Group.RuleChanged)):
            rule_in_force = event.rule
        elif isinstance(event, Proposal.Tabled) and event.rule != rule_in_force:
            assert Fraction(event.rule["quorum"]) >= Fraction(rule_in_force["quorum"])
            own_rules.add(event.rule["rule"])
    assert own_rules == set(RULES)
    assert any(isinstance(e, Group.RuleChanged)
               and app.proposal(e.proposal_id).kind == "rule_change" for e in events)

    amended = [p for p in proposals if len(p.versions) > 1]
    assert amended
    for proposal in amended:
        stream = [type(e) for e in events if e.originator_id == proposal.id]
        assert stream.index(Proposal.Amended) < stream.index(Proposal.VoteCast)


def test_the_story_votes_with_reasons_changes_of_mind_and_votes_given_in_person(demo):
    _, _, events = demo
    votes = [e for e in events if isinstance(e, Proposal.VoteCast)]
    assert any(v.reason for v in votes) and any(v.position == "block" for v in votes)
    positions = {}
    for vote in votes:
        positions.setdefault((vote.originator_id, vote.voter), []).append(vote.position)
    assert any(len(set(taken)) > 1 for taken in positions.values())

    roles, recorders_roles = {}, []
    for event in events:
        if isinstance(event, Group.MemberJoined):
            roles[event.member_id] = {event.role}
        elif isinstance(event, Group.RoleAssigned):
            roles[event.member_id].add(event.role)
        elif isinstance(event, Proposal.VoteCast) and event.actor != event.voter:
            recorders_roles.append(set(roles[event.actor]))
    assert recorders_roles and all("note_taker" in held for held in recorders_roles)


def test_the_story_changes_its_people_and_records_what_they_bring(demo):
    _, _, events = demo
    names = Counter(type(e).__name__ for e in events)
    assert names["MemberLeft"] >= 1 and names["CategoryChanged"] >= 1
    assert {e.role for e in events if isinstance(e, Group.RoleAssigned) and e.how == "direct"} \
        >= {"facilitator", "note_taker"}

    sides = {(side_of(category[e.actor]), side_of(category[e.to_member_id]))
             for e, category in categories_as_of(events)
             if isinstance(e, Contribution.SupportGiven)}
    assert {("lived_experience", "lived_experience"), ("provider", "lived_experience"),
            ("lived_experience", "provider")} <= sides
    assert any(e.tags for e in events if isinstance(e, Contribution.AssetOffered))

    reflections = [e for e in events if isinstance(e, Contribution.ReflectionRecorded)]
    assert sum(1 for n in Counter(e.actor for e in reflections).values() if n >= 2) >= 3
    assert reflections[-1].timestamp - reflections[0].timestamp >= timedelta(days=60)


def test_the_story_counts_what_the_log_holds(demo):
    app, story, events = demo
    names = Counter(type(e).__name__ for e in events)
    closed = [p for p in proposals_in(app, events) if p.status == "closed"]
    assert story.votes == names["VoteCast"]
    assert story.contributions == sum(names[kind] for kind in (
        "AssetOffered", "SupportGiven", "TaskTakenOn", "ReflectionRecorded"))
    assert story.outcomes == {**Counter(p.decision["outcome"] for p in closed),
                              "withdrawn": names["Withdrawn"]}
    assert story.members == set(app.group(story.group_id).members)
    assert set(story.people.values()) == {e.member_id for e in events
                                          if isinstance(e, Group.MemberJoined)}
    assert f"votes={story.votes} contributions={story.contributions}" in story.summary()


def test_replaying_the_log_gives_back_what_the_commands_left(sqlite_url):
    clock = StoryClock()
    app = open_application(sqlite_url, clock=clock)
    as_commanded, events_saved = {}, []
    save = app.save

    def save_and_keep(*aggregates, **kwargs):
        recordings = save(*aggregates, **kwargs)
        for aggregate in aggregates:
            as_commanded[aggregate.id] = copy.deepcopy(aggregate)
        events_saved.extend(r.domain_event for r in recordings)
        return recordings

    app.save = save_and_keep
    try:
        story = load_demo(app, clock)
    finally:
        close(app)

    fresh = open_application(sqlite_url)
    try:
        assert {type(a) for a in as_commanded.values()} == {Group, Proposal, Contribution}
        assert len(as_commanded) == 1 + sum(story.outcomes.values()) + story.contributions
        for aggregate_id, aggregate in as_commanded.items():
            rebuilt = fresh.repository.get(aggregate_id)
            assert rebuilt == aggregate
            assert (rebuilt.version, rebuilt.modified_on) == (aggregate.version,
                                                              aggregate.modified_on)
        assert stored_events(fresh) == events_saved
    finally:
        close(fresh)


def stored_count(url):
    app = open_application(url)
    try:
        return app.recorder.max_notification_id() or 0
    finally:
        close(app)


def test_the_demo_command_loads_the_story_only_into_an_empty_store(tmp_path, monkeypatch,
                                                                    capsys):
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    monkeypatch.setenv("RECIPROCA_DATABASE_URL", url)
    monkeypatch.delenv("RECIPROCA_ENV", raising=False)
    assert main(["init"]) == 0
    assert main(["demo", "--if-empty"]) == 0
    loaded = stored_count(url)
    assert loaded > 100
    assert main(["demo", "--if-empty"]) == 0
    assert stored_count(url) == loaded
    out = capsys.readouterr().out
    assert "Loaded the demo group" in out and "the demo was not loaded" in out


@pytest.mark.parametrize("argv", [["demo"], ["demo", "--if-empty"]])
def test_the_demo_command_is_refused_in_production(argv, tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'production.sqlite'}"
    monkeypatch.setenv("RECIPROCA_DATABASE_URL", url)
    monkeypatch.delenv("RECIPROCA_ENV", raising=False)
    assert main(["init"]) == 0
    monkeypatch.setenv("RECIPROCA_ENV", "production")
    assert main(argv) != 0
    assert "production" in capsys.readouterr().err
    assert stored_count(url) == 0
    with closing(sqlite3.connect(sqlite_path(url))) as connection:
        assert connection.execute("SELECT COUNT(*) FROM reciproca_texts").fetchone() == (0,)


def test_the_demo_group_grows_from_support_to_transformation(sqlite_url, projected,
                                                              monkeypatch):
    """The level the README tells: too short to say until the third decision (day 28), support
    from then, transformation once the co-produced crisis plan carries with votes from both
    sides (day 70) - the one condition still missing just before it."""
    from projections import queries

    monkeypatch.delenv("RECIPROCA_LEVEL_THRESHOLDS", raising=False)
    clock = StoryClock()
    app, runner = projected(sqlite_url, clock=clock)
    story = load_demo(app, clock)
    runner.catch_up()
    entries = queries.shared_record(runner.views, story.group_id, limit=500)["entries"]
    closes = [e for e in entries if e["type"] == "Closed"]
    day_zero = datetime.fromisoformat(entries[0]["time"])

    def level(entry=None):
        return queries.level(runner.views, story.group_id, entry and entry["position"])

    second, third = closes[1], closes[2]
    assert level(second)["level"] == "insufficient_data"
    assert (level(third)["level"], (datetime.fromisoformat(third["time"]) - day_zero).days) == \
        ("support", 28)
    plan = [c for c in closes if c["data"]["decision"]["rule"]["rule"] == "consensus"
            and c["data"]["decision"]["outcome"] == "carried"]
    assert len(plan) == 1
    before = entries[entries.index(plan[0]) - 1]
    assert (level(before)["level"], level(before)["unmet"]) == ("support",
                                                                ["risks_managed_together"])
    assert level(plan[0])["level"] == "transformation"
    assert (datetime.fromisoformat(plan[0]["time"]) - day_zero).days == 70
    assert level()["level"] == "transformation" and level()["unmet"] == []
