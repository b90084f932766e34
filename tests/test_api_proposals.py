"""Proposals over HTTP beyond voting: the list by status in pages, amending, comments with
replies, deadlines reached on an injected clock, and answers that carry the texts and names
they cite."""

from datetime import timedelta

import pytest

from projections.deadlines import deadline_duty
from tests.conftest import PASSWORD
from tests.helpers import event_names, eventually, stored_events
from webapp.app import create_app


@pytest.fixture
def timed_web(sqlite_url, monkeypatch, clock):
    monkeypatch.setenv("RECIPROCA_DATABASE_URL", sqlite_url)
    flask_app = create_app({"SECRET_KEY": "test-" + "k" * 40, "READ_WAIT_SECONDS": 5.0,
                            "CLOCK": clock})
    yield flask_app
    flask_app.extensions["reciproca"].close()


@pytest.fixture
def mesa(timed_web):
    """Ana founds a group (chair); Bea is a member, Carla an observer. Tokens for each."""
    accounts, client = timed_web.extensions["reciproca"].accounts, timed_web.test_client()
    people = {}
    for name in ("ana", "bea", "carla"):
        person_id = accounts.add_person(f"{name}@example.org", name.title(), PASSWORD)
        people[name] = {"id": person_id, "auth": {
            "Authorization": f"Bearer {accounts.create_token(person_id)}"}}
    group_id = client.post("/api/groups", headers=people["ana"]["auth"], json={
        "name": "Mesa de salud mental", "purpose": "Coproducir el centro",
        "category": "service_user", "decision_rule": {"rule": "majority", "quorum": "1/2"}}
    ).json["id"]
    for name, role in (("bea", "member"), ("carla", "observer")):
        assert client.post(f"/api/groups/{group_id}/members", headers=people["ana"]["auth"],
                           json={"email": f"{name}@example.org", "category": "professional",
                                 "role": role}).status_code == 201
    return {"client": client, "people": people, "group": group_id,
            "services": timed_web.extensions["reciproca"]}


def call(mesa, method, path, who, **options):
    answer = mesa["client"].open(path, method=method, headers=mesa["people"][who]["auth"],
                                 **options)
    return answer.status_code, answer.get_json()


def test_a_proposal_with_a_deadline_is_discussed_amended_voted_and_closes_by_itself(
        mesa, clock):
    gid, people = mesa["group"], mesa["people"]
    closes_at = clock.now + timedelta(hours=2)
    status, tabled = call(mesa, "POST", f"/api/groups/{gid}/proposals", "ana", json={
        "title": "Abrir los sábados", "body": "De 10 a 14 h", "scope": "delivery",
        "closes_at": closes_at.astimezone().isoformat()})
    assert status == 201
    pid = tabled["id"]

    status, question = call(mesa, "POST", f"/api/proposals/{pid}/comments", "carla",
                            json={"body": "¿Habrá transporte adaptado?"})
    assert status == 201
    assert call(mesa, "POST", f"/api/proposals/{pid}/comments", "ana", json={
        "body": "Sí, lo pedimos", "reply_to": question["id"]})[0] == 201
    status, amended = call(mesa, "POST", f"/api/proposals/{pid}/amend", "ana", json={
        "title": "Abrir los sábados con transporte", "body": "De 10 a 14 h, con furgoneta"})
    assert status == 201

    status, shown = call(mesa, "GET", f"/api/proposals/{pid}?after={amended['position']}",
                         "bea")
    assert status == 200
    assert (shown["title"], shown["versions"], shown["closes_at"]) == (
        "Abrir los sábados con transporte", 2, closes_at.isoformat())
    assert [shown["texts"][v["title"]["text_id"]] for v in shown["history"]] == [
        "Abrir los sábados", "Abrir los sábados con transporte"]
    assert [(shown["names"][c["author"]], shown["texts"][c["body"]["text_id"]], c["reply_to"])
            for c in shown["comments"]] == [
        ("Carla", "¿Habrá transporte adaptado?", None),
        ("Ana", "Sí, lo pedimos", question["id"])]

    assert call(mesa, "POST", f"/api/proposals/{pid}/votes", "bea",
                json={"position": "for"})[0] == 201
    status, late = call(mesa, "POST", f"/api/proposals/{pid}/amend", "ana",
                        json={"title": "Otra", "body": "Otra"})
    assert status == 409 and "first vote" in late["errors"]["_"][0]
    status, voted = call(mesa, "POST", f"/api/proposals/{pid}/votes", "ana",
                         json={"position": "for"})

    status, listed = call(mesa, "GET", f"/api/groups/{gid}/proposals?status=open&after="
                                       f"{voted['position']}", "carla")
    assert status == 200
    [summary] = listed["proposals"]
    assert (summary["id"], summary["title"], summary["tally"]["for"], summary["comments"],
            summary["closes_at"], listed["names"][summary["proposer"]]) == (
        pid, "Abrir los sábados con transporte", 2, 2, closes_at.isoformat(), "Ana")

    clock.advance(hours=2)
    status, refused = call(mesa, "POST", f"/api/proposals/{pid}/votes", "bea",
                           json={"position": "against"})
    assert status == 409 and "deadline" in refused["errors"]["_"][0]
    assert call(mesa, "POST", f"/api/proposals/{pid}/close", "ana")[0] == 409
    services = mesa["services"]

    def closes():
        return [e for e in stored_events(services.app)
                if type(e).__name__ == "Closed" and str(e.originator_id) == pid]

    eventually(closes, what="the close at the deadline")  # the runner's duty, by itself
    assert len(closes()) == 1 and closes()[0].at_deadline
    deadline_duty(services.app, services.runner.views)()  # once more: nothing to do
    assert len(closes()) == 1

    position = services.app.recorder.max_notification_id()
    status, shown = call(mesa, "GET", f"/api/proposals/{pid}", "carla")
    assert (shown["status"], shown["outcome"], shown["at_deadline"]) == (
        "closed", "carried", True)
    status, listed = call(mesa, "GET", f"/api/groups/{gid}/proposals?status=closed&after="
                                       f"{position}", "carla")
    assert [(p["id"], p["outcome"], p["at_deadline"]) for p in listed["proposals"]] == [
        (pid, "carried", True)]
    assert call(mesa, "GET", f"/api/groups/{gid}/proposals?status=open", "carla")[1][
        "proposals"] == []

    status, record = call(mesa, "GET", f"/api/groups/{gid}/record?after={position}", "bea")
    kinds = [e["type"] for e in record["entries"]]
    assert kinds[-8:] == ["Tabled", "Commented", "Commented", "Amended", "VoteCast",
                          "VoteCast", "Closed", "DecisionRecorded"]
    closed = next(e for e in record["entries"] if e["type"] == "Closed")
    assert closed["data"]["at_deadline"] is True
    assert {"¿Habrá transporte adaptado?", "Sí, lo pedimos", "Abrir los sábados",
            "Abrir los sábados con transporte"} <= set(record["texts"].values())
    assert {people[n]["id"]: n.title() for n in people}.items() <= record["names"].items()


def test_proposals_are_paged_with_an_opaque_cursor(mesa):
    gid = mesa["group"]
    pids = [call(mesa, "POST", f"/api/groups/{gid}/proposals", "ana", json={
        "title": f"Propuesta {n}", "body": "Texto", "scope": "design"})[1]["id"]
            for n in range(3)]
    position = mesa["services"].app.recorder.max_notification_id()
    status, first = call(mesa, "GET", f"/api/groups/{gid}/proposals?limit=2&after={position}",
                         "bea")
    assert [p["id"] for p in first["proposals"]] == [pids[2], pids[1]]
    assert [p["title"] for p in first["proposals"]] == ["Propuesta 2", "Propuesta 1"]
    status, second = call(mesa, "GET", f"/api/groups/{gid}/proposals?limit=2&cursor="
                                       f"{first['next_cursor']}", "bea")
    assert [p["id"] for p in second["proposals"]] == [pids[0]]
    assert second["next_cursor"] is None


@pytest.mark.parametrize("path, body, field", [
    ("/api/groups/{gid}/proposals", {"title": "T", "body": "B", "scope": "design",
                                     "closes_at": "2026-03-09T10:00:00"}, "closes_at"),
    ("/api/groups/{gid}/proposals", {"title": "T", "body": "B", "scope": "design",
                                     "closes_at": "{in_five_minutes}"}, "closes_at"),
    ("/api/groups/{gid}/proposals", {"title": "T", "body": "B", "scope": "design",
                                     "closes_at": "{in_a_hundred_days}"}, "closes_at"),
    ("/api/groups/{gid}/proposals", {"title": "T", "body": "B", "scope": "design",
                                     "closes_at": "pronto"}, "closes_at"),
    ("/api/proposals/{pid}/amend", {"body": "Sin título"}, "title"),
    ("/api/proposals/{pid}/amend", {"title": "T", "body": "B", "scope": "risk"}, "scope"),
    ("/api/proposals/{pid}/amend", {"title": "T" * 201, "body": "B"}, "title"),
    ("/api/proposals/{pid}/comments", {"body": ""}, "body"),
    ("/api/proposals/{pid}/comments", {"body": "x" * 5001}, "body"),
    ("/api/proposals/{pid}/comments", {"body": "Hola", "reply_to": "yo"}, "reply_to"),
    ("/api/proposals/{pid}/comments", {"body": "Hola", "reply_to": "{pid}"}, "reply_to"),
    ("/api/proposals/{pid}/comments", {"body": "Hola", "reply_to": "{reply}"}, "reply_to"),
])
def test_bad_input_names_the_field_and_writes_nothing(mesa, clock, path, body, field):
    gid = mesa["group"]
    pid = call(mesa, "POST", f"/api/groups/{gid}/proposals", "ana", json={
        "title": "Abrir", "body": "Sábados", "scope": "delivery"})[1]["id"]
    first = call(mesa, "POST", f"/api/proposals/{pid}/comments", "bea",
                 json={"body": "Bien"})[1]["id"]
    reply = call(mesa, "POST", f"/api/proposals/{pid}/comments", "ana",
                 json={"body": "Gracias", "reply_to": first})[1]["id"]
    values = {"gid": gid, "pid": pid, "reply": reply,
              "in_five_minutes": (clock.now + timedelta(minutes=5)).isoformat(),
              "in_a_hundred_days": (clock.now + timedelta(days=100)).isoformat()}
    filled = {k: v.format(**values) if isinstance(v, str) else v for k, v in body.items()}
    before = mesa["services"].app.recorder.max_notification_id()
    status, answer = call(mesa, "POST", path.format(**values), "ana", json=filled)
    assert status == 422 and list(answer["errors"]) == [field]
    assert mesa["services"].app.recorder.max_notification_id() == before


@pytest.mark.parametrize("query, field", [
    ("status=pending", "status"), ("limit=0", "limit"), ("limit=501", "limit"),
    ("cursor=not-a-cursor", "cursor"), ("cursor=YWZ0ZXI6MQ", "cursor"), ("after=-1", "after"),
    ("after=999999", "after"), ("since=3", "since")])
def test_bad_list_queries_name_the_parameter(mesa, query, field):
    status, answer = call(mesa, "GET", f"/api/groups/{mesa['group']}/proposals?{query}", "bea")
    assert status == 422 and list(answer["errors"]) == [field]


def test_the_group_and_proposal_reads_honour_after(mesa):
    gid = mesa["group"]
    status, tabled = call(mesa, "POST", f"/api/groups/{gid}/proposals", "ana", json={
        "title": "Abrir", "body": "Sábados", "scope": "delivery"})
    for path in (f"/api/groups/{gid}", f"/api/proposals/{tabled['id']}"):
        assert call(mesa, "GET", f"{path}?after={tabled['position']}", "bea")[0] == 200
        status, answer = call(mesa, "GET", f"{path}?after={tabled['position'] + 1}", "bea")
        assert status == 422 and list(answer["errors"]) == ["after"]
        assert call(mesa, "GET", f"{path}?after=x", "bea")[0] == 422


def test_an_amendment_and_a_comment_repeated_with_one_key_happen_once(mesa):
    gid = mesa["group"]
    pid = call(mesa, "POST", f"/api/groups/{gid}/proposals", "ana", json={
        "title": "Abrir", "body": "Sábados", "scope": "delivery"})[1]["id"]
    auth = mesa["people"]["ana"]["auth"]  # one key per request (a key is bound to its endpoint)
    for _ in range(2):
        assert mesa["client"].post(f"/api/proposals/{pid}/amend", json={
            "title": "Abrir más", "body": "Sábados"},
            headers={**auth, "Idempotency-Key": "2026-03-02-a"}).status_code == 201
        assert mesa["client"].post(f"/api/proposals/{pid}/comments", json={"body": "Hecho"},
                                   headers={**auth, "Idempotency-Key": "2026-03-02-c"}
                                   ).status_code == 201
    names = event_names(mesa["services"].app)
    assert (names.count("Amended"), names.count("Commented")) == (1, 1)


def test_the_new_errors_answer_in_spanish_when_asked(mesa, clock):
    gid = mesa["group"]
    spanish = {**mesa["people"]["ana"]["auth"], "Accept-Language": "es"}
    answer = mesa["client"].post(f"/api/groups/{gid}/proposals", headers=spanish, json={
        "title": "T", "body": "B", "scope": "design",
        "closes_at": (clock.now + timedelta(minutes=1)).isoformat()})
    assert answer.json["errors"]["closes_at"][0].startswith("closes_at debe estar entre 10 min")
    pid = call(mesa, "POST", f"/api/groups/{gid}/proposals", "ana", json={
        "title": "T", "body": "B", "scope": "design",
        "closes_at": (clock.now + timedelta(hours=1)).isoformat()})[1]["id"]
    clock.advance(hours=1)
    late = mesa["client"].post(f"/api/proposals/{pid}/comments", headers=spanish,
                               json={"body": "Tarde"})
    assert late.status_code == 409  # past the deadline, or already closed by the runner's duty
    assert late.json["errors"]["_"][0] in (
        f"la propuesta llegó a su plazo ({(clock.now).isoformat()}) y se cierra sola: ya no "
        "puede pasarle nada más", "la propuesta está closed: ya no puede pasarle nada más")
