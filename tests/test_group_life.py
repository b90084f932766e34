"""A group's whole life over real HTTP with no command line after the first account: found,
invite by link, join (a new account, an existing one, an observer), decide, change a category,
leave, remove with a reason; the figures and the record follow each step. Then the edges of
invitations and the bad input of every endpoint of group life."""

import http.cookiejar
import json
import threading
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from werkzeug.serving import make_server

from tests.conftest import PASSWORD

MAJORITY = {"rule": "majority", "quorum": "1/2"}


class Person:
    """A browser-less HTTP client with its own cookie jar: signs in, sends the CSRF header."""

    def __init__(self, base: str):
        self.base, self.csrf = base, None
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def call(self, method: str, path: str, body: dict | None = None):
        headers = {"Content-Type": "application/json"}
        if self.csrf:
            headers["X-CSRF-Token"] = self.csrf
        request = urllib.request.Request(
            self.base + path, method=method, headers=headers,
            data=None if body is None else json.dumps(body).encode())
        try:
            with self.opener.open(request, timeout=10) as answer:
                status, raw = answer.status, answer.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        return status, json.loads(raw) if raw else None

    def sign_in(self, email: str, password: str = PASSWORD) -> dict:
        status, me = self.call("POST", "/api/session", {"email": email, "password": password})
        assert status == 201, me
        self.csrf = me["csrf_token"]
        return me

    def ok(self, method: str, path: str, body: dict | None = None, status: int = 201):
        got, answer = self.call(method, path, body)
        assert got == status, (method, path, got, answer)
        return answer


@pytest.fixture
def server(web):
    httpd = make_server("127.0.0.1", 0, web, threaded=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


def secret_of(invitation: dict) -> str:
    return invitation["url"].rsplit("/invitations/", 1)[1]


def membership(person: Person, gid: str, after: int) -> dict:
    balance = person.ok("GET", f"/api/groups/{gid}/power-balance?after={after}", status=200)
    return {category: row["membership"]["exact"]
            for category, row in balance["categories"]["shares"].items()
            if row["membership"] and row["membership"]["exact"] != "0"}


def test_a_group_comes_together_decides_and_changes_without_the_command_line(web, server):
    web.extensions["reciproca"].accounts.add_person("ana@example.org", "Ana", PASSWORD)
    ana, bea, carla, dani, anyone = (Person(server) for _ in range(5))
    ana.sign_in("ana@example.org")
    # Bea already has an account: she came in through another group's invitation.
    other = ana.ok("POST", "/api/groups", {"name": "Comisión de fiestas", "purpose": "Fiestas",
                                           "category": "community", "decision_rule": MAJORITY})
    link = ana.ok("POST", f"/api/groups/{other['id']}/invitations", {"category": "carer"})
    anyone.ok("POST", f"/api/invitations/{secret_of(link)}/accept", {
        "name": "Bea", "email": "bea@example.org", "password": PASSWORD})

    gid = ana.ok("POST", "/api/groups", {
        "name": "Mesa de salud mental", "purpose": "Decidir juntos el centro de día",
        "category": "professional", "decision_rule": MAJORITY})["id"]
    links = {who: ana.ok("POST", f"/api/groups/{gid}/invitations", body) for who, body in [
        ("carla", {"category": "carer", "note": "Para Carla"}),
        ("bea", {"category": "professional", "expires_in_days": 2}),
        ("dani", {"category": "community", "role": "observer", "expires_in_days": 30})]}
    listed = ana.ok("GET", f"/api/groups/{gid}/invitations", status=200)["invitations"]
    assert sorted(i["note"] or "" for i in listed) == ["", "", "Para Carla"]
    assert not any(secret_of(links["carla"]) in json.dumps(i) for i in listed)
    assert anyone.ok("GET", f"/api/invitations/{secret_of(links['dani'])}", status=200) == {
        "group_name": "Mesa de salud mental", "group_purpose": "Decidir juntos el centro de día",
        "category": "community", "role": "observer",
        "expires_at": links["dani"]["expires_at"]}

    joined = {"carla": carla.ok("POST", f"/api/invitations/{secret_of(links['carla'])}/accept",
                                {"name": "Carla", "email": "carla@example.org",
                                 "password": PASSWORD})}
    carla.sign_in("carla@example.org")
    bea.sign_in("bea@example.org")
    joined["bea"] = bea.ok("POST", f"/api/invitations/{secret_of(links['bea'])}/accept")
    joined["dani"] = dani.ok("POST", f"/api/invitations/{secret_of(links['dani'])}/accept", {
        "name": "Dani", "email": "dani@example.org", "password": PASSWORD})
    dani.sign_in("dani@example.org")
    ids = {who: answer["member_id"] for who, answer in joined.items()}
    ids["ana"] = ana.ok("GET", "/api/me", status=200)["person_id"]
    assert ana.ok("GET", f"/api/groups/{gid}/invitations", status=200)["invitations"] == []
    position = joined["dani"]["position"]
    assert membership(ana, gid, position) == {"professional": "2/3", "carer": "1/3"}

    me = bea.ok("GET", f"/api/me?after={position}", status=200)
    assert (me["name"], me["email"], me["admin"]) == ("Bea", "bea@example.org", False)
    assert sorted((g["name"], g["category"], g["roles"], g["auditor"]) for g in me["groups"]) == [
        ("Comisión de fiestas", "carer", ["member"], False),
        ("Mesa de salud mental", "professional", ["member"], False)]
    first = bea.ok("GET", "/api/groups?limit=1", status=200)
    second = bea.ok("GET", f"/api/groups?limit=1&cursor={first['next_cursor']}", status=200)
    assert sorted(g["id"] for g in first["groups"] + second["groups"]) == sorted(
        g["id"] for g in me["groups"])
    assert bea.ok("GET", f"/api/groups?cursor={second['next_cursor']}",
                  status=200) == {"groups": [], "next_cursor": None}

    pid = carla.ok("POST", f"/api/groups/{gid}/proposals", {
        "title": "Abrir los sábados", "body": "El centro abre los sábados por la mañana",
        "scope": "delivery"})["id"]
    for who, position_taken in (("ana", "for"), ("bea", "against"), ("carla", "for")):
        {"ana": ana, "bea": bea, "carla": carla}[who].ok(
            "POST", f"/api/proposals/{pid}/votes", {"position": position_taken})
    assert dani.call("POST", f"/api/proposals/{pid}/votes", {"position": "for"})[0] == 403
    closed = ana.ok("POST", f"/api/proposals/{pid}/close", status=200)
    assert closed["outcome"] == "carried"

    changed = carla.ok("POST", f"/api/groups/{gid}/members/{ids['carla']}/category",
                       {"category": "service_user"})
    assert membership(ana, gid, changed["position"]) == {"professional": "2/3",
                                                         "service_user": "1/3"}
    left = dani.ok("POST", f"/api/groups/{gid}/members/{ids['dani']}/leave")
    assert membership(ana, gid, left["position"]) == {"professional": "2/3",
                                                      "service_user": "1/3"}  # an observer
    removed = ana.ok("POST", f"/api/groups/{gid}/members/{ids['bea']}/remove",
                     {"reason": "Deja el servicio y pidió que la diéramos de baja"})
    balance = ana.ok("GET", f"/api/groups/{gid}/power-balance?after={removed['position']}",
                     status=200)["categories"]["shares"]
    assert {c: r["membership"]["exact"] for c, r in balance.items()
            if r["membership"]["exact"] != "0"} == {"professional": "1/2", "service_user": "1/2"}
    # Acts count for the category held when they happened: Carla tabled as a carer.
    assert balance["carer"]["agenda"]["exact"] == "1"
    assert balance["carer"]["success"]["exact"] == "1"
    assert (balance["carer"]["pivotal"]["exact"], balance["professional"]["pivotal"]["exact"]) \
        == ("1/2", "1/2")

    record = ana.ok("GET", f"/api/groups/{gid}/record?after={removed['position']}", status=200)
    people_events = [(e["type"], e["actor"], e["data"].get("member_id"),
                      e["data"].get("invited_by")) for e in record["entries"]
                     if e["type"] in ("MemberJoined", "MemberLeft", "CategoryChanged")]
    assert people_events == [
        ("MemberJoined", ids["ana"], ids["ana"], None),
        ("MemberJoined", ids["carla"], ids["carla"], ids["ana"]),
        ("MemberJoined", ids["bea"], ids["bea"], ids["ana"]),
        ("MemberJoined", ids["dani"], ids["dani"], ids["ana"]),
        ("CategoryChanged", ids["carla"], ids["carla"], None),
        ("MemberLeft", ids["dani"], ids["dani"], None),
        ("MemberLeft", ids["ana"], ids["bea"], None)]
    removal = record["entries"][-1]
    assert record["texts"][removal["data"]["reason"]["text_id"]] == (
        "Deja el servicio y pidió que la diéramos de baja")
    assert [g["name"] for g in bea.ok("GET", f"/api/me?after={removed['position']}",
                                      status=200)["groups"]] == ["Comisión de fiestas"]
    assert bea.call("GET", f"/api/groups/{gid}")[0] == 404  # no longer hers to see


# The edges of invitations (through the WSGI client: same app, no socket needed)


@pytest.fixture
def mesa(web, people):
    """Ana's group (she chairs it), Bea a plain member; Ana's and Bea's token headers."""
    client = web.test_client()
    gid = client.post("/api/groups", headers=people["ana"]["auth"], json={
        "name": "Mesa", "purpose": "Salud mental", "category": "professional",
        "decision_rule": MAJORITY}).json["id"]
    assert client.post(f"/api/groups/{gid}/members", headers=people["ana"]["auth"], json={
        "email": "bea@example.org", "category": "carer"}).status_code == 201
    return client, gid


def invite(client, people, gid, **body):
    answer = client.post(f"/api/groups/{gid}/invitations", headers=people["ana"]["auth"],
                         json={"category": "carer", **body})
    assert answer.status_code == 201, answer.json
    return secret_of(answer.json), answer.json["id"]


def log_position(web) -> int:
    return web.extensions["reciproca"].app.recorder.max_notification_id()


NEWCOMER = {"name": "Eva", "email": "eva@example.org", "password": PASSWORD}


def test_expired_used_withdrawn_and_guessed_invitations(web, people, mesa):
    client, gid = mesa
    accounts, invitations = (web.extensions["reciproca"].accounts,
                             web.extensions["reciproca"].invitations)
    expiring, _ = invite(client, people, gid, expires_in_days=1)
    used, _ = invite(client, people, gid)
    withdrawn, withdrawn_id = invite(client, people, gid)

    assert client.post(f"/api/invitations/{used}/accept",
                       headers=people["carla"]["auth"]).status_code == 201
    before = log_position(web)
    again = client.post(f"/api/invitations/{used}/accept", json=NEWCOMER)
    assert (again.status_code, again.json) == (410, {"errors": {"_": [
        "this invitation has already been used"]}})
    assert accounts.person_by_email(NEWCOMER["email"]) is None

    assert client.delete(f"/api/groups/{gid}/invitations/{withdrawn_id}",
                         headers=people["bea"]["auth"]).status_code == 403
    gone = client.delete(f"/api/groups/{gid}/invitations/{withdrawn_id}",
                         headers=people["ana"]["auth"])
    assert (gone.status_code, gone.data, gone.content_type) == (204, b"", None)  # no body, no type
    assert client.delete(f"/api/groups/{gid}/invitations/{withdrawn_id}",
                         headers=people["ana"]["auth"]).status_code == 404
    for method in ("GET", "POST"):
        path = f"/api/invitations/{withdrawn}" + ("/accept" if method == "POST" else "")
        answer = client.open(path, method=method, json=NEWCOMER if method == "POST" else None)
        assert (answer.status_code, answer.json["errors"]["_"]) == (
            410, ["this invitation was withdrawn"])

    real_clock = invitations.clock
    invitations.clock = lambda: real_clock() + timedelta(days=1, seconds=1)
    try:
        answer = client.post(f"/api/invitations/{expiring}/accept", json=NEWCOMER)
        assert (answer.status_code, answer.json["errors"]["_"]) == (
            410, ["this invitation has expired"])
    finally:
        invitations.clock = real_clock

    prefix, key = used.split("_")[1], used.split("_", 2)[2]
    guessed = f"inv_{prefix}_{key[:-1]}{'A' if key[-1] != 'A' else 'B'}"
    for secret in (guessed, f"inv_{'0' * 12}_{key}", "inv_x", "rcp_" + used[4:]):
        assert client.get(f"/api/invitations/{secret}").status_code == 404
        assert client.post(f"/api/invitations/{secret}/accept", json=NEWCOMER).status_code == 404
    assert log_position(web) == before
    assert accounts.person_by_email(NEWCOMER["email"]) is None


def test_a_refused_join_leaves_no_account_and_the_link_still_works(web, people, mesa):
    client, gid = mesa
    accounts = web.extensions["reciproca"].accounts
    secret, _ = invite(client, people, gid)
    before = log_position(web)
    again = client.post(f"/api/invitations/{secret}/accept", headers=people["bea"]["auth"])
    assert again.status_code == 409  # Bea is a member already
    taken = client.post(f"/api/invitations/{secret}/accept",
                        json={**NEWCOMER, "email": "carla@example.org"})
    assert (taken.status_code, list(taken.json["errors"])) == (422, ["email"])
    short = client.post(f"/api/invitations/{secret}/accept", json={**NEWCOMER, "password": "x"})
    assert (short.status_code, list(short.json["errors"])) == (422, ["password"])

    # Invited by a facilitator who has since stepped down: the join is refused, and the
    # account made for it is removed again.
    bea_id = people["bea"]["id"]
    client.post(f"/api/groups/{gid}/roles", headers=people["ana"]["auth"], json={
        "member_id": bea_id, "role": "facilitator", "action": "assign"})
    by_bea = client.post(f"/api/groups/{gid}/invitations", headers=people["bea"]["auth"],
                         json={"category": "community"})
    client.post(f"/api/groups/{gid}/roles", headers=people["ana"]["auth"], json={
        "member_id": bea_id, "role": "facilitator", "action": "revoke"})
    before = log_position(web)
    refused = client.post(f"/api/invitations/{secret_of(by_bea.json)}/accept", json=NEWCOMER)
    assert refused.status_code == 403
    assert accounts.person_by_email(NEWCOMER["email"]) is None
    assert log_position(web) == before

    joined = client.post(f"/api/invitations/{secret}/accept", json=NEWCOMER)
    assert joined.status_code == 201  # the link survived every refusal
    assert accounts.person_by_email(NEWCOMER["email"])["person_id"] == joined.json["member_id"]


def test_the_link_uses_the_public_url_when_one_is_configured(web, people, mesa):
    client, gid = mesa
    web.config["PUBLIC_URL"] = "https://mesa.example.org"
    answer = client.post(f"/api/groups/{gid}/invitations", headers=people["ana"]["auth"],
                         json={"category": "carer"})
    assert answer.json["url"].startswith("https://mesa.example.org/invitations/inv_")


# Passwords without an operator


def test_changing_the_password_ends_every_other_session_but_this_one(web, server):
    web.extensions["reciproca"].accounts.add_person("ana@example.org", "Ana", PASSWORD)
    here, elsewhere = Person(server), Person(server)
    here.sign_in("ana@example.org")
    elsewhere.sign_in("ana@example.org")
    wrong = here.call("POST", "/api/me/password", {"current_password": "not it",
                                                   "new_password": "a long new passphrase"})
    assert (wrong[0], list(wrong[1]["errors"])) == (422, ["current_password"])
    here.ok("POST", "/api/me/password", {"current_password": PASSWORD,
                                         "new_password": "a long new passphrase"}, status=204)
    assert here.call("GET", "/api/me")[0] == 200
    assert elsewhere.call("GET", "/api/me")[0] == 401
    Person(server).sign_in("ana@example.org", "a long new passphrase")



def test_guesses_at_the_current_password_are_answered_429_with_retry_after(web, server):
    web.extensions["reciproca"].accounts.add_person("ana@example.org", "Ana", PASSWORD)
    here = Person(server)
    here.sign_in("ana@example.org")
    change = {"current_password": "not it", "new_password": "a long new passphrase"}
    answers = [here.call("POST", "/api/me/password", change)[0] for _ in range(5)]
    assert answers == [422] * 5
    status, body = here.call("POST", "/api/me/password", {**change, "current_password": PASSWORD})
    assert status == 429 and list(body["errors"]) == ["_"]
    assert here.call("GET", "/api/me")[0] == 200  # the password and the session are unchanged

def test_a_reset_link_asked_for_by_email_arrives_by_smtp_and_sets_a_new_password(
        sqlite_url, monkeypatch):
    from tests.test_mail import Inbox, free_port
    from aiosmtpd.controller import Controller
    from email import message_from_string, policy
    from webapp.app import create_app

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setenv("RECIPROCA_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("RECIPROCA_SMTP_URL", f"smtp://127.0.0.1:{controller.port}")
    monkeypatch.setenv("RECIPROCA_MAIL_FROM", "mesa@example.org")
    web = create_app({"SECRET_KEY": "test-" + "k" * 40,
                      "PUBLIC_URL": "https://mesa.example.org"})
    try:
        web.extensions["reciproca"].accounts.add_person("ana@example.org", "Ana", PASSWORD)
        client = web.test_client()
        for email in ("nobody@example.org", "ANA@example.org", "ana@example.org"):
            answer = client.post("/api/password-resets", json={"email": email})
            assert answer.status_code == 202  # alike, whether or not the account exists
        assert inbox.arrived.wait(timeout=30)
        [(recipients, content)] = inbox.received  # the repeated request sent no second mail
        mail = message_from_string(content, policy=policy.default)
        assert recipients == ["ana@example.org"] and mail["From"] == "mesa@example.org"
        link = next(line for line in mail.get_content().splitlines()
                    if line.startswith("https://mesa.example.org/password-reset/"))
        secret = link.rsplit("/", 1)[1]
        short = client.post(f"/api/password-resets/{secret}", json={"password": "short"})
        assert (short.status_code, list(short.json["errors"])) == (422, ["password"])
        assert client.post(f"/api/password-resets/{secret}",
                           json={"password": "a long new passphrase"}).status_code == 204
        assert client.post(f"/api/password-resets/{secret}",
                           json={"password": "yet another passphrase"}).status_code == 410
        assert client.post("/api/session", json={"email": "ana@example.org",
                                                  "password": "a long new passphrase"}
                           ).status_code == 201
    finally:
        web.extensions["reciproca"].close()
        controller.stop()


def test_without_mail_in_production_a_reset_request_says_to_ask_an_operator(
        sqlite_url, monkeypatch):
    from webapp.app import create_app

    monkeypatch.setenv("RECIPROCA_DATABASE_URL", sqlite_url)
    monkeypatch.delenv("RECIPROCA_SMTP_URL", raising=False)
    web = create_app({"SECRET_KEY": "test-" + "k" * 40, "PRODUCTION": True})
    try:
        answer = web.test_client().post("/api/password-resets",
                                        json={"email": "ana@example.org"})
        assert answer.status_code == 503 and "operator" in answer.json["errors"]["_"][0]
    finally:
        web.extensions["reciproca"].close()


# Bad input, for every endpoint of group life: 422 naming each field, nothing written

BAD = [
    ("POST", "/api/groups/{gid}/invitations", {}, {"category"}),
    ("POST", "/api/groups/{gid}/invitations", {"category": "vecino", "role": "chair",
                                               "note": "", "expires_in_days": 31},
     {"category", "role", "note", "expires_in_days"}),
    ("POST", "/api/groups/{gid}/invitations", {"category": "carer", "expires_in_days": "7",
                                               "colour": "red"}, {"expires_in_days", "colour"}),
    ("POST", "/api/groups/{gid}/invitations", {"category": "carer", "expires_in_days": 0},
     {"expires_in_days"}),
    ("POST", "/api/groups/{gid}/members/{bea}/remove", {}, {"reason"}),
    ("POST", "/api/groups/{gid}/members/{bea}/remove", {"reason": " "}, {"reason"}),
    ("POST", "/api/groups/{gid}/members/{bea}/remove", {"reason": "x" * 2001}, {"reason"}),
    ("POST", "/api/groups/{gid}/members/{ana}/remove", {"reason": "Me voy"}, {"member_id"}),
    ("POST", "/api/groups/{gid}/members/{ana}/category", {}, {"category"}),
    ("POST", "/api/groups/{gid}/members/{ana}/category", {"category": "vecino"}, {"category"}),
    ("POST", "/api/groups/{gid}/members/{ana}/category", {"category": "professional"},
     {"category"}),  # already hers
    ("POST", "/api/groups/{gid}/members/{bea}/leave", {"now": True}, {"now"}),
    ("POST", "/api/me/password", {}, {"current_password", "new_password"}),
    ("POST", "/api/me/password", {"current_password": PASSWORD, "new_password": "short"},
     {"new_password"}),
    ("POST", "/api/password-resets", {"email": "not an email"}, {"email"}),
    ("POST", "/api/password-resets", {}, {"email"}),
    ("POST", "/api/password-resets/{reset}", {}, {"password"}),
    ("POST", "/api/invitations/{invitation}/accept", {}, {"name", "email", "password"}),
    ("POST", "/api/invitations/{invitation}/accept", {"name": "", "email": "eva",
                                                      "password": PASSWORD, "role": "chair"},
     {"name", "email", "role"}),
    ("POST", "/api/invitations/{invitation}/accept", {"name": "\u200b\u200b", "email":
                                                      "eva@example.org", "password": PASSWORD},
     {"name"}),
    ("GET", "/api/groups?limit=0&cursor=%21%21", None, {"limit", "cursor"}),
    ("GET", "/api/groups?limit=501&colour=red", None, {"limit", "colour"}),
    ("GET", "/api/me?after=-1", None, {"after"}),
]


@pytest.mark.parametrize("method, path, body, fields", BAD)
def test_bad_input_is_422_naming_each_field_and_writes_nothing(web, people, mesa, method, path,
                                                               body, fields):
    client, gid = mesa
    secret, _ = invite(client, people, gid)
    accounts = web.extensions["reciproca"].accounts
    reset = accounts.create_reset(people["ana"]["id"], timedelta(hours=1))
    values = {"gid": gid, "ana": people["ana"]["id"], "bea": people["bea"]["id"],
              "invitation": secret, "reset": reset}
    anonymous = path.startswith(("/api/invitations", "/api/password-resets"))
    before = log_position(web)
    answer = client.open(path.format(**values), method=method, json=body,
                         headers={} if anonymous else people["ana"]["auth"])
    assert answer.status_code == 422, answer.json
    assert set(answer.json["errors"]) == fields
    assert log_position(web) == before
    assert client.get(f"/api/invitations/{secret}").status_code == 200  # still unused
    assert accounts.person_by_email("eva@example.org") is None


def test_a_path_member_id_that_names_nobody_is_not_found(web, people, mesa):
    client, gid = mesa
    for member in ("not-a-uuid", people["carla"]["id"]):
        for action, body in (("remove", {"reason": "Motivo"}),
                             ("category", {"category": "carer"})):
            answer = client.post(f"/api/groups/{gid}/members/{member}/{action}",
                                 headers=people["ana"]["auth"], json=body)
            assert answer.status_code == 404, (member, action, answer.json)


def test_group_life_on_an_unknown_group_is_not_found(web, people, mesa):
    client, _ = mesa
    missing, auth = "0" * 8 + "-0000-4000-8000-" + "0" * 12, people["ana"]["auth"]
    for method, path, body in [
            ("POST", f"/api/groups/{missing}/invitations", {"category": "carer"}),
            ("GET", f"/api/groups/{missing}/invitations", None),
            ("DELETE", f"/api/groups/{missing}/invitations/{missing}", None),
            ("POST", f"/api/groups/{missing}/members/{people['ana']['id']}/leave", None),
            ("POST", f"/api/groups/{missing}/members/{people['bea']['id']}/remove",
             {"reason": "Motivo"}),
            ("POST", f"/api/groups/{missing}/members/{people['ana']['id']}/category",
             {"category": "carer"})]:
        answer = client.open(path, method=method, headers=auth, json=body)
        assert answer.status_code == 404, (path, answer.json)
