"""The browser pages without a browser: sign in, forms with CSRF, names and sentences instead
of ids, user text inert, both languages, live changes by position, figures and meeting mode."""

import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from projections import queries
from tests.conftest import PASSWORD
from webapp.app import create_app

MAJORITY = {"rule": "majority", "quorum": "1/2"}
NASTY = '<script>alert("x")</script><b onmouseover=alert(1)>bold</b>'


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def browser(web, person, lang="es"):
    """A cookie client signed in through the two-step sign-in form."""
    client = web.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    page = client.get("/signin").get_data(as_text=True)
    step = client.post("/signin", data={"csrf_token": csrf_of(page), "email": person["email"]})
    assert 'type="password"' in step.get_data(as_text=True)
    done = client.post("/signin", data={"csrf_token": csrf_of(page), "email": person["email"],
                                        "password": PASSWORD, "next": "/groups"})
    assert done.status_code == 303 and done.headers["Location"] == "/groups"
    return client


@pytest.fixture
def room(web, people):
    """Ana's group with Bea (a professional) and an open proposal titled with markup."""
    api = web.test_client()
    ana, bea = people["ana"], people["bea"]
    group_id = api.post("/api/groups", headers=ana["auth"], json={
        "name": "Mesa <i>de</i> salud", "purpose": "Salud mental", "category": "service_user",
        "decision_rule": MAJORITY}).json["id"]
    api.post(f"/api/groups/{group_id}/members", headers=ana["auth"],
             json={"email": bea["email"], "category": "professional"})
    proposal_id = api.post(f"/api/groups/{group_id}/proposals", headers=ana["auth"], json={
        "title": NASTY, "body": "Abrir por la tarde", "scope": "delivery"}).json["id"]
    return group_id, proposal_id


def page(client, path, after=None):
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def test_signing_in_needs_the_right_password_and_says_so_in_spanish(web, people):
    client = web.test_client()
    token = csrf_of(client.get("/signin").get_data(as_text=True))
    wrong = client.post("/signin", data={"csrf_token": token, "email": people["ana"]["email"],
                                         "password": "nope"})
    assert wrong.status_code == 401
    assert "El correo o la contraseña no son correctos" in wrong.get_data(as_text=True)
    assert client.get("/groups").status_code == 302  # still signed out


def test_forms_without_the_csrf_token_are_refused(web, people, room):
    client = browser(web, people["bea"])
    group_id, proposal_id = room
    refused = client.post(f"/proposals/{proposal_id}/vote", data={"position": "for"})
    assert refused.status_code == 400
    assert "Bea votó" not in page(client, f"/groups/{group_id}")
    assert web.extensions["reciproca"].app.proposal(proposal_id).ballots == {}


def test_redirects_after_sign_in_stay_on_this_site(web, people):
    client = web.test_client()
    token = csrf_of(client.get("/signin").get_data(as_text=True))
    done = client.post("/signin", data={"csrf_token": token, "email": people["ana"]["email"],
                                        "password": PASSWORD, "next": "//evil.example/x"})
    assert done.headers["Location"] == "/groups"


def test_my_groups_lists_first_those_waiting_for_my_vote(web, people, room):
    api = web.test_client()
    quiet = api.post("/api/groups", headers=people["bea"]["auth"], json={
        "name": "Aaa tranquila", "purpose": "p", "category": "professional",
        "decision_rule": MAJORITY}).json["id"]
    html = page(browser(web, people["bea"]), "/groups")
    assert html.index("Mesa &lt;i&gt;de&lt;/i&gt; salud") < html.index("Aaa tranquila")
    assert "1 propuesta espera tu voto" in html and quiet in html


def test_the_group_page_speaks_in_names_and_sentences_and_keeps_user_text_inert(web, people,
                                                                                room):
    group_id, proposal_id = room
    response = browser(web, people["bea"]).get(f"/groups/{group_id}")
    html = response.get_data(as_text=True)
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "<script>alert" not in html and "<b onmouseover" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "Ana presentó la propuesta «&lt;script&gt;" in html
    assert "Ana dio la bienvenida a Bea como profesional del servicio." in html
    assert people["bea"]["id"] not in html  # people are named, never shown by id
    assert re.search(r"<h3[^>]*>Profesionales", html)


def test_a_vote_from_the_form_is_recorded_with_its_reason_and_shown(web, people, room):
    group_id, proposal_id = room
    client = browser(web, people["bea"])
    html = page(client, f"/groups/{group_id}")
    done = client.post(f"/proposals/{proposal_id}/vote", data={
        "csrf_token": csrf_of(html), "position": "against", "reason": NASTY,
        "back": f"/groups/{group_id}"})
    assert done.status_code == 303
    html = page(client, f"/groups/{group_id}")
    assert "Tu voto ha quedado registrado." in html
    assert "Bea votó en contra de «&lt;script&gt;" in html
    assert "Tu voto: En contra" in html
    assert '<blockquote class="reason">&lt;script&gt;' in html
    stored = web.extensions["reciproca"].app.proposal(proposal_id).ballots
    assert stored == {people["bea"]["id"]: "against"}


def test_a_refused_form_shows_the_error_beside_the_field_and_keeps_the_draft(web, people,
                                                                             room):
    group_id, _ = room
    client = browser(web, people["ana"])
    html = page(client, f"/groups/{group_id}")
    refused = client.post(f"/groups/{group_id}/proposals", data={
        "csrf_token": csrf_of(html), "form": "table", "title": "", "body": "Mi borrador largo",
        "scope": "delivery"})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert re.search(r'id="table-title-error"[^>]*>Rellena este campo', html)
    assert "Mi borrador largo</textarea>" in html


def test_scripts_get_json_answers_and_the_changes_after_a_position(web, people, room):
    group_id, proposal_id = room
    client = browser(web, people["bea"])
    html = page(client, f"/groups/{group_id}")
    since = int(re.search(r'data-position="(\d+)"', html).group(1))
    answer = client.post(f"/proposals/{proposal_id}/vote", headers={"Accept": "application/json"},
                         data={"csrf_token": csrf_of(html), "position": "for"})
    assert answer.json["ok"] and answer.json["position"] > since
    bad = client.post(f"/proposals/{proposal_id}/vote", headers={"Accept": "application/json"},
                      data={"csrf_token": csrf_of(html), "position": "maybe"})
    assert bad.status_code == 422 and "position" in bad.json["errors"]
    change = client.get(f"/groups/{group_id}/live?since={since}&known={proposal_id}").json
    assert change["position"] == answer.json["position"]
    assert change["announce"] == ["Bea votó a favor de «" + NASTY + "»."]
    assert "&lt;script&gt;" in change["entries"][0] and "<script>" not in change["entries"][0]
    assert change["proposals"][proposal_id]["tally"]["for"] == 1
    assert change["proposals"][proposal_id]["mine"] == "Tu voto: A favor"
    assert change["cards"] == []


def test_english_is_chosen_by_the_browser_or_the_switcher_and_remembered(web, people, room):
    group_id, _ = room
    client = browser(web, people["bea"], lang="en-GB,en;q=0.9")
    assert "Open proposals" in page(client, f"/groups/{group_id}")
    client.get("/language/es?next=/groups")
    assert "Propuestas abiertas" in page(client, f"/groups/{group_id}")
    assert client.get("/language/en?next=https://evil.example/").headers["Location"] == "/"


def test_easy_read_is_remembered_and_explains_figures_with_de_cada(web, people, room):
    group_id, _ = room
    client = browser(web, people["ana"])
    client.get("/easy-read/on")
    html = page(client, f"/groups/{group_id}/power")
    assert 'class="easy' in html and "1 quiere decir justo" in html
    # examples from the group's own numbers: Ana and Bea are 1 of every 2 members each
    assert "Por ejemplo: 1 de cada 2 miembros están en la categoría «Personas usuarias»." in html
    assert "Por ejemplo: 1 de cada 1 propuestas vienen de las personas usuarias." in html
    client.get("/easy-read/off")
    assert "1 quiere decir justo" not in page(client, f"/groups/{group_id}/power")


def test_figures_pages_draw_charts_with_tables_and_link_numbers_to_their_events(web, people,
                                                                              room):
    group_id, _ = room
    client = browser(web, people["ana"])
    html = page(client, f"/groups/{group_id}/power")
    assert html.count('role="img"') >= 2 and "<table" in html
    link = re.search(rf'href="(/groups/{group_id}/power/membership/service_user[^"]*)"', html)
    trace = page(client, link.group(1).replace("&amp;", "&"))
    assert "Ana fundó el grupo" in trace or "Ana se unió como persona usuaria" in trace
    principles = page(client, f"/groups/{group_id}/principles")
    for label in ("Adoptar un enfoque basado en los activos", "Borrar las distinciones",
                  "Facilitar en lugar de suministrar"):
        assert label in principles
    level = page(client, f"/groups/{group_id}/level")
    assert "Aún no hay registro suficiente" in level
    found = queries.level(web.extensions["reciproca"].runner.views, group_id)
    codes = [c["code"] for stage in found["conditions"].values() for c in stage]
    assert len(codes) >= 9 and not [code for code in codes if code in level]  # all in words


def test_the_audit_view_shows_the_record_as_of_a_position(web, people, room):
    group_id, proposal_id = room
    client = browser(web, people["ana"])
    html = page(client, f"/groups/{group_id}/audit")
    first = int(re.search(r'min="(\d+)"', html).group(1))
    early = page(client, f"/groups/{group_id}/audit?at={first}")
    assert "Ana fundó el grupo" in early and "presentó la propuesta" not in early
    assert "presentó la propuesta" in html


def test_meeting_mode_shows_a_qr_code_and_lets_the_chair_record_a_vote_given_in_person(
        web, people, room):
    group_id, proposal_id = room
    client = browser(web, people["ana"])
    html = page(client, f"/groups/{group_id}/meeting")
    assert '<svg viewBox' in html and 'class="segno"' in html
    assert "Toma de notas: registrar un voto dado en la sala" in html
    done = client.post(f"/proposals/{proposal_id}/vote", data={
        "csrf_token": csrf_of(html), "position": "for", "voter_id": people["bea"]["id"],
        "back": f"/groups/{group_id}/meeting"})
    assert done.status_code == 303 and done.headers["Location"].endswith("/meeting")
    assert "(Lo registró en la reunión Ana.)" in page(client, f"/groups/{group_id}")
    bea = browser(web, people["bea"])
    assert "Toma de notas" not in page(bea, f"/groups/{group_id}/meeting")
    bea_html = page(bea, f"/groups/{group_id}/meeting")
    assert "Mostrar el código de invitación" not in bea_html
    refused = bea.post(f"/groups/{group_id}/meeting", data={
        "csrf_token": csrf_of(bea_html), "category": "carer"})
    assert refused.status_code == 403 and "/invitations/" not in refused.get_data(as_text=True)

    # The chair shows an invitation's code: it opens the invitation page for that category.
    shown = client.post(f"/groups/{group_id}/meeting", data={
        "csrf_token": csrf_of(html), "category": "community", "proposal": proposal_id})
    text = shown.get_data(as_text=True)
    assert shown.status_code == 200 and "Escanea para entrar en este grupo" in text
    secret = re.search(r"/invitations/([A-Za-z0-9_-]+)<", text).group(1)
    offer = web.test_client().get(f"/api/invitations/{secret}").json
    assert offer["category"] == "community"


def test_people_outside_a_group_get_a_not_found_page(web, people, room):
    group_id, proposal_id = room
    client = browser(web, people["carla"])
    for path in (f"/groups/{group_id}", f"/proposals/{proposal_id}",
                 f"/groups/{group_id}/power", f"/groups/{group_id}/audit"):
        response = client.get(path)
        assert response.status_code == 404
        assert "Esta página no existe" in response.get_data(as_text=True)
    assert web.test_client().get(f"/groups/{group_id}").status_code == 302  # signed out


def test_the_proposal_page_explains_the_decision_in_a_sentence(web, people, room):
    group_id, proposal_id = room
    ana, bea = browser(web, people["ana"]), browser(web, people["bea"])
    for client, position, reason in ((bea, "against", "Primero no"), (bea, "for", "Ya sí"),
                                     (ana, "for", None)):
        html = page(client, f"/groups/{group_id}")
        client.post(f"/proposals/{proposal_id}/vote", data={
            "csrf_token": csrf_of(html), "position": position, "reason": reason or ""})
    client = ana
    client.post(f"/proposals/{proposal_id}/close", data={"csrf_token": csrf_of(
        page(client, f"/groups/{group_id}"))})
    html = page(client, f"/proposals/{proposal_id}")
    assert "La propuesta se aprobó. Participaron 2 de los 2 miembros con voto." in html
    assert "<dd>1 de cada 1 (100 %)</dd>" not in html and "<dd>100 %</dd>" in html  # turnout
    assert "Cambió su voto. Antes: En contra (<q>Primero no</q>)" in html
    assert "Mayoría: se aprueba cuando hay más votos a favor que en contra." in html


def test_comments_and_replies_from_the_proposal_page_are_shown_inert(web, people, room):
    group_id, proposal_id = room
    client = browser(web, people["bea"])
    html = page(client, f"/proposals/{proposal_id}")
    done = client.post(f"/proposals/{proposal_id}/comment", data={
        "csrf_token": csrf_of(html), "form": "comment", "body": NASTY,
        "back": f"/proposals/{proposal_id}"})
    assert done.status_code == 303 and done.headers["Location"] == f"/proposals/{proposal_id}"
    html = page(client, f"/proposals/{proposal_id}")
    assert '<p class="body">&lt;script&gt;alert(&#34;x&#34;)' in html
    comment_id = re.search(r'name="reply_to" value="([^"]+)"', html).group(1)
    ana = browser(web, people["ana"])
    ana.post(f"/proposals/{proposal_id}/comment", data={
        "csrf_token": csrf_of(page(ana, f"/proposals/{proposal_id}")), "body": "De acuerdo",
        "reply_to": comment_id})
    html = page(client, f"/proposals/{proposal_id}")
    assert re.search(r'class="replies"><li class="comment"><p class="who"><strong>Ana', html)
    assert "Bea comentó «&lt;script&gt;" in page(client, f"/groups/{group_id}")
    empty = client.post(f"/proposals/{proposal_id}/comment", data={
        "csrf_token": csrf_of(html), "form": "comment", "body": ""})
    assert empty.status_code == 422  # the proposal page again, the error beside the field
    assert re.search(r'id="comment-body-error"[^>]*>Rellena este campo',
                     empty.get_data(as_text=True))


def test_a_deadline_typed_in_local_time_is_kept_and_shown(web, people, room):
    group_id, _ = room
    client = browser(web, people["ana"])
    html = page(client, f"/groups/{group_id}")
    done = client.post(f"/groups/{group_id}/proposals", data={
        "csrf_token": csrf_of(html), "form": "table", "title": "Con plazo", "body": "b",
        "scope": "risk", "closes_at": "2099-03-01T18:30"})
    assert done.status_code == 422  # more than 90 days ahead: refused, beside the field
    assert 'id="table-closes_at-error"' in done.get_data(as_text=True)
    ahead = (datetime.now(timezone.utc) + timedelta(days=2)).astimezone(ZoneInfo("Europe/Madrid"))
    done = client.post(f"/groups/{group_id}/proposals", data={
        "csrf_token": csrf_of(html), "form": "table", "title": "Con plazo", "body": "b",
        "scope": "risk", "closes_at": ahead.strftime("%Y-%m-%dT%H:%M")})
    assert done.status_code == 303
    html = page(client, f"/groups/{group_id}")
    assert "se cierra sola el" in html and ahead.strftime("%H:%M") in html


@pytest.mark.parametrize("score", ["²", "9" * 5000, "-1", "1e3"])
def test_a_reflection_score_that_is_not_a_small_number_is_refused_beside_its_field(
        web, people, room, score):
    """A hand-made form value never reaches int() unbounded (a probe's 500s)."""
    group_id, _ = room
    client = browser(web, people["ana"])
    html = page(client, f"/groups/{group_id}")
    principle = re.search(r'name="score_(\w+)"', html).group(1)
    refused = client.post(f"/groups/{group_id}/contributions",
                          headers={"Accept": "application/json"},
                          data={"csrf_token": csrf_of(html), "kind": "reflection",
                                f"score_{principle}": score})
    assert refused.status_code == 422 and list(refused.json["errors"]) == ["scores"]
    assert all("{" not in message for message in refused.json["errors"]["scores"])


@pytest.mark.parametrize("query", [f"since={2**63}", f"since={10**30}", "since=-5", "since=²",
                                   f"at={2**63}", "at=x"])
def test_positions_in_a_page_address_beyond_the_log_are_ignored_not_a_failure(
        web, people, room, query):
    group_id, _ = room
    client = browser(web, people["ana"])
    if query.startswith("since"):
        change = client.get(f"/groups/{group_id}/live?{query}")
        assert change.status_code == 200 and change.json["entries"]  # read from the start
    else:
        assert "<svg" in page(client, f"/groups/{group_id}/power?{query}")


def test_a_form_refused_by_a_role_or_a_closed_proposal_has_the_apis_status(web, people, room):
    """A page's refusal is not always 422: a role that may not is 403, a closed proposal 409,
    as the API answers the same command (a probe saw 422 for a refused close)."""
    group_id, proposal_id = room
    bea, ana = browser(web, people["bea"]), browser(web, people["ana"])
    html = page(bea, f"/groups/{group_id}")
    scripted = {"Accept": "application/json"}
    close = bea.post(f"/proposals/{proposal_id}/close", headers=scripted,
                     data={"csrf_token": csrf_of(html)})
    assert close.status_code == 403 and close.json["errors"]["_"]
    as_page = bea.post(f"/proposals/{proposal_id}/close", data={"csrf_token": csrf_of(html)})
    assert as_page.status_code == 403 and "<form" in as_page.get_data(as_text=True)
    chair = page(ana, f"/groups/{group_id}")
    assert ana.post(f"/proposals/{proposal_id}/close", headers=scripted,
                    data={"csrf_token": csrf_of(chair)}).status_code == 200
    late = bea.post(f"/proposals/{proposal_id}/vote", headers=scripted,
                    data={"csrf_token": csrf_of(html), "position": "for"})
    assert late.status_code == 409


@pytest.mark.parametrize("email", ["ana\x00@example.org", "a" * 300 + "@example.org", "ana"])
def test_the_sign_in_form_refuses_an_email_the_api_refuses_on_both_databases(
        database_url, monkeypatch, email):
    """The page checks the email by the API's rule before any lookup (a NUL byte in it was a
    500 on PostgreSQL)."""
    monkeypatch.setenv("RECIPROCA_DATABASE_URL", database_url)
    web = create_app({"SECRET_KEY": "test-" + "k" * 40})
    try:
        client = web.test_client()
        token = csrf_of(client.get("/signin").get_data(as_text=True))
        for step in ({}, {"password": PASSWORD}):
            refused = client.post("/signin", data={"csrf_token": token, "email": email, **step})
            assert refused.status_code == 422
            assert 'aria-invalid="true"' in refused.get_data(as_text=True)
    finally:
        web.extensions["reciproca"].close()


def test_an_invitation_link_opens_a_page_to_join_with_or_without_an_account(web, people, room):
    group_id, _ = room
    api, ana = web.test_client(), people["ana"]

    def invitation(category="carer"):
        made = api.post(f"/api/groups/{group_id}/invitations", headers=ana["auth"],
                        json={"category": category})
        assert made.status_code == 201
        return made.json["url"].rsplit("/", 1)[1]

    secret = invitation()
    newcomer = web.test_client()
    newcomer.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"
    html = page(newcomer, f"/invitations/{secret}")
    assert "Te invitan a entrar en «Mesa &lt;i&gt;de&lt;/i&gt; salud»" in html
    assert "Participarías como familiar o persona cuidadora" in html and 'name="password"' in html
    form = {"csrf_token": csrf_of(html), "name": "Dolores", "email": "dolores@example.org"}
    short = newcomer.post(f"/invitations/{secret}", data={**form, "password": "corta"})
    assert short.status_code == 422 and "12" in short.get_data(as_text=True)
    assert web.extensions["reciproca"].accounts.person_by_email("dolores@example.org") is None
    joined = newcomer.post(f"/invitations/{secret}", data={**form, "password": PASSWORD + "!"})
    assert joined.status_code == 303 and joined.headers["Location"] == f"/groups/{group_id}"
    assert "Dolores" in page(newcomer, f"/groups/{group_id}")  # signed in, and a member

    used = web.test_client().get(f"/invitations/{secret}")
    assert used.status_code == 410 and "no funciona" in used.get_data(as_text=True)
    assert web.test_client().get(f"/invitations/{secret[:-4]}AAAA").status_code in (404, 410)

    carla = browser(web, people["carla"])  # signed in already: one button joins
    second = invitation("community")
    html = page(carla, f"/invitations/{second}")
    assert "Has entrado como Carla" in html and 'name="password"' not in html
    assert carla.post(f"/invitations/{second}",
                      data={"csrf_token": csrf_of(html)}).status_code == 303
    members = api.get(f"/api/groups/{group_id}", headers=ana["auth"]).json["members"]
    assert {m["name"] for m in members} >= {"Dolores", "Carla"}


def test_a_password_reset_link_opens_a_page_that_sets_the_new_password_once(web, people):
    accounts = web.extensions["reciproca"].accounts
    secret = accounts.create_reset(people["bea"]["id"], timedelta(hours=1))
    client = web.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"
    html = page(client, f"/password-reset/{secret}")
    assert "Elige una contraseña nueva" in html
    short = client.post(f"/password-reset/{secret}", data={"csrf_token": csrf_of(html),
                                                           "password": "corta"})
    assert short.status_code == 422 and "12" in short.get_data(as_text=True)
    done = client.post(f"/password-reset/{secret}", data={"csrf_token": csrf_of(html),
                                                          "password": "una frase nueva y larga"})
    assert done.status_code == 303 and done.headers["Location"] == "/signin"
    assert accounts.sign_in(people["bea"]["email"], "una frase nueva y larga", "127.0.0.1")
    again = client.post(f"/password-reset/{secret}", data={"csrf_token": csrf_of(html),
                                                           "password": "otra frase más larga"})
    assert again.status_code == 410


def test_the_group_page_offers_the_report_and_the_exports_to_download(web, people, room):
    group_id, _ = room
    client = browser(web, people["bea"])
    html = page(client, f"/groups/{group_id}")
    links = re.findall(r'href="(/api/groups/[^"]+/(?:export|report)[^"]*)" download', html)
    assert len(links) == 4
    for link in links:
        got = client.get(link.replace("&amp;", "&"))
        assert got.status_code == 200, link
        assert "attachment" in got.headers["Content-Disposition"]
    decisions = client.get(f"/api/groups/{group_id}/export?format=csv&table=decisions")
    assert decisions.data.startswith("\ufeff".encode())  # opens cleanly in spreadsheets
