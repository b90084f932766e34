"""Exactly one runner folds across processes: pages commit compare-and-set on the tracking
position, the lock passes on when its holder stops, waiters wake when a runner resets, and a
process that does not fold still tells its listeners every new entry, in order.

Oracles: the stored log (each group's record is its events, once each, in order) and the view
tables of a fresh replay.
"""

import json
import os
import subprocess
import sys
import threading
import time

import pytest

from helpers import eventually
from projections.coordination import RunnerBusy
from projections.runner import Runner
from projections.store import PageOutOfOrder, PageWrites
from test_projection_runner import Clock, assert_record_is_the_log, person, tables, workload

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_a_page_that_does_not_start_where_the_views_end_is_refused(database_url, projected):
    clock = Clock()
    app, runner = projected(database_url, clock=clock)
    workload(app, clock)
    last = app.recorder.max_notification_id()
    runner.page_size = 5
    assert runner.process_page() and runner.position == 5
    views, before = runner.views, tables(runner.views)

    # The store refuses a page folded from a stale position, and writes nothing of it.
    with pytest.raises(PageOutOfOrder):
        views.write_page(PageWrites(), 9, after=2)
    with pytest.raises(PageOutOfOrder):
        views.write_page(PageWrites(), 9, after=6)
    assert views.position() == 5 and tables(views) == before

    # A holder that lost its lock without noticing, while another runner folded: its next
    # page is refused and it continues from what the views hold, counting nothing twice.
    stale = Runner(app, views, page_size=5)
    assert stale.lock.acquire()
    stale.lock.release()
    other = Runner(app, views, page_size=7)
    assert other.catch_up() == last
    assert stale.lock.acquire()  # as if it never noticed losing it
    with pytest.raises(PageOutOfOrder):
        stale.process_page()
    assert stale.position == last and stale.process_page() is False
    stale.lock.release()
    assert sum(assert_record_is_the_log(app, views).values()) == last


def test_only_the_lock_holder_folds_and_a_survivor_takes_over(database_url, projected):
    clock = Clock()
    app, first = projected(database_url, clock=clock)
    _, second = projected(database_url, clock=clock)
    first.start(interval=0.2, poll=0.05)
    eventually(lambda: first.holding, what="the first runner taking the lock")
    second.start(interval=0.2, poll=0.05)
    g1, _ = workload(app, clock)
    last = app.recorder.max_notification_id()
    assert first.wait_for(last, 30) and second.wait_for(last, 30)
    assert not second.holding
    with pytest.raises(RunnerBusy) as busy:
        second.rebuild()  # on demand too: refused, naming the holder
    assert f"pid {os.getpid()}" in str(busy.value)
    assert second.views.position() == last

    first.stop()
    eventually(lambda: second.holding, what="the survivor taking the lock over")
    done = app.take_on_task(g1, actor=person(6), description="Actas de junio")
    assert second.wait_for(done.position, 30)
    assert sum(assert_record_is_the_log(app, second.views).values()) == done.position


def test_waiters_are_woken_when_a_runner_resets_its_position(database_url, projected):
    clock = Clock()
    app, runner = projected(database_url, clock=clock)
    workload(app, clock)
    last = app.recorder.max_notification_id()
    original = runner.views.write_page

    def commit_then_fail(writes, position, **options):
        original(writes, position, **options)
        raise ConnectionError("the commit's outcome was not reported")

    runner.views.write_page = commit_then_fail
    answers = []
    waiter = threading.Thread(target=lambda: answers.append(runner.wait_for(last, 120)))
    waiter.start()
    time.sleep(0.1)  # let it wait
    with pytest.raises(ConnectionError):
        runner.process_page()  # the whole log in one page: committed, then an error
    waiter.join(timeout=30)  # woken by the reset, not by its two-minute timeout
    assert not waiter.is_alive() and answers == [True]


FOLLOWER = """
import json, sys
from webapp.storage import open_application, open_runner
url = sys.argv[1]
app = open_application(url)
runner = open_runner(app, url)

def listener(group_id, entries, changed):
    for entry in entries:
        print(json.dumps([group_id, entry["seq"], entry["position"], entry["type"]]), flush=True)
    print(json.dumps(["changed", group_id, entries[-1]["position"], sorted(changed)]), flush=True)

runner.listeners.append(listener)
runner.start(interval=0.2, poll=0.05)
print(json.dumps(["ready", runner.holding]), flush=True)
sys.stdin.read()  # until the test closes it
holding = runner.holding
runner.stop()  # joins the runner's thread: every listener call has printed
print(json.dumps(["holding", holding]), flush=True)
"""


def test_a_follower_process_tells_its_listeners_every_entry_in_order(database_url, projected):
    clock = Clock()
    app, holder = projected(database_url, clock=clock)
    told = {}
    holder.listeners.append(lambda gid, entries, changed: told.setdefault(gid, set()).update(
        changed))
    holder.start(interval=0.2, poll=0.05)
    eventually(lambda: holder.holding, what="the runner taking the lock")
    follower = subprocess.Popen([sys.executable, "-c", FOLLOWER, database_url], cwd=ROOT,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert json.loads(follower.stdout.readline()) == ["ready", False]
        workload(app, clock)
        last = app.recorder.max_notification_id()
        heard, changed = [], {}
        for line in map(json.loads, follower.stdout):
            if line[0] == "holding":
                assert line == ["holding", False]  # it never folded
                break
            if line[0] == "changed":
                changed.setdefault(line[1], set()).update(line[3])
            else:
                heard.append(line)
                if len(heard) == last:
                    follower.stdin.close()  # it stops after telling what it has read
        assert follower.wait(timeout=30) == 0
    finally:
        follower.kill()
    record = holder.views.select("SELECT group_id, seq, position, entry FROM view_record "
                                 "ORDER BY position")
    expected = [[r["group_id"], r["seq"], r["position"], json.loads(r["entry"])["type"]]
                for r in record]
    assert len(heard) == len(expected) == last
    for group_id in changed:  # each group's entries in log order, once each, seq 1..n
        assert [h for h in heard if h[0] == group_id] == [e for e in expected
                                                          if e[0] == group_id]
    assert changed == told  # what each group's listeners were told changed, on both sides
    assert all({"power_balance", "principles"} <= names for names in changed.values())


def test_a_runner_taking_over_first_tells_what_the_previous_holder_folded(database_url,
                                                                         projected):
    clock = Clock()
    app, previous = projected(database_url, clock=clock)
    _, successor = projected(database_url, clock=clock)
    heard = []
    successor.listeners.append(lambda gid, entries, changed: heard.extend(
        (gid, e["seq"], e["position"]) for e in entries))
    workload(app, clock)
    last = previous.catch_up()  # folded (and the lock released) before the successor looked
    assert successor.catch_up() == last  # takes the lock: nothing left to fold, but...
    record = successor.views.select("SELECT group_id, seq, position FROM view_record "
                                    "ORDER BY position")
    assert sorted(heard, key=lambda h: h[2]) == [(r["group_id"], r["seq"], r["position"])
                                                 for r in record]  # ...every entry was told


def test_duties_run_only_in_the_holder_and_move_with_the_lock(sqlite_url, projected):
    _, first = projected(sqlite_url)
    _, second = projected(sqlite_url)
    runs = {"first": 0, "second": 0}

    def failing():
        raise RuntimeError("a duty that fails is logged, never fatal")

    for name, runner in (("first", first), ("second", second)):
        runner.duties += [failing, lambda name=name: runs.__setitem__(name, runs[name] + 1)]
    first.start(interval=0.05, poll=0.05)
    eventually(lambda: runs["first"] >= 3, what="the holder running its duties")
    second.start(interval=0.05, poll=0.05)
    eventually(lambda: runs["first"] >= 10, what="the holder running its duties")
    assert runs["second"] == 0 and not second.holding  # a follower runs none
    first.stop()
    eventually(lambda: runs["second"] >= 3, what="the duties moving with the lock")
