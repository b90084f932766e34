"""The live regions of pages without a browser: the power, principles and level pages name the
region their script asks for, and the region is the page's own partial drawn again (same
language, same reading mode, same charts), with the position it is folded up to; the meeting
screen with no proposal on it asks for the one just opened, with the note-taker's panel for
those who may record votes."""

import re

import pytest

from tests.helpers import folded
from tests.test_pages import browser, page, room  # noqa: F401  (a fixture)


@pytest.mark.parametrize("region, marker", [
    ("power", "<svg"), ("principles", 'class="principles"'), ("level", 'class="conditions"')])
def test_a_figures_page_and_its_live_region_draw_the_same_partial(web, people, room, region,
                                                                   marker):
    group_id, proposal_id = room
    client = browser(web, people["bea"], lang="en")
    html = page(client, f"/groups/{group_id}/{region}")
    url = f"/groups/{group_id}/figures/{region}"
    assert f'data-figures-url="{url}"' in html and f'data-group="{group_id}"' in html
    shown = int(re.search(r'data-position="(\d+)"', html).group(1))
    first = client.get(url).json
    assert first["position"] == shown and marker in first["html"]
    assert first["announce"] == "The figures were updated."
    assert first["html"].strip() in html  # exactly what the page shows inside #figures
    api = web.test_client()
    api.post(f"/api/proposals/{proposal_id}/votes", headers=people["ana"]["auth"],
             json={"position": "for"})
    position = api.post(f"/api/proposals/{proposal_id}/close",
                        headers=people["ana"]["auth"]).json["position"]
    later = client.get(f"{url}?after={position}").json
    assert later["position"] == position and later["html"] != first["html"]


def test_the_region_speaks_the_page_language_and_easy_read(web, people, room):
    group_id, _ = room
    client = browser(web, people["bea"])
    assert "Entre los lados" in client.get(f"/groups/{group_id}/figures/power").json["html"]
    assert client.get(f"/groups/{group_id}/figures/power").json["announce"] == (
        "Se actualizaron las cifras.")
    client.get("/easy-read/on")
    assert 'class="easy-note"' in client.get(f"/groups/{group_id}/figures/power").json["html"]


def test_a_page_as_of_a_position_is_not_live_and_strangers_get_no_region(web, people, room):
    group_id, _ = room
    client = browser(web, people["bea"])
    assert "data-figures-url" not in page(client, f"/groups/{group_id}/power?at=1")
    assert client.get(f"/groups/{group_id}/figures/report").status_code == 404
    assert client.get(f"/groups/{group_id}/figures/power?after=99999999").status_code == 200
    stranger = browser(web, people["carla"])
    assert stranger.get(f"/groups/{group_id}/figures/power").status_code == 404


def test_the_meeting_screen_with_nothing_on_it_gets_the_proposal_just_opened(web, people):
    api, ana, bea = web.test_client(), people["ana"], people["bea"]
    group_id = api.post("/api/groups", headers=ana["auth"], json={
        "name": "Mesa", "purpose": "p", "category": "service_user",
        "decision_rule": {"rule": "majority", "quorum": "1/2"}}).json["id"]
    api.post(f"/api/groups/{group_id}/members", headers=ana["auth"],
             json={"email": bea["email"], "category": "professional"})
    chair, member = browser(web, ana), browser(web, bea)
    folded(web)
    screen = page(chair, f"/groups/{group_id}/meeting")
    url = f"/groups/{group_id}/meeting/current"
    assert 'data-current=""' in screen and f'data-meeting-url="{url}"' in screen
    assert chair.get(url).json["id"] is None
    proposal_id = api.post(f"/api/groups/{group_id}/proposals", headers=bea["auth"], json={
        "title": "Huerto <b>ya</b>", "body": "b", "scope": "design"}).json["id"]
    folded(web)
    now = chair.get(url).json
    assert now["id"] == proposal_id and "Huerto &lt;b&gt;ya&lt;/b&gt;" in now["html"]
    assert now["announce"] == "Ahora se decide: Huerto <b>ya</b>"  # shown with textContent
    assert f'action="/proposals/{proposal_id}/vote"' in now["notes"]  # the chair records
    assert 'data-tally="' + proposal_id in now["html"]
    assert member.get(url).json["notes"].strip() == ""  # a member does not record for others
