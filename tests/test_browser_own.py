"""In a real browser (Debian's chromium): a proposer amends and withdraws their proposal in
English, a member changes category and leaves in Spanish, a chair gives a role and a member
proposes one, a chair removes a member, someone founds a group, a member proposes another rule,
a reset link is asked for, a password is changed with the keyboard only; axe-core finds no WCAG
A/AA violation on any of these pages in either language."""

import re

import pytest

from tests.conftest import PASSWORD
from tests.test_browser import WCAG, chromium, group, member, shot  # noqa: F401 (fixtures)

from axe_playwright_python.sync_playwright import Axe  # noqa: E402  (after the importorskip)


@pytest.fixture
def proposal(web, people, group):
    return web.test_client().post(f"/api/groups/{group}/proposals", headers=people["ana"]["auth"],
                                  json={"title": "Huerto", "body": "En la azotea",
                                        "scope": "design"}).json["id"]


def test_a_proposer_amends_then_withdraws_after_confirming_in_english(chromium, served, group,
                                                                      proposal, people, web):
    ana = member(chromium, served, people["ana"], lang="en-GB")
    ana.goto(f"{served}/proposals/{proposal}")
    ana.click("text=Change my proposal")
    assert ana.input_value("#amend-title") == "Huerto"
    ana.fill("#amend-title", "Huerto comunitario")
    ana.fill("#amend-body", "En la azotea, <b>los sábados</b>")
    ana.click("#amend button[type=submit]")
    ana.locator("h1", has_text="Huerto comunitario").wait_for()
    assert "The earlier version stays in the record." in ana.locator(".flash").inner_text()
    assert ana.locator(".versions li").count() == 2
    assert ana.locator("main .body").first.inner_text() == "En la azotea, <b>los sábados</b>"
    ana.click("text=Withdraw my proposal…")
    assert ana.locator("h1").inner_text() == "Withdraw “Huerto comunitario”?"
    ana.click("text=No, keep it open")  # changing one's mind changes nothing
    assert web.extensions["reciproca"].app.proposal(proposal).status == "open"
    ana.click("text=Withdraw my proposal…")
    ana.click("text=Yes, withdraw my proposal")
    ana.locator(".flash", has_text="Your proposal was withdrawn.").wait_for()
    assert web.extensions["reciproca"].app.proposal(proposal).status == "withdrawn"
    assert ana.locator("text=Withdraw my proposal…").count() == 0
    assert ana.dialogs == []


def test_a_member_changes_category_and_leaves_in_spanish(chromium, served, group, people, web):
    bea = member(chromium, served, people["bea"])
    bea.goto(f"{served}/groups/{group}")
    bea.click("text=Cambiar mi categoría, o salir del grupo")
    assert bea.locator("text=Participas como: profesional del servicio.").count() == 1
    bea.check("input[name=category][value=community]")
    bea.click("text=Guardar mi categoría")
    bea.locator(".flash", has_text="Tu categoría ha cambiado.").wait_for()
    members = bea.locator("section[aria-labelledby=members-heading]")
    assert "Bea" in members.locator("h3:has-text('Vecindad y comunidad') + ul").inner_text()
    assert web.extensions["reciproca"].app.group(group).category_of(
        people["bea"]["id"]) == "community"
    bea.click("text=Cambiar mi categoría, o salir del grupo")
    bea.click("text=Salir del grupo…")
    assert bea.locator("h1").inner_text() == "¿Salir de «Mesa del barrio»?"
    shot(bea, "leave-es")
    bea.click("text=Sí, salir del grupo")
    bea.wait_for_url(re.compile(r"/groups$"))
    assert "Has salido del grupo." in bea.locator(".flash").inner_text()
    assert people["bea"]["id"] not in web.extensions["reciproca"].app.group(group).members


def test_the_last_chair_is_told_to_hand_over_the_chair_first(chromium, served, group, people):
    ana = member(chromium, served, people["ana"])
    ana.goto(f"{served}/groups/{group}/leave")
    ana.click("text=Sí, salir del grupo")
    alert = ana.locator("#leave [role=alert]")
    alert.wait_for()
    assert "pasa la presidencia a otra persona" in alert.inner_text()


def test_a_chair_gives_a_role_and_a_member_proposes_one(chromium, served, group, people, web):
    ana = member(chromium, served, people["ana"])
    ana.goto(f"{served}/groups/{group}")
    ana.click("text=Los roles en el grupo")
    ana.select_option("#role-member", people["bea"]["id"])
    ana.select_option("#role-role", "note_taker")
    ana.click("text=Cambiar el rol")
    ana.locator(".flash", has_text="El rol ha cambiado.").wait_for()
    row = ana.locator("table.roles tr", has_text="Bea")
    assert "toma de notas" in row.inner_text()
    bea = member(chromium, served, people["bea"])
    bea.goto(f"{served}/groups/{group}/roles")
    assert bea.locator("#role").count() == 0  # only a chair changes roles at once
    bea.select_option("#role-proposal-member", people["bea"]["id"])
    bea.select_option("#role-proposal-role", "note_taker")
    bea.check("#role-proposal input[name=action][value=revoke]")
    bea.fill("#role-proposal-body", "Prefiero votar sin tomar notas")
    bea.click("#role-proposal button[type=submit]")
    bea.locator("article.proposal", has_text="Quitar a Bea el rol: toma de notas").wait_for()


def test_a_chair_removes_a_member_giving_a_reason_in_english(chromium, served, group, people,
                                                            web):
    ana = member(chromium, served, people["ana"], lang="en-GB")
    ana.goto(f"{served}/groups/{group}/roles")
    ana.click("text=Remove Bea…")
    assert ana.locator("h1").inner_text() == "Remove Bea from the group?"
    ana.fill("#remove-reason", "She asked us to, by phone")
    ana.click("text=Yes, remove Bea")
    ana.locator(".flash", has_text="The member was removed.").wait_for()
    assert ana.locator("table.roles tr", has_text="Bea").count() == 0
    assert people["bea"]["id"] not in web.extensions["reciproca"].app.group(group).members


def test_someone_founds_a_group_in_spanish_and_chairs_it(chromium, served, people, web):
    carla = member(chromium, served, people["carla"])
    carla.click("text=Fundar un grupo")
    carla.fill("#found-name", "Mesa de cuidados")
    carla.fill("#found-purpose", "Cuidar juntos del barrio")
    carla.check("input[name=category][value=carer]")
    carla.select_option("#found-rule", "consensus")
    carla.click("text=Fundar el grupo")
    carla.locator(".flash", has_text="Tu grupo está fundado.").wait_for()
    assert carla.locator("h1").inner_text() == "Mesa de cuidados"
    group_id = carla.url.rsplit("/", 1)[1]
    assert "chair" in web.extensions["reciproca"].app.group(group_id).roles_of(
        people["carla"]["id"])


def test_a_member_proposes_another_rule_in_english(chromium, served, group, people, web):
    bea = member(chromium, served, people["bea"], lang="en-GB")
    bea.goto(f"{served}/groups/{group}")
    bea.click("text=How the group decides")
    assert "Majority: it passes when more vote for than against." in bea.inner_text("main")
    bea.select_option("#rule-proposal-rule", "supermajority")
    bea.fill("#rule-proposal-threshold", "3/4")
    bea.fill("#rule-proposal-body", "Big changes need more of us")
    bea.click("#rule-proposal button[type=submit]")
    card = bea.locator("article.proposal", has_text="Decide from now on by qualified majority")
    card.wait_for()
    assert "Your proposal was tabled." in bea.locator(".flash").inner_text()


def test_a_forgotten_password_link_is_asked_for_in_spanish(chromium, served, people, web):
    from datetime import timedelta

    context = chromium.new_context(locale="es-ES", extra_http_headers={"Accept-Language": "es"})
    page = context.new_page()
    page.goto(served + "/signin")
    page.fill("#email", people["carla"]["email"])
    page.keyboard.press("Enter")
    page.click("text=He olvidado mi contraseña")
    assert page.input_value("#email") == ""  # nothing about the account is carried over
    page.fill("#email", people["carla"]["email"])
    page.click("text=Enviarme un enlace")
    page.locator("[role=status]", has_text="le hemos enviado un enlace").wait_for()
    assert web.extensions["reciproca"].accounts.reset_asked_within(people["carla"]["id"],
                                                                   timedelta(minutes=5))
    context.close()


def test_changing_ones_password_with_the_keyboard_only(chromium, served, group, people, web):
    page = member(chromium, served, people["bea"], lang="en-GB")
    page.keyboard.press("Tab")  # the skip link
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "My account":
            break
    else:
        pytest.fail("'My account' was not reachable with Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/account$"))
    new = "a quiet walk along the river"
    typed = {"current_password": PASSWORD, "new_password": new, "new_password_again": new}
    for _ in range(30):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.id")
        if focused in typed:
            page.keyboard.type(typed.pop(focused))
        if not typed:
            break
    page.keyboard.press("Enter")  # submits the form from its last field
    page.locator(".flash", has_text="Your password was changed.").wait_for()
    assert web.extensions["reciproca"].accounts.sign_in(people["bea"]["email"], new, "127.0.0.1")


@pytest.mark.parametrize("lang", ["es-ES", "en-GB"])
def test_the_new_pages_have_no_wcag_a_or_aa_violation(chromium, served, group, proposal, people,
                                                      lang):
    ana = member(chromium, served, people["ana"], lang=lang)
    axe, found = Axe(), {}
    paths = [f"/proposals/{proposal}/amend", f"/proposals/{proposal}/withdraw",
             f"/groups/{group}/me", f"/groups/{group}/leave", f"/groups/{group}/roles",
             f"/groups/{group}/members/{people['bea']['id']}/remove", "/account",
             "/groups/new", f"/groups/{group}/rule", "/password-reset",
             f"/groups/{group}/people"]
    for path in paths:
        ana.goto(served + path)
        violations = [v for v in axe.run(ana).response["violations"] if WCAG & set(v["tags"])]
        if violations:
            found[path] = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in violations]
    ana.goto(f"{served}/groups/{group}/people")  # a new link shown once, with its QR code
    ana.click("#invite button[type=submit]")
    ana.locator("#invite-link").wait_for()
    assert "/invitations/" in ana.input_value("#invite-link")
    violations = [v["id"] for v in axe.run(ana).response["violations"] if WCAG & set(v["tags"])]
    if violations:
        found["a new invitation link"] = violations
    ana.goto(f"{served}/account")  # with errors shown beside the fields
    ana.click("#password button[type=submit]")
    ana.locator("#current_password-error", has_text=re.compile(".+")).wait_for()
    violations = [v["id"] for v in axe.run(ana).response["violations"] if WCAG & set(v["tags"])]
    if violations:
        found["/account with errors"] = violations
    assert found == {}
