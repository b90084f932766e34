"""Fixtures: a real SQLite file per test, and a real PostgreSQL database per test session.

PostgreSQL comes from RECIPROCA_TEST_POSTGRES_URL. Without it the PostgreSQL cases are skipped,
unless RECIPROCA_REQUIRE_POSTGRES is set (as CI does): then they fail.
"""

import os
import uuid
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from hypothesis import settings

from webapp.storage import close, initialise, open_application

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
