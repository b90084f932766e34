"""The figures pages follow the group live in a real browser: one member has the power balance
(then the principles) open while another decides or contributes in her own browser; the figures
change in place, without a reload, focus stays where it was, an opened "see the evidence" stays
open, and the change is announced politely; in Spanish and in English; axe-core finds no WCAG A/AA
violation on the changed pages; easy read stays easy read. Screenshots go to `artifacts/screenshots/` (not tracked)."""

from axe_playwright_python.sync_playwright import Axe

from tests.test_browser import WCAG, chromium, group, member, shot  # noqa: F401  (fixtures)


def watching(page, url):
    """Open a live page, wait until its script has asked for what changed once the socket
    opened, and mark it: a reload or a navigation would lose the mark."""
    with page.expect_response(lambda r: "/figures/" in r.url or "/live?" in r.url):
        page.goto(url)
    page.locator('main[data-live="open"]').wait_for(state="attached")  # the websocket
    page.evaluate("window.reciprocaMark = 'still here'")
    page.navigations = []
    page.on("framenavigated", lambda frame: page.navigations.append(frame.url))


def not_reloaded(page) -> bool:
    return page.evaluate("window.reciprocaMark") == "still here" and page.navigations == []


def wcag_violations(page) -> list:
    return [(v["id"], [n["target"] for n in v["nodes"]][:3])
            for v in Axe().run(page).response["violations"] if WCAG & set(v["tags"])]


def contribute(page, served, group, description, *, label):
    page.goto(f"{served}/groups/{group}")
    page.click(f"text={label}")
    page.fill("#contribute-description", description)
    page.click("#contribute button[type=submit]")
    page.locator("#record li", has_text=description).wait_for()


def test_the_power_and_principles_pages_change_live_while_another_member_decides(
        chromium, served, group, people):
    ana = member(chromium, served, people["ana"])
    bea = member(chromium, served, people["bea"])
    watching(bea, f"{served}/groups/{group}/power")
    before = bea.inner_text("#figures")
    assert bea.inner_text("#announcer") == ""  # the region asked for on opening is the same
    table = bea.locator("#figures .table-wrap").first
    table.focus()  # Bea is reading the table with the keyboard

    ana.goto(f"{served}/groups/{group}")
    ana.click("text=Escribir una propuesta nueva")
    ana.fill("#table-title", "Horario de tarde")
    ana.fill("#table-body", "Abrir los martes hasta las 20:00")
    ana.click("#table button[type=submit]")
    card = ana.locator("article.proposal", has_text="Horario de tarde")
    card.locator("button.vote-for").click()
    ana.locator("#record li", has_text="Ana votó a favor de «Horario de tarde»").wait_for()
    card.locator("text=Cerrar la votación y decidir").click()
    ana.locator("#record li", has_text="Se cerró «Horario de tarde»: aprobada").wait_for()

    agenda = bea.locator("#figures table.figures").nth(1).locator(
        "tr", has_text="Personas usuarias").locator("td").nth(1)
    agenda.filter(has_text="100 %").wait_for()  # Ana's agenda share, without a reload
    assert bea.inner_text("#figures") != before and not_reloaded(bea)
    assert bea.evaluate("document.activeElement.matches('#figures .table-wrap')")
    assert bea.evaluate("document.activeElement.getAttribute('aria-labelledby')") == (
        "all-sides-caption")  # the same table as before, still focused
    bea.locator("#announcer", has_text="Se actualizaron las cifras.").wait_for(state="attached")
    assert wcag_violations(bea) == []
    shot(bea, "power-live-es")

    bea.click("nav.groupnav >> text=Principios")
    watching(bea, bea.url)
    evidence = bea.locator("#principle-asset_based")
    assert evidence.locator(".count").inner_text() == "0 evidencias en el registro"
    contribute(ana, served, group, "Sé cocinar para veinte personas",
               label="Registrar una aportación")
    evidence.locator(".count", has_text="1 evidencia en el registro").wait_for()
    summary = evidence.locator("summary")
    summary.focus()
    bea.keyboard.press("Enter")  # Bea opens the evidence with the keyboard
    assert evidence.locator("details").get_attribute("open") is not None
    contribute(ana, served, group, "Puedo traer sillas", label="Registrar una aportación")
    evidence.locator(".count", has_text="2 evidencias en el registro").wait_for()
    assert evidence.locator("details").get_attribute("open") is not None  # still open
    assert evidence.locator(".evidence li").count() == 2
    assert bea.evaluate("document.activeElement.matches('#principle-asset_based summary')")
    assert not_reloaded(bea) and wcag_violations(bea) == []
    shot(bea, "principles-live-es")
    assert ana.dialogs == [] and bea.dialogs == []


def test_in_english_and_easy_read_the_principles_page_follows_a_contribution_live(
        chromium, served, group, people):
    ana = member(chromium, served, people["ana"], lang="en-GB")
    bea = member(chromium, served, people["bea"], lang="en-GB", width=360)
    bea.goto(f"{served}/groups/{group}/principles")
    bea.click("text=Easy read")
    watching(bea, f"{served}/groups/{group}/principles")
    assert bea.locator("html").get_attribute("lang") == "en"
    notes = bea.locator("#figures .easy-note").count()
    assert notes >= 6  # one plain explanation per principle
    count = bea.locator("#principle-asset_based .count")
    assert count.inner_text() == "0 pieces of evidence in the record"
    contribute(ana, served, group, "I can cook for twenty", label="Record a contribution")
    count.filter(has_text="1 piece of evidence in the record").wait_for()
    bea.locator("#announcer", has_text="The figures were updated.").wait_for(state="attached")
    assert bea.locator("#figures .easy-note").count() == notes  # still in easy read
    assert "easy" in bea.locator("body").get_attribute("class")
    assert not_reloaded(bea) and wcag_violations(bea) == []
    assert bea.evaluate("document.documentElement.scrollWidth") <= 360
    shot(bea, "principles-live-easy-en")
    watching(bea, f"{served}/groups/{group}/power")
    assert wcag_violations(bea) == []


def test_after_a_dropped_connection_the_level_page_says_so_and_catches_up(chromium, served,
                                                                          group, people, web):
    bea = member(chromium, served, people["bea"])
    watching(bea, f"{served}/groups/{group}/level")
    before = bea.inner_text("#figures")
    hub = web.extensions["reciproca_live"]
    hub.close_all()  # as when the server stops: sockets close, and new ones are refused
    bea.locator("#live-status", has_text="Reconectando…").wait_for()
    api, auth = web.test_client(), people["ana"]["auth"]
    for title in ("Uno", "Dos", "Tres"):  # three decisions: a condition of the level is met
        proposal = api.post(f"/api/groups/{group}/proposals", headers=auth, json={
            "title": title, "body": "b", "scope": "design"}).json["id"]
        api.post(f"/api/proposals/{proposal}/votes", headers=auth, json={"position": "for"})
        api.post(f"/api/proposals/{proposal}/close", headers=auth)
    hub.closing = False  # the server is back
    bea.locator('main[data-live="open"]').wait_for(state="attached")
    bea.locator("#live-status").wait_for(state="hidden")
    bea.locator("#figures li.met", has_text="El grupo ha cerrado 3 decisiones").wait_for()
    assert "El grupo ha cerrado 0 decisiones" in before
    assert not_reloaded(bea)
    shot(bea, "level-caught-up-es")


def test_the_meeting_screen_shows_a_proposal_opened_after_it_was_put_up(chromium, served, group,
                                                                         people):
    screen = member(chromium, served, people["ana"])  # the chair's laptop on the shared screen
    watching(screen, f"{served}/groups/{group}/meeting")
    assert screen.locator("h2.huge").inner_text() == "Ahora no hay ninguna propuesta abierta."
    phone = member(chromium, served, people["bea"], width=360)
    phone.goto(f"{served}/groups/{group}")
    phone.click("text=Escribir una propuesta nueva")
    phone.fill("#table-title", "Fiesta de primavera")
    phone.fill("#table-body", "En abril")
    phone.click("#table button[type=submit]")
    screen.locator("h2.huge", has_text="Fiesta de primavera").wait_for()
    screen.locator("#announcer", has_text="Ahora se decide: Fiesta de primavera").wait_for(
        state="attached")
    screen.select_option("#record-voter", label="Ana")  # the note-taker's panel came with it
    screen.locator("#record-vote button.vote-for").click()
    screen.locator('.meeting-tally [data-count="for"]', has_text="1").wait_for()
    phone.locator("article.proposal", has_text="Fiesta de primavera").locator(
        "button.vote-against").click()
    screen.locator('.meeting-tally [data-count="against"]', has_text="1").wait_for()
    assert not_reloaded(screen) and wcag_violations(screen) == []
    shot(screen, "meeting-live-es")
