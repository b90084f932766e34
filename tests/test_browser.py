"""The pages in a real browser (Debian's chromium, headless) against the app served on a free
port: two members decide together and watch each other live, in Spanish and English, with the
keyboard only, in easy-read and on the meeting screen; axe-core finds no WCAG A/AA violation
on any page in either language; text with markup is shown inert everywhere. Screenshots go to
`artifacts/screenshots/` (not tracked)."""

import os
import re
from pathlib import Path

import pytest

from tests.conftest import PASSWORD

playwright = pytest.importorskip("playwright.sync_api")
from axe_playwright_python.sync_playwright import Axe  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]
SHOTS = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"
NASTY = '<img src=x onerror=alert(1)><script>alert(2)</script>'
WCAG = {"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"}
TIMEOUT = 20_000  # ms: generous on a busy machine; never an assertion about speed


@pytest.fixture(scope="module")
def chromium():
    if not os.path.exists(CHROMIUM):
        pytest.fail("Debian's chromium is missing: apt-get install chromium fonts-dejavu-core "
                    "(.ci/run does this); a browser is never downloaded")
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def group(web, people):
    """Ana (chair, a person who uses the service) and Bea (a professional and facilitator)."""
    api = web.test_client()
    ana, bea = people["ana"], people["bea"]
    group_id = api.post("/api/groups", headers=ana["auth"], json={
        "name": "Mesa del barrio", "purpose": "Salud mental comunitaria",
        "category": "service_user",
        "decision_rule": {"rule": "majority", "quorum": "1/2"}}).json["id"]
    api.post(f"/api/groups/{group_id}/members", headers=ana["auth"],
             json={"email": bea["email"], "category": "professional"})
    api.post(f"/api/groups/{group_id}/roles", headers=ana["auth"],
             json={"member_id": bea["id"], "role": "facilitator", "action": "assign"})
    return group_id


def member(chromium, served, person, *, lang="es-ES", width=1280):
    context = chromium.new_context(viewport={"width": width, "height": 900}, locale=lang,
                                   extra_http_headers={"Accept-Language": lang})
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(served + "/signin")
    page.fill("#email", person["email"])
    page.keyboard.press("Enter")
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/groups$"))
    return page


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_two_members_decide_together_and_each_sees_the_other_live(chromium, served, group,
                                                                  people):
    ana = member(chromium, served, people["ana"])
    bea = member(chromium, served, people["bea"])
    for page in (ana, bea):
        page.goto(f"{served}/groups/{group}")
        page.locator('main[data-live="open"]').wait_for(state="attached")  # the websocket
    bea.click("text=Registrar una aportación")
    bea.fill("#contribute-description", "Borrador que no se pierde")  # a draft in progress

    ana.click("text=Escribir una propuesta nueva")
    ana.fill("#table-title", "Horario de tarde")
    ana.fill("#table-body", "Abrir los martes hasta las 20:00")
    ana.click("#table button[type=submit]")
    card = bea.locator("article.proposal", has_text="Horario de tarde")
    card.wait_for()  # Bea sees the proposal appear without reloading
    ana.locator("article.proposal", has_text="Horario de tarde").locator(
        "button.vote-for").click()
    bea.locator("#record li", has_text="Ana votó a favor de «Horario de tarde»").wait_for()
    assert card.locator('[data-count="for"]').inner_text() == "1"
    assert bea.locator("#announcer").inner_text().strip()  # announced politely
    assert bea.input_value("#contribute-description") == "Borrador que no se pierde"
    shot(bea, "group-live-es")

    card.locator("a", has_text="Comentar").click()  # Bea comments on the proposal's page
    bea.fill("#comment-body", "¿Y los jueves?")
    bea.click("#comment button[type=submit]")
    bea.locator(".comments .body", has_text="¿Y los jueves?").wait_for()
    ana.locator("#record li", has_text="Bea comentó «Horario de tarde»").wait_for()
    bea.go_back()
    card = bea.locator("article.proposal", has_text="Horario de tarde")
    card.locator("textarea").fill("Mejor los jueves")
    card.locator("button.vote-against").click()
    ana.locator("#record li", has_text="Bea votó en contra de «Horario de tarde»").wait_for()
    ana_card = ana.locator("article.proposal", has_text="Horario de tarde")
    assert ana_card.locator('[data-count="against"]').inner_text() == "1"
    card.locator("text=Cerrar la votación y decidir").click()
    for page in (ana, bea):
        page.locator("#record li", has_text="Se cerró «Horario de tarde»: rechazada").wait_for()
        status = page.locator("article.proposal", has_text="Horario de tarde").locator(
            "[data-status]")
        assert status.inner_text() == "rechazada"
    for page in (ana, bea):
        page.goto(f"{served}/groups/{group}/power")
        agenda = page.locator("table.figures").nth(1).locator("tr", has_text="Personas usuarias")
        assert "100 %" in agenda.locator("td").nth(1).inner_text()  # Ana's agenda share
    shot(ana, "power-es")
    assert ana.dialogs == [] and bea.dialogs == []


def test_switching_to_english_and_back_is_remembered(chromium, served, group, people):
    page = member(chromium, served, people["ana"])
    page.goto(f"{served}/groups/{group}")
    page.click("text=English")
    assert page.locator("h2#open-heading").inner_text() == "Open proposals"
    page.goto(f"{served}/groups/{group}/level")
    assert page.locator("html").get_attribute("lang") == "en"
    shot(page, "level-en")
    page.click("text=Español")
    assert page.locator("h1").inner_text() == "Nivel de coproducción"


def test_voting_with_the_keyboard_only(chromium, served, group, people, web):
    web.test_client().post(f"/api/groups/{group}/proposals", headers=people["ana"]["auth"],
                           json={"title": "Taller de cocina", "body": "Los viernes",
                                 "scope": "design"})
    page = member(chromium, served, people["bea"])
    page.goto(f"{served}/groups/{group}")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")  # the skip link takes the keyboard to the main content
    for _ in range(60):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.textContent.trim()")
        if focused == "A favor":
            break
    else:
        pytest.fail("the vote button was not reachable with Tab")
    page.keyboard.press("Enter")
    page.locator("#record li", has_text="Bea votó a favor de «Taller de cocina»").wait_for()
    assert page.locator('[data-mine]').inner_text() == "Tu voto: A favor"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # focus stays visible, and stays where it was


def test_easy_read_is_a_remembered_switch(chromium, served, group, people):
    page = member(chromium, served, people["ana"], width=320)
    page.goto(f"{served}/groups/{group}/principles")
    page.click("text=Lectura fácil")
    assert "easy" in page.locator("body").get_attribute("class")
    assert page.locator(".easy-note", has_text="Todas las personas aportan algo").count() == 1
    page.goto(f"{served}/groups/{group}/power")
    assert page.locator(".easy-note", has_text="de cada").count() >= 1
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320  # nothing wider than a small phone
    shot(page, "power-easy-320")


def test_meeting_mode_shows_the_qr_code_and_tallies_live(chromium, served, group, people, web):
    web.test_client().post(f"/api/groups/{group}/proposals", headers=people["ana"]["auth"],
                           json={"title": "Fiesta de primavera", "body": "En abril",
                                 "scope": "delivery"})
    screen = member(chromium, served, people["ana"])
    screen.goto(f"{served}/groups/{group}/meeting")
    assert screen.locator(".qr svg path").count() >= 1
    assert screen.locator(".qr svg title").text_content() == "Escanea para abrir Reciproca"
    assert screen.locator("h2.huge").inner_text() == "Fiesta de primavera"
    phone = member(chromium, served, people["bea"], width=360)
    phone.goto(f"{served}/groups/{group}")
    phone.locator("article.proposal button.vote-for").click()
    screen.locator('.meeting-tally [data-count="for"]', has_text="1").wait_for()
    screen.select_option("#record-voter", label="Ana")
    screen.locator("#record-vote button.vote-abstain").click()
    screen.locator('.meeting-tally [data-count="abstain"]', has_text="1").wait_for()
    shot(screen, "meeting-es")


def test_text_with_markup_is_shown_inert_in_every_field(chromium, served, group, people):
    page = member(chromium, served, people["ana"])
    page.goto(f"{served}/groups/{group}")
    page.click("text=Escribir una propuesta nueva")
    page.fill("#table-title", NASTY)
    page.fill("#table-body", NASTY)
    page.click("#table button[type=submit]")
    card = page.locator("article.proposal").first
    card.wait_for()
    card.locator("textarea").fill(NASTY)
    card.locator("button.vote-block").click()
    page.click("text=Registrar una aportación")
    page.fill("#contribute-description", NASTY)
    page.fill("#contribute-tags", "<b>x</b>, <script>y</script>")
    page.click("#contribute button[type=submit]")
    page.locator("#record li", has_text="Ana ofrece:").wait_for()
    page.click("text=Reflexionar sobre los seis principios")
    page.select_option("#reflect-reciprocity", "4")
    page.fill("#reflect-comment", NASTY)
    page.click("#reflect button[type=submit]")
    page.locator("#record li", has_text="compartió una reflexión").wait_for()
    proposal = served + page.locator("article.proposal h3 a").first.get_attribute("href")
    for url in (f"{served}/groups/{group}", f"{served}/groups/{group}/meeting",
                f"{served}/groups/{group}/audit", proposal):
        page.goto(url)
        assert page.locator("img[src=x]").count() == 0
        assert page.get_by_text(NASTY, exact=False).count() >= 1
    assert page.dialogs == []


PAGES = ["/groups", "/groups/{g}", "/groups/{g}/power", "/groups/{g}/power/agenda/service_user",
         "/groups/{g}/principles", "/groups/{g}/level", "/groups/{g}/audit",
         "/groups/{g}/meeting", "/proposals/{p}", "/help"]


@pytest.mark.parametrize("lang", ["es-ES", "en-GB"])
def test_no_page_has_a_wcag_a_or_aa_violation(chromium, served, group, people, web, lang):
    api, auth = web.test_client(), people["ana"]["auth"]
    proposal = api.post(f"/api/groups/{group}/proposals", headers=auth, json={
        "title": "Huerto", "body": "En la azotea", "scope": "design"}).json["id"]
    api.post(f"/api/proposals/{proposal}/votes", headers=auth,
             json={"position": "for", "reason": "Nos hace falta"})
    api.post(f"/api/proposals/{proposal}/close", headers=auth)
    api.post(f"/api/groups/{group}/proposals", headers=auth, json={
        "title": "Buzón de sugerencias", "body": "En la entrada", "scope": "delivery"})
    page = member(chromium, served, people["ana"], lang=lang)
    axe, found = Axe(), {}
    for path in ["/signin"] + PAGES:
        page.goto(served + path.format(g=group, p=proposal))
        violations = [v for v in axe.run(page).response["violations"]
                      if WCAG & set(v["tags"])]
        if violations:
            found[path] = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in violations]
    page.click("text=" + ("Lectura fácil" if lang.startswith("es") else "Easy read"))
    for path in ("/groups/{g}", "/groups/{g}/power"):
        page.goto(served + path.format(g=group, p=proposal))
        violations = [v["id"] for v in axe.run(page).response["violations"]
                      if WCAG & set(v["tags"])]
        if violations:
            found["easy " + path] = violations
    assert found == {}


def test_a_dropped_connection_says_so_calmly_and_catches_up_by_position(chromium, served, group,
                                                                         people, web):
    page = member(chromium, served, people["bea"])
    page.goto(f"{served}/groups/{group}")
    page.locator('main[data-live="open"]').wait_for(state="attached")
    page.click("text=Registrar una aportación")
    page.fill("#contribute-description", "Lo que estaba escribiendo")
    hub = web.extensions["reciproca_live"]
    hub.close_all()  # as when the server stops: sockets close, and new ones are refused
    page.locator("#live-status", has_text="Reconectando…").wait_for()
    web.test_client().post(f"/api/groups/{group}/proposals", headers=people["ana"]["auth"],
                           json={"title": "Mientras tanto", "body": "b", "scope": "design"})
    page.locator("#record li", has_text="Ana presentó la propuesta «Mientras tanto»").wait_for()
    hub.closing = False  # the server is back
    page.locator('main[data-live="open"]').wait_for(state="attached")
    page.locator("#live-status").wait_for(state="hidden")
    assert page.input_value("#contribute-description") == "Lo que estaba escribiendo"
    assert page.locator("article.proposal", has_text="Mientras tanto").count() == 1
