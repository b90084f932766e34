"""Where the data lives: the database URL, and opening the application on it."""

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from domain.application import Reciproca
from domain.errors import DomainError
from domain.settings import library_settings, sqlite_path
from projections.coordination import RunnerBusy
from projections.runner import Runner
from projections.store import ViewTables, open_views
from webapp.accounts import Accounts
from webapp.invitations import Invitations
from webapp.mail import Outbox
from webapp.shared_locks import AdvisoryStripes
from webapp.sql import Database
from webapp.texts import SqlTextStore, recorder_topic


def instance_path() -> Path:
    return Path(os.environ.get("RECIPROCA_INSTANCE_PATH") or Path.cwd() / "instance")


def database_url() -> str:
    """RECIPROCA_DATABASE_URL, or a SQLite file in the instance folder."""
    return (os.environ.get("RECIPROCA_DATABASE_URL")
            or f"sqlite:///{instance_path() / 'reciproca.sqlite'}")


def open_application(url: str, *, clock: Callable[[], datetime] | None = None,
                     create_tables: bool = False) -> Reciproca:
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    texts = SqlTextStore(url)
    settings = library_settings(url, create_tables=create_tables)
    settings["APPLICATION_RECORDER_TOPIC"] = recorder_topic(texts.db.dialect)
    shared = AdvisoryStripes(url) if path is None else None
    return Reciproca(settings, texts=texts, clock=clock, shared_locks=shared)


def initialise(url: str) -> bool:
    """Create every table once (idempotent); other processes open with CREATE_TABLE=no.
    True when the read models were of an older shape and were emptied, to be folded again."""
    close(open_application(url, create_tables=True))
    views = open_views(url)
    try:
        remade = views.upgrade()
    finally:
        close_views(views)
    db = Database(url)
    try:
        Accounts(db).create_tables()
        Invitations(db).create_tables()
        Outbox(db, None, "").create_tables()
    finally:
        db.close()
    return remade


@contextmanager
def accounts(url: str) -> Iterator[Accounts]:
    """The accounts tables, for a command-line command."""
    db = Database(url)
    try:
        yield Accounts(db)
    finally:
        db.close()


def open_runner(app: Reciproca, url: str) -> Runner:
    """The projection runner on this process's application, with its own view store."""
    return Runner(app, open_views(url))


def close_views(views: ViewTables) -> None:
    views.factory.close()


def close(app: Reciproca) -> None:
    app.close()
    app.texts.close()
    if app.shared_locks is not None:
        app.shared_locks.close()


def safe_url(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)


def up_to_date(runner, timeout: float = 30.0) -> None:
    """Fold what is new; or, while a server keeps the read models, wait (bounded) until it has
    passed the end of the log as it is now."""
    try:
        runner.catch_up()
    except RunnerBusy as busy:
        end = runner.app.recorder.max_notification_id() or 0
        deadline = time.monotonic() + timeout
        while runner.views.position() < end:
            if time.monotonic() > deadline:
                raise DomainError(f"{busy} and has not reached position {end} within "
                                  f"{timeout:.0f} s; try again shortly") from None
            time.sleep(0.1)
