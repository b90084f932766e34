"""The projection runner: incremental folding equals a full replay, time travel gives back what
was seen live, a crash between writing the views and committing loses and doubles nothing, a
restart continues from the checkpoint, a runner following the demo live equals a rebuild, and a
save wakes the runner in-process and tells listeners what changed.

Oracles independent of the runner's own bookkeeping: the stored log itself (every event of a
group is in its record exactly once, in log order, numbered 1..n) and the pure fold
(`fold_event`) applied straight to the log.
"""

import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import projections.runner as runner_module
from domain.errors import DomainError
from domain.vocabulary import CATEGORIES, POSITIONS, PRINCIPLES, ROLES, SCOPES, SIDES
from projections import queries
from projections.events import event_view
from projections.fold import fold_event, new_group_state
from projections.runner import Runner
from projections.store import open_views
from webapp.demo import StoryClock, load_demo
from webapp.storage import close, close_views, initialise, open_application

ROOT = Path(__file__).resolve().parent.parent
VIEW_TABLES = ("view_groups", "view_record", "view_proposals", "view_trace", "view_evidence",
               "view_series", "view_snapshots", "view_figures")
JSON_COLUMNS = ("state", "entry", "item", "point", "figures")
RULE_NAMES = ("majority", "supermajority", "consensus", "consent")


# ---- helpers ---------------------------------------------------------------------------------
class Clock:
    """A clock the test moves forward by hand."""

    def __init__(self):
        self.now = datetime(2024, 3, 1, 9, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def tick(self, minutes: float = 37) -> None:
        self.now += timedelta(minutes=minutes)


def person(n: int) -> str:
    """Deterministic person ids, so a failing example replays exactly."""
    return str(uuid.UUID(int=n))


def without_as_of(result: dict) -> dict:
    return {k: v for k, v in result.items() if k != "as_of"}


def observe(views, group_id: str, as_of: int | None = None) -> dict:
    """Every query's answer for one group (live, or as of a position), minus the `as_of` echo."""
    seen = {
        "state": queries.group_state(views, group_id, as_of),
        "power_balance": without_as_of(queries.power_balance(views, group_id, as_of)),
        "principles": without_as_of(queries.principles(views, group_id, as_of,
                                                       items_per_principle=10_000)),
        "level": without_as_of(queries.level(views, group_id, as_of)),
        "series": queries.series(views, group_id, as_of),
        "shared_record": without_as_of(queries.shared_record(views, group_id, as_of=as_of,
                                                             limit=500)),
    }
    seen["trace"] = {f"{figure}/{key}": queries.trace(views, group_id, figure, key,
                                                      as_of=as_of, limit=500)["entries"]
                     for figure in queries.FIGURES for key in CATEGORIES + SIDES}
    return seen


def observe_all(views, as_of: int | None = None, **options) -> dict:
    return {gid: observe(views, gid, as_of, **options) for gid in queries.groups(views)}


def tables(views) -> dict[str, Counter]:
    """Every view table's rows as a multiset (JSON columns parsed, so key order is moot)."""
    dumped = {}
    for table in VIEW_TABLES:
        rows = []
        for row in views.select(f"SELECT * FROM {table}"):
            row = {k: json.loads(v) if k in JSON_COLUMNS else v for k, v in row.items()}
            rows.append(json.dumps(row, sort_keys=True))
        dumped[table] = Counter(rows)
    return dumped


def log_views(app) -> list[dict]:
    """Every stored event as the read models see it, in log order."""
    found, start = [], 1
    while True:
        page = app.recorder.select_notifications(start=start, limit=500)
        if not page:
            return found
        found += [event_view(app.mapper.to_domain_event(n), n.id) for n in page]
        start = page[-1].id + 1


def assert_record_is_the_log(app, views) -> dict[str, int]:
    """Each group's record holds each of its logged events exactly once, in log order, numbered
    1..n, and its state is the pure fold of those events. Returns the number per group."""
    states, expected = {}, {}
    for view in log_views(app):
        state = states.setdefault(view["group_id"], new_group_state())
        entry = fold_event(state, view).entry
        expected.setdefault(view["group_id"], []).append(json.loads(json.dumps(entry)))
    assert sorted(queries.groups(views)) == sorted(expected)
    for group_id, entries in expected.items():
        rows = views.select("SELECT seq, position, entry FROM view_record "
                            "WHERE group_id = :group_id ORDER BY seq", group_id=group_id)
        assert [r["seq"] for r in rows] == list(range(1, len(entries) + 1))
        assert [r["position"] for r in rows] == [e["position"] for e in entries]
        assert [json.loads(r["entry"]) for r in rows] == entries
        assert queries.group_state(views, group_id) == json.loads(json.dumps(states[group_id]))
    return {group_id: len(entries) for group_id, entries in expected.items()}


def replay(app, views, page_size: int = 1000) -> Runner:
    """Empty the views and fold the whole log again with a runner that has never run."""
    views.clear()
    assert views.position() == 0 and queries.groups(views) == []
    fresh = Runner(app, views, page_size=page_size)
    assert fresh.position == 0
    assert fresh.catch_up() == app.recorder.max_notification_id()
    return fresh


def workload(app, clock, base: int = 0) -> tuple[str, str]:
    """Two groups whose events interleave in the log: members of every category, roles, a
    category change, contributions, proposals carried (one by role change), one rejected with
    pivotal votes, one withdrawn, reflections and members leaving."""
    def p(n):
        return person(base + n)

    t = clock.tick
    majority = {"rule": "majority", "quorum": "1/2"}
    g1 = app.found_group(actor=p(1), name="Uno", purpose="P", category="service_user",
                         founder_name="A", decision_rule=majority).id; t()
    g2 = app.found_group(actor=p(101), name="Dos", purpose="P", category="professional",
                         founder_name="B", decision_rule={"rule": "supermajority",
                                                          "quorum": "1/2"}).id; t()
    categories = ["carer", "professional", "community", "manager", "service_user"]
    for i, category in enumerate(categories):
        app.admit_member(g1, actor=p(1), member_id=p(2 + i), display_name="M",
                         category=category); t()
        app.admit_member(g2, actor=p(101), member_id=p(102 + i), display_name="M",
                         category=categories[-1 - i]); t()
    app.change_role(g1, actor=p(1), member_id=p(2), role="facilitator", action="assign"); t()
    app.change_role(g2, actor=p(101), member_id=p(103), role="facilitator", action="assign"); t()
    app.offer_asset(g1, actor=p(2), description="Tiempo", tags=["tiempo"]); t()
    app.give_support(g1, actor=p(2), to_member_id=p(4), description="Apoyo"); t()
    app.give_support(g2, actor=p(102), to_member_id=p(103), description="Apoyo"); t()
    app.take_on_task(g1, actor=p(6), description="Actas"); t()
    p1 = app.table_proposal(g1, actor=p(2), title="T", body="B",
                            scope="recruitment_training").id; t()
    p2 = app.table_proposal(g2, actor=p(102), title="T", body="B", scope="governance").id; t()
    app.amend_proposal(p2, actor=p(102), title="T2", body="B2"); t()
    for k, (one, two) in enumerate(zip(["for", "for", "against", "for", "abstain"],
                                       ["for", "against", "for", "block", "for"])):
        app.cast_vote(p1, actor=p(2 + k), position=one); t()
        app.cast_vote(p2, actor=p(102 + k), position=two); t()
    app.cast_vote(p1, actor=p(1), voter=p(6), position="for"); t()  # recorded by the chair
    app.close_proposal(p1, actor=p(1)); t()
    app.close_proposal(p2, actor=p(101)); t()
    p3 = app.table_proposal(g1, actor=p(3), title="R", body="B", scope="governance",
                            kind="role_change", change={"member_id": p(4), "role": "chair",
                                                        "action": "assign"}).id; t()
    app.change_category(g1, actor=p(5), member_id=p(5), category="carer"); t()
    for k in range(4):
        app.cast_vote(p3, actor=p(1 + k), position="for"); t()
    app.close_proposal(p3, actor=p(1)); t()
    p4 = app.table_proposal(g2, actor=p(104), title="W", body="B", scope="risk").id; t()
    app.withdraw_proposal(p4, actor=p(104)); t()
    app.reflect(g1, actor=p(4), scores={"reciprocity": 4, "peer_support": 5}); t()
    app.reflect(g2, actor=p(105), scores={"asset_based": 2}); t()
    app.leave_group(g1, actor=p(2), member_id=p(2)); t()
    app.leave_group(g2, actor=p(101), member_id=p(106), reason="Motivo"); t()
    return g1, g2


# ---- 1. incremental == full replay, and time travel, over random histories -------------------
WHO = st.one_of(st.just(0), st.integers(0, 12))  # 0: a chair of the group
GROUP = st.integers(0, 1)
PROPOSAL = st.integers(0, 20)


@st.composite
def rules(draw):
    rule = draw(st.sampled_from(RULE_NAMES))
    data = {"rule": rule, "quorum": draw(st.sampled_from(("0", "1/2", "2/3", "1")))}
    if rule == "supermajority" and draw(st.booleans()):
        data["threshold"] = draw(st.sampled_from(("3/5", "3/4", "1")))
    return data


KINDS = st.one_of(
    st.just(("ordinary",)), st.just(("ordinary",)), st.just(("ordinary",)),
    st.tuples(st.just("role_change"), WHO, st.sampled_from(ROLES),
              st.sampled_from(("assign", "revoke"))),
    st.tuples(st.just("rule_change"), rules()))
WEIGHTED_STEPS = [
    (1, st.tuples(st.just("found"), st.sampled_from(CATEGORIES), rules())),
    (2, st.tuples(st.just("admit"), GROUP, WHO, WHO, st.sampled_from(CATEGORIES),
                  st.sampled_from(("member", "member", "observer")))),
    (2, st.tuples(st.just("admit"), GROUP, st.just(0), st.integers(0, 30),
                  st.sampled_from(CATEGORIES), st.just("member"))),
    (2, st.tuples(st.just("role"), GROUP, WHO, WHO, st.sampled_from(ROLES),
                  st.sampled_from(("assign", "revoke")))),
    (1, st.tuples(st.just("category"), GROUP, WHO, WHO, st.sampled_from(CATEGORIES))),
    (1, st.tuples(st.just("leave"), GROUP, WHO, WHO)),
    (4, st.tuples(st.just("table"), GROUP, WHO, st.sampled_from(SCOPES), KINDS,
                  st.one_of(st.none(), st.none(), rules()))),
    (1, st.tuples(st.just("amend"), PROPOSAL, WHO)),
    (3, st.tuples(st.just("vote"), PROPOSAL, WHO, st.sampled_from(POSITIONS),
                  st.one_of(st.none(), WHO))),
    (5, st.tuples(st.just("vote"), PROPOSAL, WHO, st.sampled_from(("for", "for", "against")),
                  st.none())),
    (3, st.tuples(st.just("close"), PROPOSAL, WHO)),
    (1, st.tuples(st.just("withdraw"), PROPOSAL, WHO)),
    (1, st.tuples(st.just("asset"), GROUP, WHO)),
    (1, st.tuples(st.just("support"), GROUP, WHO, WHO)),
    (1, st.tuples(st.just("task"), GROUP, WHO)),
    (1, st.tuples(st.just("reflect"), GROUP, WHO,
                  st.dictionaries(st.sampled_from(PRINCIPLES), st.integers(1, 5), min_size=1))),
    (4, st.tuples(st.just("deliberate"), GROUP, WHO, st.sampled_from(SCOPES), KINDS,
                  st.one_of(st.none(), st.none(), rules()),
                  st.lists(st.tuples(WHO, st.sampled_from(POSITIONS + ("for", "for"))),
                           max_size=8),
                  st.sampled_from(("close", "close", "close", "withdraw", "open")), WHO)),
    (3, st.just(("catch_up",))),
    (1, st.just(("restart",))),
]
STEPS = st.sampled_from([step for weight, step in WEIGHTED_STEPS for _ in range(weight)]).flatmap(
    lambda step: step)


class History:
    """Plays drawn steps against the real application; refused commands are simply ignored."""

    def __init__(self, app, clock):
        self.app, self.clock = app, clock
        self.groups: list[str] = []
        self.known: dict[str, list[str]] = {}  # everyone ever admitted, per group
        self.proposals: list[str] = []
        self.people = 0

    def new_person(self) -> str:
        self.people += 1
        return person(self.people)

    def found(self, category: str, rule: dict) -> None:
        if len(self.groups) >= 2:
            return
        founder = self.new_person()
        gid = self.app.found_group(actor=founder, name="Mesa", purpose="Salud",
                                   category=category, founder_name="F",
                                   decision_rule=rule).id
        self.groups.append(gid)
        self.known[gid] = [founder]

    def group(self, i: int) -> str:
        return self.groups[i % len(self.groups)]

    def members(self, gid: str) -> dict:
        return self.app.group(gid).members

    def who(self, gid: str, i: int) -> str:
        """A chair first, then the other members, then someone who is not a member."""
        members = self.members(gid)
        ordered = sorted(members, key=lambda m: ("chair" not in members[m]["roles"], m))
        outsiders = [p for p in self.known[gid] if p not in members] or [person(10_000)]
        candidates = ordered + outsiders[:1]
        return candidates[i % len(candidates)]

    def whom(self, gid: str, i: int) -> str:
        members = sorted(self.members(gid))
        return members[i % len(members)] if members else person(10_001)

    def proposal(self, i: int) -> tuple[str, str] | None:
        if not self.proposals:
            return None
        pid = self.proposals[i % len(self.proposals)]
        return pid, self.app.proposal(pid).group_id

    def play(self, step: tuple) -> None:
        name, args, app = step[0], step[1:], self.app
        if name == "found":
            self.found(*args)
        elif name == "admit":
            g, who, whom, category, role = args
            gid = self.group(g)
            returning = [p for p in self.known[gid] if p not in self.members(gid)]
            candidates = returning + [None]
            member = candidates[whom % len(candidates)] or self.new_person()
            app.admit_member(gid, actor=self.who(gid, who), member_id=member,
                             display_name="M", category=category, role=role)
            if member not in self.known[gid]:
                self.known[gid].append(member)
        elif name == "role":
            g, who, whom, role, action = args
            gid = self.group(g)
            app.change_role(gid, actor=self.who(gid, who), member_id=self.whom(gid, whom),
                            role=role, action=action)
        elif name == "category":
            g, who, whom, category = args
            gid = self.group(g)
            member = self.whom(gid, whom)  # people name their own category
            app.change_category(gid, actor=member if who % 2 else self.who(gid, who),
                                member_id=member, category=category)
        elif name == "leave":
            g, who, whom = args
            gid = self.group(g)
            app.leave_group(gid, actor=self.who(gid, who), member_id=self.whom(gid, whom),
                            reason="Motivo")
        elif name == "table":
            g, who, scope, kind, rule = args
            gid = self.group(g)
            change = None
            if kind[0] == "role_change":
                change = {"member_id": self.whom(gid, kind[1]), "role": kind[2],
                          "action": kind[3]}
            elif kind[0] == "rule_change":
                change, rule = kind[1], None
            done = app.table_proposal(gid, actor=self.who(gid, who), title="T", body="B",
                                      scope=scope, kind=kind[0], rule=rule, change=change)
            self.proposals.append(done.id)
        elif name == "deliberate":
            g, who, scope, kind, rule, ballots, ending, closer = args
            self.play(("table", g, who, scope, kind, rule))
            pid = self.proposals[-1]
            gid = self.app.proposal(pid).group_id
            for voter, position in ballots:
                try:
                    app.cast_vote(pid, actor=self.who(gid, voter), position=position)
                except DomainError:
                    pass
            if ending == "close":
                closer = 0 if closer % 4 else closer  # mostly a chair
                app.close_proposal(pid, actor=self.who(gid, closer))
            elif ending == "withdraw":
                app.withdraw_proposal(pid, actor=app.proposal(pid).proposer)
        elif name in ("amend", "vote", "close", "withdraw"):
            found = self.proposal(args[0])
            if found is None:
                raise DomainError("there is no proposal yet")
            pid, gid = found
            actor = self.who(gid, args[1])
            if name == "amend":
                app.amend_proposal(pid, actor=actor, title="T'", body="B'")
            elif name == "vote":
                voter = None if args[3] is None else self.who(gid, args[3])
                app.cast_vote(pid, actor=actor, position=args[2], voter=voter)
            elif name == "close":
                app.close_proposal(pid, actor=actor)
            else:
                app.withdraw_proposal(pid, actor=actor)
        elif name == "asset":
            gid = self.group(args[0])
            app.offer_asset(gid, actor=self.who(gid, args[1]), description="Tiempo",
                            tags=["tiempo"])
        elif name == "support":
            gid = self.group(args[0])
            app.give_support(gid, actor=self.who(gid, args[1]),
                             to_member_id=self.whom(gid, args[2]), description="Apoyo")
        elif name == "task":
            gid = self.group(args[0])
            app.take_on_task(gid, actor=self.who(gid, args[1]), description="Actas")
        elif name == "reflect":
            gid = self.group(args[0])
            app.reflect(gid, actor=self.who(gid, args[1]), scores=args[2])


MINUTES = st.integers(0, 12 * 60)  # the clock moves on before each step
CATCH_UP_AFTER = st.integers(0, 3).map(lambda n: n == 0)  # the runner catches up after a step
GROUP_START = st.tuples(st.sampled_from(CATEGORIES), rules(),
                        st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=5))


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(first=GROUP_START, second=st.one_of(st.none(), GROUP_START),
       steps=st.lists(st.tuples(STEPS, MINUTES, CATCH_UP_AFTER), min_size=20, max_size=60),
       snapshot_every=st.sampled_from((1, 3, 7, 50)))
def test_incremental_folding_equals_full_replay_and_time_travel_gives_back_what_was_seen(
        first, second, steps, snapshot_every):
    directory = tempfile.mkdtemp(prefix="reciproca-runner-")
    url = f"sqlite:///{directory}/events.sqlite"
    initialise(url)
    clock = Clock()
    app = open_application(url, clock=clock)
    views = open_views(url)
    try:
        with mock.patch.object(runner_module, "SNAPSHOT_EVERY", snapshot_every):
            history = History(app, clock)
            for g, start in enumerate(s for s in (first, second) if s is not None):
                category, rule, members = start
                history.found(category, rule)
                for category in members:
                    clock.tick(5)
                    history.play(("admit", g, 0, 10**6, category, "member"))
            runner = Runner(app, views, page_size=3)
            seen_at: dict[int, dict] = {}  # what every query answered right after catching up

            def catch_up():
                position = runner.catch_up()
                assert position == app.recorder.max_notification_id()
                seen_at[position] = observe_all(views)

            for step, minutes, then_catch_up in steps:
                clock.tick(minutes)
                if step[0] == "catch_up":
                    catch_up()
                elif step[0] == "restart":  # a new runner object on the same store
                    runner = Runner(app, views, page_size=3)
                    assert runner.position == views.position()
                else:
                    try:
                        history.play(step)
                        event(f"accepted {step[0]}")
                    except DomainError:
                        event(f"refused {step[0]}")
                    if then_catch_up:
                        catch_up()

            last = runner.catch_up()
            assert last == app.recorder.max_notification_id()
            kinds = Counter(view["type"] for view in log_views(app))
            event(f"closed proposals: {min(kinds['Closed'], 3)}+")
            event(f"time-travel points: {min(len(seen_at), 5)}+")
            assert runner.process_page() is False
            counts = assert_record_is_the_log(app, views)
            assert sum(counts.values()) == last
            live, live_tables = observe_all(views), tables(views)
            assert sorted(live) == sorted(history.groups)

            # (b) time travel: as of N, every query answers what it answered when N was latest
            def assert_time_travel():
                for position, seen in seen_at.items():
                    for group_id, answers in seen.items():
                        assert observe(views, group_id, position) == answers, (
                            f"as_of={position} differs from what was seen live at "
                            f"{position} for group {group_id}")

            assert_time_travel()

            # (a) a fresh full replay with large pages gives the same views and answers
            replay(app, views, page_size=1000)
            assert tables(views) == live_tables
            assert observe_all(views) == live
            assert_time_travel()
    finally:
        close_views(views)
        close(app)
        shutil.rmtree(directory, ignore_errors=True)


# ---- 2. a crash between writing the views and committing --------------------------------------
CRASH_SCRIPT = """
import os, sys
from webapp.storage import open_application, open_runner
url, crash_on = sys.argv[1], int(sys.argv[2])
app = open_application(url)
runner = open_runner(app, url)
runner.page_size = 5
views, original, calls = runner.views, runner.views._insert_tracking, [0]

def insert_tracking(cursor, tracking):
    calls[0] += 1
    if calls[0] == crash_on:  # the page's view rows are written, not yet committed
        cursor.execute("SELECT count(*) AS n FROM view_record")
        print(cursor.fetchone()["n"], flush=True)
        os._exit(17)
    return original(cursor, tracking)

views._insert_tracking = insert_tracking
runner.catch_up()
os._exit(0)
"""


def committed_rows(views) -> int:
    return views.select("SELECT count(*) AS n FROM view_record")[0]["n"]


def test_a_crash_between_writing_the_views_and_committing_loses_and_doubles_nothing(
        database_url, projected):
    clock = Clock()
    app, runner = projected(database_url, clock=clock)
    workload(app, clock)
    workload(app, clock, base=1000)
    last = app.recorder.max_notification_id()
    views = runner.views
    replay(app, views)
    clean, clean_tables = observe_all(views), tables(views)
    clean_balance = {gid: queries.power_balance(views, gid) for gid in clean}
    clean_counts = assert_record_is_the_log(app, views)
    assert sum(clean_counts.values()) == last and len(clean_counts) == 4
    positions = [n.id for n in app.recorder.select_notifications(start=1, limit=10_000)]
    assert positions == list(range(1, last + 1))
    page_ends = positions[4::5]
    pages = -(-last // 5)

    def assert_same_as_clean():
        assert views.position() == last
        assert assert_record_is_the_log(app, views) == clean_counts
        assert tables(views) == clean_tables  # traces, evidence, series, snapshots: none twice
        assert observe_all(views) == clean
        assert {gid: queries.power_balance(views, gid) for gid in clean} == clean_balance

    def fail_on(k: int, *, after_rows: bool):
        """Make the k-th page write of `views` fail: after its view rows were written inside
        the transaction (the tracking insert raises), or before anything was done."""
        calls, seen_inside = [0], []
        if after_rows:
            original = views._insert_tracking

            def insert_tracking(cursor, tracking):
                calls[0] += 1
                if calls[0] == k:
                    cursor.execute("SELECT count(*) AS n FROM view_record")
                    seen_inside.append(cursor.fetchone()["n"])
                    raise OSError("the process stops here")
                return original(cursor, tracking)

            return mock.patch.object(views, "_insert_tracking", insert_tracking), seen_inside
        original = views.write_page

        def write_page(writes, position, **options):
            calls[0] += 1
            if calls[0] == k:
                raise OSError("the process stops here")
            return original(writes, position, **options)

        return mock.patch.object(views, "write_page", write_page), seen_inside

    for k in (1, 4, pages):
        for after_rows in (True, False):
            for same_runner in (True, False):
                views.clear()
                crashing = Runner(app, views, page_size=5)
                patch, seen_inside = fail_on(k, after_rows=after_rows)
                with patch:
                    try:
                        crashing.catch_up()
                    except OSError:
                        pass
                    else:
                        raise AssertionError("the injected failure did not happen")
                committed = page_ends[k - 2] if k > 1 else 0
                assert views.position() == committed == crashing.position
                assert committed_rows(views) == committed  # the failed page rolled back
                if after_rows:
                    assert seen_inside and seen_inside[0] > committed  # rows were written
                if same_runner:  # the same runner carries on after the failure
                    assert crashing.catch_up() == last
                else:  # the runner is discarded; a new one starts on the store, as on restart
                    restarted = Runner(app, views, page_size=5)
                    assert restarted.position == committed
                    assert restarted.catch_up() == last
                assert_same_as_clean()

    # A real process dies mid-transaction (view rows written, tracking not committed).
    for k in (1, 3):
        views.clear()
        done = subprocess.run([sys.executable, "-c", CRASH_SCRIPT, database_url, str(k)],
                              cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert done.returncode == 17, done.stderr
        committed = page_ends[k - 2] if k > 1 else 0
        assert int(done.stdout.split()[-1]) > committed  # it had written the page's rows
        assert views.position() == committed
        assert committed_rows(views) == committed
        restarted = Runner(app, views, page_size=7)
        assert restarted.position == committed
        assert restarted.catch_up() == last
        assert_same_as_clean()


# ---- 3. a restart continues from the checkpoint -----------------------------------------------
def test_a_restarted_runner_continues_from_its_checkpoint_and_folds_only_new_events(
        database_url, projected):
    clock = Clock()
    app, runner = projected(database_url, clock=clock)
    g1, g2 = workload(app, clock)
    last = runner.catch_up()
    assert last == app.recorder.max_notification_id() > 0
    before, counts = tables(runner.views), assert_record_is_the_log(app, runner.views)

    # A new process: its own application, view store and runner on the same database.
    app2, restarted = projected(database_url, clock=clock)
    heard = []
    restarted.listeners.append(lambda gid, entries, changed: heard.append((gid, entries)))
    assert restarted.position == last
    assert restarted.process_page() is False
    assert restarted.catch_up() == last
    assert heard == [] and tables(restarted.views) == before

    clock.tick(60)
    pid = app2.table_proposal(g1, actor=person(1), title="Nueva", body="B",
                              scope="delivery").id
    app2.cast_vote(pid, actor=person(3), position="for")
    app2.offer_asset(g2, actor=person(103), description="Sala", tags=["espacios"])
    app2.close_proposal(pid, actor=person(1))
    new = [view for view in log_views(app2) if view["position"] > last]
    assert len(new) == 5  # Tabled, VoteCast, AssetOffered, Closed, DecisionRecorded

    assert restarted.catch_up() == app2.recorder.max_notification_id()
    told = {gid: [(e["position"], e["seq"]) for g, es in heard if g == gid for e in es]
            for gid in (g1, g2)}
    for gid in (g1, g2):
        mine = [v["position"] for v in new if v["group_id"] == gid]
        assert told[gid] == [(p, counts[gid] + n) for n, p in enumerate(mine, start=1)]
    after = assert_record_is_the_log(app2, restarted.views)
    assert after == {gid: counts[gid] + sum(v["group_id"] == gid for v in new)
                     for gid in (g1, g2)}
    live, live_tables = observe_all(restarted.views), tables(restarted.views)
    replay(app2, restarted.views)
    assert tables(restarted.views) == live_tables
    assert observe_all(restarted.views) == live


# ---- 4. following the demo live equals a rebuild (SQLite and PostgreSQL) ----------------------
def test_a_runner_following_the_demo_live_equals_a_rebuild(database_url, projected):
    clock = StoryClock()
    app, runner = projected(database_url, clock=clock)
    pages = []
    runner.listeners.append(lambda gid, entries, changed: pages.append(len(entries)))
    runner.start()
    story = load_demo(app, clock)
    last = app.recorder.max_notification_id()
    assert runner.wait_for(last, timeout=30)
    views = runner.views
    probes = [10, 50, 51, 100, 149, last // 2, last - 1]
    live = observe_all(views)
    live_at = {n: observe(views, story.group_id, n) for n in probes}
    live_tables = tables(views)
    runner.stop()
    assert runner.position == last
    assert len(pages) > 1  # it followed the log while the demo was written, page by page
    assert sum(pages) == last
    assert assert_record_is_the_log(app, views) == {story.group_id: last}

    replay(app, views)
    assert tables(views) == live_tables
    assert observe_all(views) == live
    assert {n: observe(views, story.group_id, n) for n in probes} == live_at


# ---- 5. a save wakes the runner in-process; listeners hear what changed ------------------------
def test_a_save_wakes_the_runner_and_listeners_hear_each_groups_new_entries(
        database_url, projected):
    clock = Clock()
    app, runner = projected(database_url, clock=clock)
    g1, g2 = workload(app, clock)
    pid = app.table_proposal(g1, actor=person(3), title="Horario", body="B",
                             scope="delivery").id
    for voter in (person(3), person(5)):
        app.cast_vote(pid, actor=voter, position="for")
    heard, lock = [], threading.Lock()

    def listener(group_id, entries, changed):
        with lock:
            heard.append((group_id, entries, changed))

    runner.listeners.append(listener)
    runner.start(interval=60)  # a periodic check would come only after a minute
    assert runner.wait_for(app.recorder.max_notification_id(), timeout=10)
    time.sleep(0.2)  # the runner is now waiting to be woken
    with lock:
        heard.clear()
    seq = {gid: len(queries.shared_record(runner.views, gid, limit=500)["entries"])
           for gid in (g1, g2)}

    def act(command) -> list[tuple]:
        """Run a command; its position is reached quickly; returns what listeners heard."""
        started = time.monotonic()
        done = command()
        assert runner.wait_for(done.position, timeout=5)
        assert time.monotonic() - started < 3
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with lock:
                if any(e["position"] == done.position for _, es, _ in heard for e in es):
                    calls = list(heard)
                    heard.clear()
                    return calls
            time.sleep(0.01)
        raise AssertionError(f"no listener heard position {done.position}")

    def entries_of(calls, gid):
        found = [e for g, es, _ in calls if g == gid for e in es]
        changed = set().union(*(c for g, _, c in calls if g == gid))
        return found, changed

    calls = act(lambda: app.cast_vote(pid, actor=person(4), position="for"))
    voted, changed = entries_of(calls, g1)
    assert [g for g, _, _ in calls] == [g1]
    assert [(e["type"], e["seq"], e["data"]["voter"]) for e in voted] == [
        ("VoteCast", seq[g1] + 1, person(4))]
    assert changed == {"record"}

    calls = act(lambda: app.close_proposal(pid, actor=person(1)))
    closed, changed = entries_of(calls, g1)
    assert [g for g, _, _ in calls] == [g1]
    assert [e["type"] for e in closed] == ["Closed", "DecisionRecorded"]
    assert [e["seq"] for e in closed] == [seq[g1] + 2, seq[g1] + 3]
    assert closed[0]["position"] < closed[1]["position"]
    assert closed[0]["data"]["decision"]["outcome"] == "carried"
    assert {"record", "power_balance"} <= changed

    calls = act(lambda: app.offer_asset(g2, actor=person(104), description="Sala"))
    offered, changed = entries_of(calls, g2)
    assert [g for g, _, _ in calls] == [g2]
    assert [(e["type"], e["seq"]) for e in offered] == [("AssetOffered", seq[g2] + 1)]
    assert changed == {"record", "principles", "level"}

    # Who counts changed: every share, the peer network and the level's counts may move.
    calls = act(lambda: app.leave_group(g1, actor=person(4), member_id=person(4)))
    left, changed = entries_of(calls, g1)
    assert [e["type"] for e in left] == ["MemberLeft"]
    assert changed == {"record", "power_balance", "principles", "level"}

    # What the listeners were told is exactly what the shared record holds.
    record = queries.shared_record(runner.views, g1, since=0, limit=500)["entries"]
    assert record[-4:] == voted + closed + left


def test_the_background_follower_survives_a_failed_page(sqlite_url, projected):
    app, runner = projected(sqlite_url)
    failures = []
    original = runner.views.write_page

    def fail_once(writes, position, **options):
        if not failures:
            failures.append(position)
            raise OSError("disk hiccup")
        return original(writes, position, **options)

    runner.views.write_page = fail_once
    runner.start(interval=0.1)
    done = app.found_group(actor=str(uuid.uuid4()), name="Mesa", purpose="p",
                           category="carer", founder_name="Ana", decision_rule={"rule": "majority", "quorum": "1/2"})
    assert runner.wait_for(done.position, timeout=10)
    assert failures == [done.position]


def test_a_runner_whose_commit_reported_an_error_resumes_from_what_was_committed(sqlite_url,
                                                                                projected):
    app, runner = projected(sqlite_url)
    runner.page_size = 2
    original, calls = runner.views.write_page, []

    def commit_then_fail(writes, position, **options):
        original(writes, position, **options)
        calls.append(position)
        if len(calls) == 2:
            raise ConnectionError("the commit's outcome was not reported")

    runner.views.write_page = commit_then_fail
    group_id = app.found_group(actor=str(uuid.uuid4()), name="Mesa", purpose="p",
                               category="carer", founder_name="Ana",
                               decision_rule={"rule": "majority", "quorum": "1/2"}).id
    app.take_on_task(group_id, actor=app.group(group_id).voting_members()[0], description="d")
    with pytest.raises(ConnectionError):
        runner.catch_up()
    assert runner.position == calls[-1]  # re-read from the views, not the page before
    assert runner.catch_up() == app.recorder.max_notification_id()
    record = queries.shared_record(runner.views, group_id, limit=500)["entries"]
    assert [e["seq"] for e in record] == list(range(1, len(record) + 1))


def test_a_persons_groups_follow_joining_roles_auditing_and_leaving(projected, database_url):
    from projections.queries import groups_of

    app, runner = projected(database_url)
    chair, member, auditor = (str(uuid.uuid4()) for _ in range(3))
    rule = {"rule": "majority", "quorum": "1/2"}
    first = app.found_group(actor=chair, name="Mesa A", purpose="p", category="carer",
                            founder_name="Ana", decision_rule=rule).id
    second = app.found_group(actor=chair, name="Mesa B", purpose="p", category="manager",
                             founder_name="Ana", decision_rule=rule).id
    app.admit_member(first, actor=chair, member_id=member, display_name="Bea",
                     category="community", role="observer")
    app.appoint_auditor(second, actor=chair, auditor_id=auditor)
    runner.catch_up()
    mine = groups_of(runner.views, chair)
    assert [(g["id"], g["category"], g["roles"], g["auditor"]) for g in mine] == sorted([
        (first, "carer", ["member", "chair"], False),
        (second, "manager", ["member", "chair"], False)])
    names = {g["id"]: app.texts.text({"text_id": g["name_text_id"]}) for g in mine}
    assert names == {first: "Mesa A", second: "Mesa B"}
    assert groups_of(runner.views, chair, after=mine[0]["id"], limit=5) == mine[1:]
    assert groups_of(runner.views, chair, limit=1) == mine[:1]
    assert [(g["id"], g["roles"], g["auditor"]) for g in groups_of(runner.views, auditor)] == [
        (second, [], True)]
    app.leave_group(first, actor=member, member_id=member)
    runner.catch_up()
    assert groups_of(runner.views, member) == []
    live = groups_of(runner.views, chair)
    runner.rebuild()
    assert groups_of(runner.views, chair) == live
