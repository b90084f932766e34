"""A group's pages after a long history: the record starts at the latest entry, a proposal's
page shows every vote on it, and the audit slider reaches the latest position, however many
entries came before (they were cut at the first 500 once); the reads behind them on SQLite and
PostgreSQL."""

import re

from projections import queries
from tests.helpers import found_group
from tests.test_pages import browser, page
from tests.test_record_paging import group_of


def test_the_pages_of_a_long_history_show_its_latest_entries(web, people):
    group_id = group_of(web, people, 800)
    api, ana, bea = web.test_client(), people["ana"], people["bea"]
    proposal_id = api.post(f"/api/groups/{group_id}/proposals", headers=ana["auth"], json={
        "title": "Al final", "body": "b", "scope": "design"}).json["id"]
    done = api.post(f"/api/proposals/{proposal_id}/votes", headers=bea["auth"],
                    json={"position": "for", "reason": "Por fin"}).json
    views = web.extensions["reciproca"].runner.views
    assert web.extensions["reciproca"].runner.wait_for(done["position"], 30)
    latest = queries.folded_position(views, group_id)
    assert latest == done["position"] > 800
    client = browser(web, ana)

    html = page(client, f"/groups/{group_id}")
    assert int(re.search(r'data-position="(\d+)"', html).group(1)) == latest
    assert "Bea votó a favor de «Al final»" in html

    proposal = page(client, f"/proposals/{proposal_id}")
    assert "Por fin" in proposal and "Bea votó a favor de «Al final»" in proposal

    audit = page(client, f"/groups/{group_id}/audit")
    assert int(re.search(r'max="(\d+)"', audit).group(1)) == latest
    assert "Bea votó a favor de «Al final»" in audit
    assert "Las 100 entradas más recientes hasta esta posición" in audit
    before = page(client, f"/groups/{group_id}/audit?at={latest - 1}")
    assert "presentó la propuesta «Al final»" in before
    assert "Bea votó a favor de «Al final»" not in before


def test_the_page_queries_answer_alike_on_both_databases(database_url, projected):
    """The reads the pages added (latest entries, a proposal's own entries, the record's bounds,
    the open proposals of some groups, the folded position) on SQLite and PostgreSQL."""
    app, runner = projected(database_url)
    group_id, chair = found_group(app)
    quiet, _ = found_group(app)
    proposal = app.table_proposal(group_id, actor=chair, title="T", body="B",
                                  scope="design").id
    app.cast_vote(proposal, actor=chair, position="for")
    runner.catch_up()
    views = runner.views
    record = queries.record_entries(views, group_id)
    assert queries.newest_entries(views, group_id, limit=2) == record[-2:]
    assert queries.newest_entries(views, group_id, as_of=record[1]["position"],
                                  limit=5) == record[:2]
    assert [e["type"] for e in queries.aggregate_entries(views, group_id, proposal)] == [
        "Tabled", "VoteCast"]
    assert queries.record_bounds(views, group_id) == (record[0]["position"],
                                                      record[-1]["position"])
    assert queries.folded_position(views, group_id) == record[-1]["position"]
    assert [p["id"] for p in queries.open_proposals_in(views, [group_id, quiet])] == [proposal]
    assert queries.open_proposals_in(views, [quiet]) == []
