"""My groups, the page: read from the view_people read model, groups waiting for my vote first,
groups I only audit listed too (marked, with their read-only views), and a cost that follows
the person's groups, never the number of groups in the store."""

import threading

from tests.helpers import folded
from tests.test_pages import MAJORITY, browser, page


def found_group(api, auth, name, category="professional") -> str:
    return api.post("/api/groups", headers=auth, json={
        "name": name, "purpose": "p", "category": category,
        "decision_rule": MAJORITY}).json["id"]


def test_my_groups_lists_a_group_i_only_audit_marked_with_its_read_only_views(web, people):
    api, ana, bea = web.test_client(), people["ana"], people["bea"]
    audited = found_group(api, ana["auth"], "Mesa auditada", "service_user")
    api.post(f"/api/groups/{audited}/auditors", headers=ana["auth"], json={"email": bea["email"]})
    api.post(f"/api/groups/{audited}/proposals", headers=ana["auth"], json={
        "title": "Horario", "body": "b", "scope": "delivery"})
    mine = found_group(api, bea["auth"], "Zeta propia")
    folded(web)
    html = page(browser(web, bea), "/groups")
    assert html.index("Zeta propia") < html.index("Mesa auditada")  # taking part comes first
    card = html[html.index("Mesa auditada"):]
    assert "Auditado" in card and "Auditas este grupo" in card
    assert f"/groups/{audited}/audit" in card and f"/groups/{audited}/power" in card
    assert "espera tu voto" not in card  # an auditor does not vote
    assert "Hay 1 propuesta abierta." in card
    assert f"/groups/{mine}" in html and "Participas como" in html
    english = page(browser(web, bea, lang="en"), "/groups")
    assert "Audited" in english and "You audit this group" in english
    assert "1 proposal is open." in english


class Counted:
    """View statements and rows, and stored events, read by this thread (the test client's
    requests), not by the runner's own background work."""

    def __init__(self, web, monkeypatch):
        found, me = web.extensions["reciproca"], threading.get_ident()
        self.counts = [0, 0, 0]
        views_select, events_select = found.runner.views.select, found.app.recorder.select_events

        def counted(read, *at):
            def wrapped(*args, **kwargs):
                rows = read(*args, **kwargs)
                if threading.get_ident() == me:
                    for n in at:
                        self.counts[n] += 1 if n == 0 else len(rows)
                return rows
            return wrapped

        monkeypatch.setattr(found.runner.views, "select", counted(views_select, 0, 1))
        monkeypatch.setattr(found.app.recorder, "select_events", counted(events_select, 2))

    def of(self, read) -> tuple[int, int, int]:
        self.counts = [0, 0, 0]
        read()
        return tuple(self.counts)


def test_my_groups_costs_the_same_however_many_other_groups_the_store_holds(
        web, people, monkeypatch):
    api, ana, bea = web.test_client(), people["ana"], people["bea"]
    shared = found_group(api, ana["auth"], "Mesa compartida", "service_user")
    api.post(f"/api/groups/{shared}/members", headers=ana["auth"],
             json={"email": bea["email"], "category": "professional"})
    api.post(f"/api/groups/{shared}/proposals", headers=ana["auth"], json={
        "title": "Espera a Bea", "body": "b", "scope": "delivery"})
    client = browser(web, bea)
    folded(web)
    counted = Counted(web, monkeypatch)
    few = counted.of(lambda: page(client, "/groups"))
    for n in range(25):  # groups Bea has nothing to do with, each with an open proposal
        other = found_group(api, ana["auth"], f"Otra {n}", "carer")
        api.post(f"/api/groups/{other}/proposals", headers=ana["auth"], json={
            "title": f"Ajena {n}", "body": "b", "scope": "delivery"})
    folded(web)
    html = []
    many = counted.of(lambda: html.append(page(client, "/groups")))
    assert "1 propuesta espera tu voto" in html[0] and "Espera a Bea" in html[0]
    assert "Ajena" not in html[0] and "Otra" not in html[0]
    assert many == few  # view statements, view rows, events read
    statements, rows, events = many
    assert statements <= 3 and rows <= 2 and events == 0
