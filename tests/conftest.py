"""Fixtures: a real SQLite file per test, and a real PostgreSQL database per test session.

PostgreSQL comes from RECIPROCA_TEST_POSTGRES_URL. Without it the PostgreSQL cases are skipped,
unless RECIPROCA_REQUIRE_POSTGRES is set (as CI does): then they fail.
"""

import os
import threading
import uuid
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from hypothesis import settings
from werkzeug.serving import make_server

from webapp.app import create_app
from webapp.storage import close, initialise, open_application

PASSWORD = "correct horse battery"

settings.register_profile("reciproca", deadline=None, print_blob=True)
settings.load_profile("reciproca")


def _postgres_server_url() -> str | None:
    url = os.environ.get("RECIPROCA_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("RECIPROCA_REQUIRE_POSTGRES"):
            pytest.fail("RECIPROCA_REQUIRE_POSTGRES is set but RECIPROCA_TEST_POSTGRES_URL is not")
        pytest.skip("PostgreSQL not configured: set RECIPROCA_TEST_POSTGRES_URL to run these")
    return url


@pytest.fixture(scope="session")
def postgres_database():
    """A fresh database on the test server for this session, dropped at the end."""
    server = _postgres_server_url()
    name = f"reciproca_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = urlunsplit(urlsplit(server)._replace(path=f"/{name}"))
    initialise(url)
    yield url
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def _emptied(url: str) -> str:
    with psycopg.connect(url, autocommit=True) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        if tables:
            conn.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY")
    return url


@pytest.fixture
def postgres_url(postgres_database) -> str:
    """The session's PostgreSQL database, emptied for this test."""
    return _emptied(postgres_database)


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'events.sqlite'}"
    initialise(url)
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request, tmp_path) -> str:
    """Each test using this runs twice: on a real SQLite file and on PostgreSQL."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return _emptied(request.getfixturevalue("postgres_database"))


@pytest.fixture
def app(sqlite_url):
    application = open_application(sqlite_url)
    yield application
    close(application)


@pytest.fixture
def clock():
    """A clock the test moves by hand, to inject as the application's."""
    from tests.helpers import Clock

    return Clock()


@pytest.fixture
def person():
    """A new opaque person id each call."""
    return lambda: str(uuid.uuid4())


@pytest.fixture
def app_on():
    """Open applications on a URL (each one standing for a process); all closed afterwards."""
    opened = []

    def opener(url, **options):
        opened.append(open_application(url, **options))
        return opened[-1]

    yield opener
    for application in opened:
        close(application)


@pytest.fixture
def projected():
    """Open an application and its projection runner on a URL; all closed afterwards.

    `projected(url, clock=None)` returns (app, runner); `runner.catch_up()` folds what is new and
    `runner.views` answers the queries of `projections.queries`.
    """
    from webapp.storage import close_views, open_runner

    opened = []

    def opener(url, **options):
        application = open_application(url, **options)
        runner = open_runner(application, url)
        opened.append((application, runner))
        return application, runner

    yield opener
    for application, runner in opened:
        runner.stop()
        close_views(runner.views)
        close(application)


@pytest.fixture
def web(sqlite_url, monkeypatch):
    monkeypatch.setenv("RECIPROCA_DATABASE_URL", sqlite_url)
    flask_app = create_app({"SECRET_KEY": "test-" + "k" * 40, "READ_WAIT_SECONDS": 0.5})
    yield flask_app
    flask_app.extensions["reciproca"].close()


@pytest.fixture
def served(web):
    """The app on a real threaded HTTP server bound to a free loopback port; its sockets are
    closed and the server stopped afterwards."""
    server = make_server("127.0.0.1", 0, web, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    web.extensions["reciproca_live"].close_all()
    server.shutdown()
    thread.join()


@pytest.fixture
def people(web):
    """Accounts ana (founds groups), bea and carla, each with a token: name -> headers."""
    accounts = web.extensions["reciproca"].accounts
    found = {}
    for name in ("ana", "bea", "carla"):
        person_id = accounts.add_person(f"{name}@example.org", name.title(), PASSWORD)
        found[name] = {"id": person_id, "email": f"{name}@example.org",
                       "auth": {"Authorization": f"Bearer {accounts.create_token(person_id)}"}}
    return found


@pytest.fixture
def openapi_schema(web):
    import schemathesis

    return schemathesis.openapi.from_wsgi("/api/openapi.json", web)


@pytest.fixture
def signed_in(web, people):
    """Ana's token headers, and a group and proposal of hers for path parameters."""
    client, auth = web.test_client(), people["ana"]["auth"]
    group_id = client.post("/api/groups", headers=auth, json={
        "name": "Mesa", "purpose": "p", "category": "carer",
        "decision_rule": {"rule": "majority", "quorum": "1/2"}}).json["id"]
    proposal_id = client.post(f"/api/groups/{group_id}/proposals", headers=auth, json={
        "title": "t", "body": "b", "scope": "delivery"}).json["id"]
    return auth, {"group_id": group_id, "proposal_id": proposal_id}
