"""Browser writes: a cookie's changes must come from this site (Origin or Sec-Fetch-Site) as
well as carry the CSRF token; HSTS when served over https (directly or via trusted proxies)."""

import pytest

from tests.conftest import PASSWORD
from webapp.app import create_app

GROUP = {"name": "Mesa", "purpose": "p", "category": "carer",
         "decision_rule": {"rule": "majority"}}


def signed_in(flask_app, people, **request_options):
    """A test client signed in with Ana's cookie, and the CSRF header for her changes."""
    client = flask_app.test_client()
    answer = client.post("/api/session", json={"email": people["ana"]["email"],
                                               "password": PASSWORD}, **request_options)
    assert answer.status_code == 201
    return client, {"X-CSRF-Token": answer.json["csrf_token"]}


def events(flask_app) -> int:
    return flask_app.extensions["reciproca"].app.recorder.max_notification_id() or 0


@pytest.mark.parametrize("headers, status", [
    ({"Origin": "https://evil.example"}, 403),
    ({"Origin": "http://localhost.evil.example"}, 403),
    ({"Origin": "http://localhost:8080"}, 403),
    ({"Sec-Fetch-Site": "cross-site"}, 403),
    ({"Sec-Fetch-Site": "same-site"}, 403),
    ({"Origin": "null", "Sec-Fetch-Site": "cross-site"}, 403),  # a sandboxed frame
    ({"Origin": "http://localhost", "Sec-Fetch-Site": "cross-site"}, 403),
    ({"Origin": "http://localhost"}, 201),
    ({"Origin": "HTTP://LOCALHOST:80"}, 201),
    ({"Sec-Fetch-Site": "same-origin"}, 201),
    ({"Origin": "null", "Sec-Fetch-Site": "same-origin"}, 201),  # a no-referrer page's form
    ({"Origin": "null"}, 201),  # it says nothing: the CSRF token decides
    ({}, 201),  # no browser said where it came from: the CSRF token decides
])
def test_a_cookies_change_must_come_from_this_site(web, people, headers, status):
    client, csrf = signed_in(web, people)
    before = events(web)
    answer = client.post("/api/groups", json=GROUP, headers={**csrf, **headers})
    assert answer.status_code == status, answer.json
    if status == 403:
        assert "origin" in answer.json["errors"] and events(web) == before


def test_the_public_url_names_the_site_when_it_is_set(people_at):
    flask_app = people_at(PUBLIC_URL="https://reciproca.example.org")
    https = {"base_url": "https://localhost"}  # the cookie is Secure: sent over https only
    client, csrf = signed_in(flask_app, people_at.people, **https)
    assert client.post("/api/groups", json=GROUP, headers={
        **csrf, "Origin": "https://localhost"}, **https).status_code == 403
    assert client.post("/api/groups", json=GROUP, headers={
        **csrf, "Origin": "https://reciproca.example.org"}, **https).status_code == 201


def test_signing_in_from_another_site_is_refused_and_tokens_need_no_origin(web, people):
    client = web.test_client()
    answer = client.post("/api/session", headers={"Origin": "https://evil.example"},
                         json={"email": people["ana"]["email"], "password": PASSWORD})
    assert answer.status_code == 403 and "Set-Cookie" not in answer.headers
    scripted = client.post("/api/groups", json=GROUP,
                           headers={**people["ana"]["auth"], "Origin": "https://evil.example"})
    assert scripted.status_code == 201  # a browser never adds the Authorization header


def test_hsts_is_sent_over_https_only(web):
    plain = web.test_client().get("/api/openapi.json")
    assert "Strict-Transport-Security" not in plain.headers
    secure = web.test_client().get("/api/openapi.json", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
    forged = web.test_client().get("/api/openapi.json", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in forged.headers  # no trusted proxy: ignored


def test_behind_a_trusted_proxy_its_https_counts(people_at):
    flask_app = people_at(TRUSTED_PROXIES=1)
    answer = flask_app.test_client().get("/api/openapi.json",
                                         headers={"X-Forwarded-Proto": "https"})
    assert answer.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_the_number_of_trusted_proxies_is_checked(sqlite_url, monkeypatch):
    monkeypatch.setenv("RECIPROCA_DATABASE_URL", sqlite_url)
    for bad in ("-1", "one", "99"):
        monkeypatch.setenv("RECIPROCA_TRUSTED_PROXIES", bad)
        with pytest.raises(RuntimeError, match="RECIPROCA_TRUSTED_PROXIES"):
            create_app({"SECRET_KEY": "k" * 40})


@pytest.fixture
def people_at(sqlite_url, monkeypatch):
    """An app with these settings and Ana's account (token and password)."""
    opened = []

    def make(**config):
        monkeypatch.setenv("RECIPROCA_DATABASE_URL", sqlite_url)
        flask_app = create_app({"SECRET_KEY": "test-" + "k" * 40, **config})
        opened.append(flask_app)
        accounts = flask_app.extensions["reciproca"].accounts
        person_id = accounts.add_person("ana@example.org", "Ana", PASSWORD)
        make.people = {"ana": {"email": "ana@example.org", "auth": {
            "Authorization": f"Bearer {accounts.create_token(person_id)}"}}}
        return flask_app

    yield make
    for flask_app in opened:
        flask_app.extensions["reciproca"].close()


def test_a_page_form_from_another_site_is_refused_as_a_page(web, people):
    from tests.test_pages import csrf_of

    client = web.test_client()
    token = csrf_of(client.get("/signin").get_data(as_text=True))
    form = {"csrf_token": token, "email": people["ana"]["email"], "password": PASSWORD}
    foreign = client.post("/signin", data=form, headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403 and "text/html" in foreign.content_type
    assert client.get("/groups").status_code == 302  # not signed in
    assert client.post("/signin", data=form, headers={"Origin": "http://localhost"}
                       ).status_code == 303


def test_a_sign_in_page_during_a_flood_asks_to_retry(web, people, monkeypatch):
    from tests.test_pages import csrf_of
    from webapp.passwords import HashingBusy

    def busy(*args, **kwargs):
        raise HashingBusy()

    monkeypatch.setattr(web.extensions["reciproca"].accounts, "sign_in", busy)
    client = web.test_client()
    token = csrf_of(client.get("/signin").get_data(as_text=True))
    answer = client.post("/signin", data={"csrf_token": token, "password": PASSWORD,
                                          "email": people["ana"]["email"]})
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "1"
    api = client.post("/api/session", json={"email": people["ana"]["email"],
                                             "password": PASSWORD})
    assert api.status_code == 503 and api.headers["Retry-After"] == "1"
