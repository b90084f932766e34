"""Reads that do not grow with history, through real HTTP: the record paged by an opaque cursor
covers every entry exactly once, a tampered cursor is a 422, and a page or a figure of a
10,000-event group reads as many view rows and statements as one of a 200-event group."""

import json
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from bench.rebuild import write_log

READS = ("record?limit=50", "power-balance", "principles", "level")


class Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass  # hundreds of page requests


@pytest.fixture
def base(web):
    server = make_server("127.0.0.1", 0, web, threaded=True, request_handler=Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def get(base, path, auth) -> tuple[int, dict]:
    request = urllib.request.Request(base + path, headers=auth)
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def group_of(web, people, events: int, others: int = 5) -> str:
    """A group founded by ana (with bea and a few voters) holding about `events` events."""
    app = web.extensions["reciproca"].app
    ana, bea = people["ana"]["id"], people["bea"]["id"]
    group_id = app.found_group(actor=ana, name="Mesa", purpose="p", category="carer",
                               founder_name="Ana", decision_rule={"rule": "majority",
                                                                  "quorum": "1/2"}).id
    voters = [ana, bea] + [str(uuid.uuid4()) for _ in range(others)]
    for n, voter in enumerate(voters[1:]):
        app.admit_member(group_id, actor=ana, member_id=voter, display_name=f"M{n}",
                         category=("service_user", "professional")[n % 2])
    write_log(app, (app.recorder.max_notification_id() or 0) + events, (group_id, voters),
              per_save=1)
    runner = web.extensions["reciproca"].runner
    assert runner.wait_for(app.recorder.max_notification_id(), 300)
    return group_id


def all_pages(base, group_id, auth, query="limit=7") -> list[list[int]]:
    pages, path = [], f"/api/groups/{group_id}/record?{query}"
    while True:
        status, answer = get(base, path, auth)
        assert status == 200, answer
        pages.append([entry["position"] for entry in answer["entries"]])
        if answer["next_cursor"] is None:
            return pages
        path = (f"/api/groups/{group_id}/record?limit=7&cursor="
                + urllib.parse.quote(answer["next_cursor"]))


def test_paging_by_cursor_covers_every_entry_exactly_once(web, people, base):
    auth = people["ana"]["auth"]
    group_id = group_of(web, people, 150)
    status, whole = get(base, f"/api/groups/{group_id}/record?limit=500", auth)
    assert status == 200 and whole["next_cursor"] is None
    expected = [entry["position"] for entry in whole["entries"]]
    assert len(expected) > 150

    pages = all_pages(base, group_id, auth)
    assert [p for page in pages for p in page] == expected
    assert all(len(page) == 7 for page in pages[:-1])

    as_of = expected[40]
    pages = all_pages(base, group_id, auth, f"limit=7&as_of={as_of}")
    assert [p for page in pages for p in page] == expected[:41]

    # A page's proposals are the ones its entries concern, as of the same point.
    status, page = get(base, f"/api/groups/{group_id}/record?limit=20&since={expected[100]}",
                       auth)
    concerned = {e["aggregate_id"] for e in page["entries"] if e["type"] == "VoteCast"}
    assert concerned and {p["id"] for p in page["proposals"]} == concerned
    status, earlier = get(base, f"/api/groups/{group_id}/record?limit=20&since={expected[100]}"
                                f"&as_of={expected[103]}", auth)
    [before] = [p for p in earlier["proposals"] if p["id"] in concerned]
    [now] = [p for p in page["proposals"] if p["id"] == before["id"]]
    latest = {name: max(b["at"] for b in p["ballots"].values()) for name, p in
              (("before", before), ("now", now))}
    assert latest["before"] <= expected[103] < latest["now"]


def test_a_cursor_altered_or_from_another_list_is_refused(web, people, base):
    auth = people["ana"]["auth"]
    group_id = group_of(web, people, 30)
    other = group_of(web, people, 0)
    status, first = get(base, f"/api/groups/{group_id}/record?limit=5", auth)
    cursor = first["next_cursor"]
    flipped = cursor[:-3] + ("A" if cursor[-3] != "A" else "B") + cursor[-2:]
    for path, field in (
            (f"/api/groups/{group_id}/record?cursor={flipped}", "cursor"),
            (f"/api/groups/{group_id}/record?cursor=not-a-cursor", "cursor"),
            (f"/api/groups/{other}/record?cursor={cursor}", "cursor"),
            (f"/api/groups/{group_id}/record?cursor={cursor}&since=3", "since"),
            (f"/api/groups/{group_id}/record?cursor={cursor}&as_of=3", "as_of")):
        status, answer = get(base, path, auth)
        assert (status, list(answer["errors"])) == (422, [field]), path
    assert get(base, f"/api/groups/{group_id}/record?cursor={cursor}", auth)[0] == 200


class Counted:
    """View statements and rows read, and events read from the store, while counting; and
    SQLite's plan of each view statement a read sent."""

    def __init__(self, web, monkeypatch):
        found = web.extensions["reciproca"]
        self.statements = self.rows = self.events = 0
        self.sent: list[tuple[str, dict]] = []
        views_select, events_select = found.runner.views.select, found.app.recorder.select_events
        self._views_select = views_select

        def select(statement, **params):
            rows = views_select(statement, **params)
            self.statements += 1
            self.rows += len(rows)
            self.sent.append((statement, params))
            return rows

        def select_events(*args, **kwargs):
            events = events_select(*args, **kwargs)
            self.events += len(events)
            return events

        monkeypatch.setattr(found.runner.views, "select", select)
        monkeypatch.setattr(found.app.recorder, "select_events", select_events)

    def of(self, read) -> tuple[int, int, int]:
        self.statements = self.rows = self.events = 0
        read()
        return self.statements, self.rows, self.events

    def plans(self, read) -> list[str]:
        """How SQLite runs each view statement of `read` (EXPLAIN QUERY PLAN, step by step)."""
        self.sent = []
        read()
        return [row["detail"] for statement, params in self.sent
                for row in self._views_select(f"EXPLAIN QUERY PLAN {statement}", **params)]


def test_a_page_and_the_figures_read_the_same_rows_at_10000_events_as_at_200(
        web, people, base, monkeypatch):
    auth = people["ana"]["auth"]
    small, large = group_of(web, people, 200), group_of(web, people, 10_000)
    costs = {}
    for group_id in (small, large):
        for read in READS:
            assert get(base, f"/api/groups/{group_id}/{read}", auth)[0] == 200  # warm the cache
    counted = Counted(web, monkeypatch)
    for group_id in (small, large):
        for read in READS:
            costs[group_id, read] = counted.of(
                lambda: get(base, f"/api/groups/{group_id}/{read}", auth))
    for read in READS:
        assert costs[small, read] == costs[large, read], read
        statements, rows, events = costs[large, read]
        assert statements <= 8 and rows <= 2 + 50 + 50 + 7 * 20 and events == 0, read
    # A page deep into the long history costs what the first page does.
    status, page = get(base, f"/api/groups/{large}/record?limit=50&since=9000", auth)
    deep = counted.of(lambda: get(base, f"/api/groups/{large}/record?limit=50&since=9000", auth))
    assert status == 200 and len(page["entries"]) == 50
    assert deep[0] == costs[large, READS[0]][0] and deep[1] <= costs[large, READS[0]][1] + 1
    # Rows returned are not rows read: no statement of a page sorts its matches first (a
    # temporary B-tree reads every entry after `since` before returning the first 50).
    for since in (0, 9000):
        plans = counted.plans(lambda: get(
            base, f"/api/groups/{large}/record?limit=50&since={since}", auth))
        assert plans and not any("TEMP B-TREE" in step for step in plans), plans
