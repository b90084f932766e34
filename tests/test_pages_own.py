"""The pages of what a member does about themself and their own proposals, without a browser:
amending and withdrawing one's proposal, changing one's category, leaving, roles, one's
password. Each form needs the CSRF token, is refused (and writes nothing) for anyone the domain
refuses, answers with the API's status and names what was wrong in the page's language."""

import re

import pytest

from tests.conftest import PASSWORD
from tests.test_pages import MAJORITY, browser, csrf_of, page


@pytest.fixture
def room(web, people):
    """Ana (chair, a person who uses the service) and Bea (a professional) in one group, with
    an open proposal of Ana's that nobody voted on; Carla is outside it."""
    api, ana = web.test_client(), people["ana"]
    group_id = api.post("/api/groups", headers=ana["auth"], json={
        "name": "Mesa", "purpose": "Salud mental", "category": "service_user",
        "decision_rule": MAJORITY}).json["id"]
    api.post(f"/api/groups/{group_id}/members", headers=ana["auth"],
             json={"email": people["bea"]["email"], "category": "professional"})
    proposal_id = api.post(f"/api/groups/{group_id}/proposals", headers=ana["auth"], json={
        "title": "Horario de tarde", "body": "Abrir de 17 a 20", "scope": "delivery"}).json["id"]
    return group_id, proposal_id


def events(web) -> int:
    return web.extensions["reciproca"].app.recorder.max_notification_id() or 0


def domain(web):
    return web.extensions["reciproca"].app


def error_text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


# Amending and withdrawing one's own proposal -----------------------------------------------

def test_the_proposer_amends_from_the_page_and_every_version_is_kept(web, people, room):
    group_id, proposal_id = room
    ana = browser(web, people["ana"])
    html = page(ana, f"/proposals/{proposal_id}")
    assert f'href="/proposals/{proposal_id}/amend"' in html
    form = page(ana, f"/proposals/{proposal_id}/amend")
    assert 'value="Horario de tarde"' in form and "Abrir de 17 a 20</textarea>" in form
    done = ana.post(f"/proposals/{proposal_id}/amend", data={
        "csrf_token": csrf_of(form), "form": "amend", "title": "Horario de tarde <b>y</b> noche",
        "body": "Abrir de 17 a 22", "back": f"/proposals/{proposal_id}"})
    assert done.status_code == 303 and done.headers["Location"] == f"/proposals/{proposal_id}"
    html = page(ana, f"/proposals/{proposal_id}")
    assert "Tu propuesta ha cambiado." in html
    assert "<h1>Horario de tarde &lt;b&gt;y&lt;/b&gt; noche</h1>" in html
    assert len(domain(web).proposal(proposal_id).versions) == 2


def test_amending_is_refused_to_others_without_csrf_after_a_vote_and_for_an_empty_title(
        web, people, room):
    group_id, proposal_id = room
    bea, ana = browser(web, people["bea"]), browser(web, people["ana"], lang="en")
    html = page(bea, f"/proposals/{proposal_id}")
    assert "/amend" not in html and "/withdraw" not in html  # not her proposal
    assert bea.get(f"/proposals/{proposal_id}/amend").status_code == 403
    before = events(web)
    forged = bea.post(f"/proposals/{proposal_id}/amend", data={
        "csrf_token": csrf_of(html), "title": "Mío", "body": "b"})
    assert forged.status_code == 403 and events(web) == before
    form = page(ana, f"/proposals/{proposal_id}/amend")
    assert ana.post(f"/proposals/{proposal_id}/amend",
                    data={"title": "t", "body": "b"}).status_code == 400
    empty = ana.post(f"/proposals/{proposal_id}/amend", data={
        "csrf_token": csrf_of(form), "form": "amend", "title": "", "body": "Still here"})
    assert empty.status_code == 422
    assert re.search(r'id="amend-title-error"[^>]*>Please fill this in', error_text(empty))
    assert "Still here</textarea>" in empty.get_data(as_text=True) and events(web) == before
    bea.post(f"/proposals/{proposal_id}/vote", data={"csrf_token": csrf_of(html),
                                                     "position": "for"})
    assert "/amend" not in page(ana, f"/proposals/{proposal_id}")
    late = ana.post(f"/proposals/{proposal_id}/amend", data={
        "csrf_token": csrf_of(form), "form": "amend", "title": "Late", "body": "b"})
    assert late.status_code == 409
    assert "It can no longer be changed: someone voted." in error_text(late)
    assert len(domain(web).proposal(proposal_id).versions) == 1


def test_withdrawing_asks_first_and_only_the_proposer_may(web, people, room):
    group_id, proposal_id = room
    bea, ana, carla = (browser(web, people[name]) for name in ("bea", "ana", "carla"))
    assert bea.get(f"/proposals/{proposal_id}/withdraw").status_code == 403
    assert carla.get(f"/proposals/{proposal_id}/withdraw").status_code == 404
    before = events(web)
    token = csrf_of(page(bea, f"/groups/{group_id}"))
    assert bea.post(f"/proposals/{proposal_id}/withdraw",
                    data={"csrf_token": token}).status_code == 403
    outsider = csrf_of(page(carla, "/groups"))
    assert carla.post(f"/proposals/{proposal_id}/withdraw",
                      data={"csrf_token": outsider}).status_code == 404
    confirm = page(ana, f"/proposals/{proposal_id}/withdraw")
    assert "¿Retirar «Horario de tarde»?" in confirm and "No se puede deshacer." in confirm
    assert ana.post(f"/proposals/{proposal_id}/withdraw", data={}).status_code == 400
    assert events(web) == before and domain(web).proposal(proposal_id).status == "open"
    done = ana.post(f"/proposals/{proposal_id}/withdraw", data={
        "csrf_token": csrf_of(confirm), "form": "withdraw",
        "back": f"/proposals/{proposal_id}"})
    assert done.status_code == 303
    assert domain(web).proposal(proposal_id).status == "withdrawn"
    html = page(ana, f"/proposals/{proposal_id}")
    assert "Tu propuesta ha sido retirada." in html and "/withdraw" not in html
    again = ana.post(f"/proposals/{proposal_id}/withdraw", data={
        "csrf_token": csrf_of(confirm), "form": "withdraw"})
    assert again.status_code == 409 and "Sí, retirar" not in again.get_data(as_text=True)


# One's own category and leaving --------------------------------------------------------------

def test_a_member_changes_their_own_category_and_the_group_page_shows_it(web, people, room):
    group_id, _ = room
    bea = browser(web, people["bea"])
    assert f'href="/groups/{group_id}/me"' in page(bea, f"/groups/{group_id}")
    form = page(bea, f"/groups/{group_id}/me")
    assert re.search(r'value="professional"\s+checked', form)
    done = bea.post(f"/groups/{group_id}/me/category", data={
        "csrf_token": csrf_of(form), "form": "category", "category": "carer",
        "back": f"/groups/{group_id}"})
    assert done.status_code == 303
    html = page(bea, f"/groups/{group_id}")
    assert "Tu categoría ha cambiado." in html
    assert domain(web).group(group_id).category_of(people["bea"]["id"]) == "carer"
    same = bea.post(f"/groups/{group_id}/me/category", data={
        "csrf_token": csrf_of(form), "form": "category", "category": "carer"})
    assert same.status_code == 422
    assert re.search(r'id="category-category-error"[^>]*>No se ha podido hacer: '
                     r'la categoría del miembro ya es familiar o persona cuidadora',
                     error_text(same))
    unknown = bea.post(f"/groups/{group_id}/me/category", data={
        "csrf_token": csrf_of(form), "form": "category", "category": "king"})
    assert unknown.status_code == 422 and "Debe ser uno de:" in error_text(unknown)
    assert bea.post(f"/groups/{group_id}/me/category",
                    data={"category": "manager"}).status_code == 400
    assert domain(web).group(group_id).category_of(people["bea"]["id"]) == "carer"


def test_outsiders_and_auditors_have_no_place_to_change_or_leave(web, people, room):
    group_id, _ = room
    api = web.test_client()
    assert api.post(f"/api/groups/{group_id}/auditors", headers=people["ana"]["auth"],
                    json={"email": people["carla"]["email"]}).status_code == 201
    carla = browser(web, people["carla"])
    token = csrf_of(page(carla, "/groups"))
    assert carla.get(f"/groups/{group_id}").status_code == 200  # she audits: she reads
    assert f'href="/groups/{group_id}/me"' not in page(carla, f"/groups/{group_id}")
    before = events(web)
    for path in ("me", "leave"):
        assert carla.get(f"/groups/{group_id}/{path}").status_code == 403
    assert carla.post(f"/groups/{group_id}/leave",
                      data={"csrf_token": token}).status_code == 403
    assert carla.post(f"/groups/{group_id}/me/category",
                      data={"csrf_token": token, "category": "carer"}).status_code == 403
    assert events(web) == before
    people_of_another = browser(web, people["bea"])
    other = api.post("/api/groups", headers=people["carla"]["auth"], json={
        "name": "Otra", "purpose": "p", "category": "carer",
        "decision_rule": MAJORITY}).json["id"]
    assert people_of_another.get(f"/groups/{other}/me").status_code == 404
    assert people_of_another.post(f"/groups/{other}/leave", data={
        "csrf_token": csrf_of(page(people_of_another, "/groups"))}).status_code == 404


def test_leaving_asks_first_and_the_last_chair_is_told_what_to_do(web, people, room):
    group_id, _ = room
    ana, bea = browser(web, people["ana"]), browser(web, people["bea"], lang="en")
    confirm = page(ana, f"/groups/{group_id}/leave")
    assert "¿Salir de «Mesa»?" in confirm and "necesitas una invitación nueva" in confirm
    last = ana.post(f"/groups/{group_id}/leave", data={"csrf_token": csrf_of(confirm),
                                                       "form": "leave"})
    assert last.status_code == 409
    assert "antes, pasa la presidencia a otra persona" in error_text(last)
    assert people["ana"]["id"] in domain(web).group(group_id).members
    form = page(bea, f"/groups/{group_id}/leave")
    assert "Leave “Mesa”?" in form
    assert bea.post(f"/groups/{group_id}/leave", data={"form": "leave"}).status_code == 400
    done = bea.post(f"/groups/{group_id}/leave", data={
        "csrf_token": csrf_of(form), "form": "leave", "back": "/groups"})
    assert done.status_code == 303 and done.headers["Location"] == "/groups"
    assert "You left the group." in page(bea, "/groups")
    assert people["bea"]["id"] not in domain(web).group(group_id).members
    assert bea.get(f"/groups/{group_id}").status_code == 404


# Roles -----------------------------------------------------------------------------------------

def test_a_chair_changes_a_role_at_once_and_others_may_only_propose_it(web, people, room):
    group_id, _ = room
    ana, bea = browser(web, people["ana"]), browser(web, people["bea"])
    assert f'href="/groups/{group_id}/roles"' in page(bea, f"/groups/{group_id}")
    hers = page(bea, f"/groups/{group_id}/roles")
    assert 'id="role-proposal"' in hers and 'id="role"' not in hers
    before = events(web)
    refused = bea.post(f"/groups/{group_id}/roles", data={
        "csrf_token": csrf_of(hers), "form": "role", "member_id": people["bea"]["id"],
        "role": "chair", "action": "assign"})
    assert refused.status_code == 403 and events(web) == before
    assert "No puedes hacer esto en este grupo." in error_text(refused)
    chair = page(ana, f"/groups/{group_id}/roles")
    assert 'id="role"' in chair
    assert ana.post(f"/groups/{group_id}/roles", data={
        "member_id": people["bea"]["id"], "role": "note_taker",
        "action": "assign"}).status_code == 400
    done = ana.post(f"/groups/{group_id}/roles", data={
        "csrf_token": csrf_of(chair), "form": "role", "member_id": people["bea"]["id"],
        "role": "note_taker", "action": "assign", "back": f"/groups/{group_id}/roles"})
    assert done.status_code == 303
    assert domain(web).group(group_id).roles_of(people["bea"]["id"]) == ["member", "note_taker"]
    assert "El rol ha cambiado." in page(ana, f"/groups/{group_id}/roles")
    twice = ana.post(f"/groups/{group_id}/roles", data={
        "csrf_token": csrf_of(chair), "form": "role", "member_id": people["bea"]["id"],
        "role": "note_taker", "action": "assign"})
    assert twice.status_code == 422
    assert re.search(r'id="role-role-error"[^>]*>No se ha podido hacer: '
                     r'el miembro ya tiene el rol toma de notas', error_text(twice))


def test_a_member_proposes_a_role_change_that_the_group_then_decides(web, people, room):
    group_id, _ = room
    bea = browser(web, people["bea"])
    form = page(bea, f"/groups/{group_id}/roles")
    done = bea.post(f"/groups/{group_id}/roles/proposal", data={
        "csrf_token": csrf_of(form), "form": "role-proposal", "member_id": people["bea"]["id"],
        "role": "facilitator", "action": "assign", "body": "Me gustaría facilitar"})
    assert done.status_code == 303
    html = page(bea, f"/groups/{group_id}")
    assert "Dar a Bea el rol: facilitación" in html
    listed = web.test_client().get(f"/api/groups/{group_id}/proposals?status=open",
                                   headers=people["ana"]["auth"]).json["proposals"]
    tabled = [p for p in listed if p["kind"] == "role_change"]
    assert [(p["title"], p["scope"]) for p in tabled] == [
        ("Dar a Bea el rol: facilitación", "governance")]
    empty = bea.post(f"/groups/{group_id}/roles/proposal", data={
        "csrf_token": csrf_of(form), "form": "role-proposal", "member_id": people["bea"]["id"],
        "role": "facilitator", "action": "assign", "body": ""})
    assert empty.status_code == 422
    assert re.search(r'id="role-proposal-body-error"[^>]*>Rellena este campo', error_text(empty))


# One's password --------------------------------------------------------------------------------

def test_changing_ones_password_needs_the_current_one_and_a_good_new_one(web, people):
    ana = browser(web, people["ana"])
    other_device = browser(web, people["ana"])
    assert 'href="/account"' in page(ana, "/groups")
    form = page(ana, "/account")
    assert "ana@example.org" in form
    new = "a quiet walk by the river"
    assert ana.post("/account/password", data={
        "current_password": PASSWORD, "new_password": new,
        "new_password_again": new}).status_code == 400
    cases = [
        ({"current_password": "wrong password here"}, 422, "current_password",
         "No se ha podido hacer: la contraseña actual no es correcta"),
        ({"new_password_again": "something else entirely"}, 422, "new_password_again",
         "Las dos contraseñas nuevas no son iguales"),
        ({"current_password": ""}, 422, "current_password", "Rellena este campo"),
    ]
    for change, status, field, message in cases:
        data = {"csrf_token": csrf_of(form), "current_password": PASSWORD,
                "new_password": new, "new_password_again": new, **change}
        refused = ana.post("/account/password", data=data)
        assert refused.status_code == status, change
        assert re.search(rf'id="{field}-error"[^>]*>{message}', error_text(refused)), change
    weak = ana.post("/account/password", data={
        "csrf_token": csrf_of(form), "current_password": PASSWORD,
        "new_password": "password1234", "new_password_again": "password1234"})
    assert weak.status_code == 422
    assert re.search(r'id="new_password-error"[^>]*>No se ha podido hacer: '
                     r'la contraseña es demasiado común', error_text(weak))
    assert web.extensions["reciproca"].accounts.sign_in(
        people["ana"]["email"], PASSWORD, "127.0.0.1")  # unchanged so far
    done = ana.post("/account/password", data={
        "csrf_token": csrf_of(form), "current_password": PASSWORD, "new_password": new,
        "new_password_again": new})
    assert done.status_code == 303
    assert "Tu contraseña ha cambiado." in page(ana, "/account")  # this session carries on
    assert other_device.get("/groups").status_code == 302  # the other one ended
    assert web.extensions["reciproca"].accounts.sign_in(people["ana"]["email"], new, "127.0.0.1")


# A chair removing another member ---------------------------------------------------------------

def test_a_chair_removes_a_member_with_a_reason_after_confirming(web, people, room):
    group_id, _ = room
    ana, bea = browser(web, people["ana"]), browser(web, people["bea"])
    bea_id, ana_id = people["bea"]["id"], people["ana"]["id"]
    assert "/remove" not in page(bea, f"/groups/{group_id}/roles")
    assert bea.get(f"/groups/{group_id}/members/{ana_id}/remove").status_code == 403
    before = events(web)
    token = csrf_of(page(bea, f"/groups/{group_id}/roles"))
    assert bea.post(f"/groups/{group_id}/members/{ana_id}/remove", data={
        "csrf_token": token, "form": "remove", "reason": "Porque sí"}).status_code == 403
    roles = page(ana, f"/groups/{group_id}/roles")
    assert f'href="/groups/{group_id}/members/{bea_id}/remove"' in roles
    assert f"/members/{ana_id}/remove" not in roles  # leaving oneself is elsewhere
    assert ana.get(f"/groups/{group_id}/members/{ana_id}/remove").status_code == 404
    confirm = page(ana, f"/groups/{group_id}/members/{bea_id}/remove")
    assert "¿Dar de baja a Bea del grupo?" in confirm
    assert ana.post(f"/groups/{group_id}/members/{bea_id}/remove",
                    data={"reason": "r"}).status_code == 400
    empty = ana.post(f"/groups/{group_id}/members/{bea_id}/remove", data={
        "csrf_token": csrf_of(confirm), "form": "remove", "reason": ""})
    assert empty.status_code == 422
    assert re.search(r'id="remove-reason-error"[^>]*>Rellena este campo', error_text(empty))
    assert events(web) == before
    done = ana.post(f"/groups/{group_id}/members/{bea_id}/remove", data={
        "csrf_token": csrf_of(confirm), "form": "remove", "reason": "No vino en un año <b>",
        "back": f"/groups/{group_id}/roles"})
    assert done.status_code == 303
    assert bea_id not in domain(web).group(group_id).members
    html = page(ana, f"/groups/{group_id}")
    assert "No vino en un año &lt;b&gt;" in html


# Founding a group ------------------------------------------------------------------------------

def test_anyone_signed_in_founds_a_group_and_becomes_its_chair(web, people):
    carla = browser(web, people["carla"])
    html = page(carla, "/groups")
    assert 'href="/groups/new"' in html
    assert web.test_client().get("/groups/new").status_code == 302  # signed out: sign in first
    form = page(carla, "/groups/new")
    before = events(web)
    assert carla.post("/groups/new", data={"name": "Mesa", "purpose": "p",
                                           "category": "carer"}).status_code == 400
    wrong = carla.post("/groups/new", data={
        "csrf_token": csrf_of(form), "name": "", "purpose": "Cuidar juntos",
        "category": "carer", "rule": "supermajority", "threshold": "1/3"})
    assert wrong.status_code == 422 and events(web) == before
    text = error_text(wrong)
    assert re.search(r'id="found-name-error"[^>]*>Rellena este campo', text)
    assert re.search(r'id="found-decision_rule-error"[^>]*>el umbral debe ser mayor que 1/2', text)
    assert "Cuidar juntos</textarea>" in text
    done = carla.post("/groups/new", data={
        "csrf_token": csrf_of(form), "name": "Mesa <i>de</i> cuidados",
        "purpose": "Cuidar juntos", "category": "carer", "rule": "consent", "quorum": "2/3"})
    assert done.status_code == 303
    group_id = done.headers["Location"].rsplit("/", 1)[1]
    group = domain(web).group(group_id)
    assert "chair" in group.roles_of(people["carla"]["id"])
    assert (group.decision_rule.rule, str(group.decision_rule.quorum)) == ("consent", "2/3")
    html = page(carla, f"/groups/{group_id}")
    assert "Tu grupo está fundado." in html and "Mesa &lt;i&gt;de&lt;/i&gt; cuidados" in html


# Proposing another decision rule ---------------------------------------------------------------

def test_a_member_proposes_another_rule_and_it_applies_once_carried(web, people, room):
    group_id, _ = room
    bea, carla = browser(web, people["bea"]), browser(web, people["carla"])
    assert f'href="/groups/{group_id}/rule"' in page(bea, f"/groups/{group_id}")
    form = page(bea, f"/groups/{group_id}/rule")
    assert "Mayoría: se aprueba cuando hay más votos a favor que en contra." in form
    assert carla.get(f"/groups/{group_id}/rule").status_code == 404
    before = events(web)
    assert carla.post(f"/groups/{group_id}/rule", data={
        "csrf_token": csrf_of(page(carla, "/groups")), "rule": "consensus",
        "body": "b"}).status_code == 404
    assert bea.post(f"/groups/{group_id}/rule", data={"rule": "consensus",
                                                      "body": "b"}).status_code == 400
    wrong = bea.post(f"/groups/{group_id}/rule", data={
        "csrf_token": csrf_of(form), "form": "rule-proposal", "rule": "consensus",
        "quorum": "3/2", "body": "Decidir entre todas"})
    assert wrong.status_code == 422 and events(web) == before
    assert re.search(r'id="rule-proposal-rule_change-error"[^>]*>el quórum debe estar entre 0 y 1',
                     error_text(wrong))
    done = bea.post(f"/groups/{group_id}/rule", data={
        "csrf_token": csrf_of(form), "form": "rule-proposal", "rule": "consensus",
        "quorum": "", "body": "Decidir entre todas"})
    assert done.status_code == 303
    api, auth = web.test_client(), people["ana"]["auth"]
    tabled = [p for p in api.get(f"/api/groups/{group_id}/proposals?status=open",
                                 headers=auth).json["proposals"] if p["kind"] == "rule_change"]
    assert [p["title"] for p in tabled] == ["Decidir desde ahora por consenso"]
    for who in ("ana", "bea"):
        api.post(f"/api/proposals/{tabled[0]['id']}/votes", headers=people[who]["auth"],
                 json={"position": "for"})
    assert api.post(f"/api/proposals/{tabled[0]['id']}/close", headers=auth).status_code == 200
    assert domain(web).group(group_id).rule["rule"] == "consensus"
    assert "Consenso: se aprueba cuando" in page(bea, f"/groups/{group_id}/rule")


# Asking for a reset link, signed out -----------------------------------------------------------

def test_a_forgotten_password_page_answers_alike_for_any_email_and_mails_a_link(web, people):
    from datetime import timedelta

    client = web.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"
    step = client.post("/signin", data={
        "csrf_token": csrf_of(page(client, "/signin")), "email": people["ana"]["email"]})
    assert 'href="/password-reset"' in step.get_data(as_text=True)
    form = page(client, "/password-reset")
    assert client.post("/password-reset", data={"email": "ana@example.org"}).status_code == 400
    bad = client.post("/password-reset", data={"csrf_token": csrf_of(form), "email": "ana"})
    assert bad.status_code == 422
    assert re.search(r'id="email-error"[^>]*>Escribe el correo', error_text(bad))
    accounts = web.extensions["reciproca"].accounts
    answers = [client.post("/password-reset", data={"csrf_token": csrf_of(form), "email": email})
               for email in ("nadie@example.org", "ana@example.org")]
    assert [a.status_code for a in answers] == [202, 202]
    texts = [error_text(a).replace(email, "E") for a, email in
             zip(answers, ("nadie@example.org", "ana@example.org"))]
    assert texts[0] == texts[1] and "le hemos enviado un enlace" in texts[0]  # alike
    assert accounts.reset_asked_within(people["ana"]["id"], timedelta(minutes=5))
    assert not accounts.reset_asked_within(people["bea"]["id"], timedelta(minutes=5))


def test_a_forgotten_password_page_without_mail_says_whom_to_ask(sqlite_url, monkeypatch):
    from webapp.app import create_app

    monkeypatch.setenv("RECIPROCA_DATABASE_URL", sqlite_url)
    monkeypatch.delenv("RECIPROCA_SMTP_URL", raising=False)
    web = create_app({"SECRET_KEY": "test-" + "k" * 40, "PRODUCTION": True})
    try:
        client, https = web.test_client(), {"base_url": "https://localhost"}  # secure cookie
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        form = client.get("/password-reset", **https).get_data(as_text=True)
        answer = client.post("/password-reset", data={"csrf_token": csrf_of(form),
                                                      "email": "ana@example.org"}, **https)
        assert answer.status_code == 503
        assert "This server cannot send mail." in error_text(answer)
    finally:
        web.extensions["reciproca"].close()


# Bringing people in: links, admitting, auditors ------------------------------------------------

def test_a_chair_makes_an_invitation_link_sees_it_once_and_withdraws_it(web, people, room):
    group_id, _ = room
    ana, bea = browser(web, people["ana"]), browser(web, people["bea"])
    assert 'href="/groups/{}/people"'.format(group_id) not in page(bea, f"/groups/{group_id}")
    assert bea.get(f"/groups/{group_id}/people").status_code == 403
    token = csrf_of(page(bea, f"/groups/{group_id}"))
    assert bea.post(f"/groups/{group_id}/people/invitation", data={
        "csrf_token": token, "category": "carer"}).status_code == 403
    assert f'href="/groups/{group_id}/people"' in page(ana, f"/groups/{group_id}")
    form = page(ana, f"/groups/{group_id}/people")
    assert ana.post(f"/groups/{group_id}/people/invitation",
                    data={"category": "carer"}).status_code == 400
    wrong = ana.post(f"/groups/{group_id}/people/invitation", data={
        "csrf_token": csrf_of(form), "form": "invite", "category": "carer",
        "expires_in_days": "45", "note": "Para Dora"})
    assert wrong.status_code == 422
    assert re.search(r'id="invite-expires_in_days-error"[^>]*>Debe ser mayor o igual que 1',
                     error_text(wrong))
    assert 'value="Para Dora"' in wrong.get_data(as_text=True)
    made = ana.post(f"/groups/{group_id}/people/invitation", data={
        "csrf_token": csrf_of(form), "form": "invite", "category": "carer", "role": "observer",
        "expires_in_days": "3", "note": "Para <b>Dora</b>"})
    assert made.status_code == 201
    html = made.get_data(as_text=True)
    link = re.search(r'id="invite-link" value="([^"]+)"', html).group(1)
    assert "/invitations/" in link and "<svg" in html
    assert "Para &lt;b&gt;Dora&lt;/b&gt;" in html
    assert link.rsplit("/", 1)[1] not in page(ana, f"/groups/{group_id}/people")  # shown once
    [open_] = web.extensions["reciproca"].invitations.open_ones(group_id)
    assert (open_["category"], open_["role"]) == ("carer", "observer")
    assert bea.post(f"/groups/{group_id}/invitations/{open_['invitation_id']}/withdraw",
                    data={"csrf_token": token}).status_code == 403
    listing = page(ana, f"/groups/{group_id}/people")
    done = ana.post(f"/groups/{group_id}/invitations/{open_['invitation_id']}/withdraw",
                    data={"csrf_token": csrf_of(listing)})
    assert done.status_code == 303
    assert web.extensions["reciproca"].invitations.open_ones(group_id) == []
    assert "La invitación se ha retirado" in page(ana, f"/groups/{group_id}/people")
    assert web.test_client().get(link.split("localhost", 1)[1]).status_code == 410


def test_a_chair_admits_someone_with_an_account_and_appoints_an_auditor(web, people, room):
    group_id, _ = room
    ana = browser(web, people["ana"])
    accounts = web.extensions["reciproca"].accounts
    accounts.add_person("dora@example.org", "Dora", PASSWORD)
    form = page(ana, f"/groups/{group_id}/people")
    unknown = ana.post(f"/groups/{group_id}/people/admit", data={
        "csrf_token": csrf_of(form), "form": "admit", "email": "eva@example.org",
        "category": "community", "role": "member"})
    assert unknown.status_code == 422
    assert re.search(r'id="admit-email-error"[^>]*>ninguna cuenta tiene este correo',
                     error_text(unknown))
    done = ana.post(f"/groups/{group_id}/people/admit", data={
        "csrf_token": csrf_of(form), "form": "admit", "email": "dora@example.org",
        "category": "community", "role": "observer",
        "back": f"/groups/{group_id}/people"})
    assert done.status_code == 303
    dora = accounts.person_by_email("dora@example.org")["person_id"]
    assert domain(web).group(group_id).roles_of(dora) == ["observer"]
    member_as_auditor = ana.post(f"/groups/{group_id}/people/auditor", data={
        "csrf_token": csrf_of(form), "form": "auditor", "email": "dora@example.org"})
    assert member_as_auditor.status_code == 422
    assert ana.post(f"/groups/{group_id}/people/auditor", data={
        "form": "auditor", "email": "carla@example.org"}).status_code == 400
    appointed = ana.post(f"/groups/{group_id}/people/auditor", data={
        "csrf_token": csrf_of(form), "form": "auditor", "email": "carla@example.org",
        "back": f"/groups/{group_id}/people"})
    assert appointed.status_code == 303
    assert people["carla"]["id"] in domain(web).group(group_id).auditors
