"""Where the read models live: view tables beside the library's tracking table.

A page of folded events is written with its tracking record in ONE transaction, so the views and
the position they have reached can never disagree, across crashes and restarts. The page commits
only if it starts where the stored position ends (compare-and-set in that transaction): a second
folder, or one that missed a rebuild, is refused instead of counting events twice. Being derived,
a page commits without waiting for the disk (`_page_transaction`). On PostgreSQL the
transaction also NOTIFYs the processes that follow the views. On SQLite the
views have their own file (`…-views.sqlite`), so the runner's writes never wait on the web's; on
PostgreSQL they are tables of the same database. The SQL is written once, in a form both accept
(named `:parameters`, rewritten for psycopg).
"""

import json
import re
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from eventsourcing.persistence import InfrastructureFactory, Tracking
from psycopg.sql import SQL
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteTrackingRecorder
from eventsourcing.utils import Environment

from domain.settings import library_settings, sqlite_path
from projections.coordination import LOCK_KEY, VIEWS_CHANNEL, AdvisoryLock, FileLock

TRACKING_NAME = "reciproca-views"
# Raise when a view table changes shape: `reciproca init` then remakes the views from the log.
VIEWS_VERSION = 4
VIEW_TABLES = ("view_groups", "view_record", "view_proposals", "view_trace", "view_evidence",
               "view_series", "view_snapshots", "view_people", "view_figures", "ledger_leaves",
               "ledger_nodes", "ledger_state")
SCHEMA = [
    """CREATE TABLE IF NOT EXISTS view_groups (
        group_id TEXT PRIMARY KEY, state TEXT NOT NULL, position BIGINT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS view_record (
        group_id TEXT NOT NULL, seq BIGINT NOT NULL, position BIGINT NOT NULL,
        aggregate_id TEXT NOT NULL, entry TEXT NOT NULL, PRIMARY KEY (group_id, seq))""",
    "CREATE INDEX IF NOT EXISTS view_record_position ON view_record (group_id, position)",
    "CREATE INDEX IF NOT EXISTS view_record_aggregate ON view_record (aggregate_id, position)",
    "CREATE INDEX IF NOT EXISTS view_record_log ON view_record (position)",
    """CREATE TABLE IF NOT EXISTS view_proposals (
        proposal_id TEXT PRIMARY KEY, group_id TEXT NOT NULL, status TEXT NOT NULL,
        tabled_at BIGINT NOT NULL, closes_at BIGINT, state TEXT NOT NULL)""",
    """CREATE INDEX IF NOT EXISTS view_proposals_group
        ON view_proposals (group_id, status, tabled_at)""",
    "CREATE INDEX IF NOT EXISTS view_proposals_due ON view_proposals (status, closes_at)",
    """CREATE TABLE IF NOT EXISTS view_trace (
        group_id TEXT NOT NULL, figure TEXT NOT NULL, category TEXT NOT NULL,
        position BIGINT NOT NULL, counted_at BIGINT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS view_trace_figure ON view_trace (group_id, figure, category, position)",
    "CREATE INDEX IF NOT EXISTS view_trace_log ON view_trace (position)",
    """CREATE TABLE IF NOT EXISTS view_evidence (
        group_id TEXT NOT NULL, principle TEXT NOT NULL, position BIGINT NOT NULL,
        item TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS view_evidence_principle ON view_evidence (group_id, principle, position)",
    "CREATE INDEX IF NOT EXISTS view_evidence_log ON view_evidence (position)",
    """CREATE TABLE IF NOT EXISTS view_series (
        group_id TEXT NOT NULL, position BIGINT NOT NULL, point TEXT NOT NULL,
        PRIMARY KEY (group_id, position))""",
    "CREATE INDEX IF NOT EXISTS view_series_log ON view_series (position)",
    # Who belongs to or audits which group, for "my groups": rewritten with each group's state.
    """CREATE TABLE IF NOT EXISTS view_people (
        person_id TEXT NOT NULL, group_id TEXT NOT NULL, category TEXT, roles TEXT NOT NULL,
        auditor INTEGER NOT NULL, name_text_id TEXT, PRIMARY KEY (person_id, group_id))""",
    "CREATE INDEX IF NOT EXISTS view_people_group ON view_people (group_id)",
    """CREATE TABLE IF NOT EXISTS view_figures (
        group_id TEXT PRIMARY KEY, position BIGINT NOT NULL, figures TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS view_snapshots (
        group_id TEXT NOT NULL, position BIGINT NOT NULL, state TEXT NOT NULL,
        PRIMARY KEY (group_id, position))""",
    # The ledger (projections/ledger.py): one row per leaf, the complete subtrees above the
    # leaves, its state; and the signed checkpoints, which a rebuild keeps.
    """CREATE TABLE IF NOT EXISTS ledger_leaves (
        leaf_index BIGINT PRIMARY KEY, position BIGINT NOT NULL UNIQUE, leaf TEXT NOT NULL,
        chain TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS ledger_nodes (
        level INTEGER NOT NULL, node_index BIGINT NOT NULL, hash TEXT NOT NULL,
        PRIMARY KEY (level, node_index))""",
    """CREATE TABLE IF NOT EXISTS ledger_state (
        name TEXT PRIMARY KEY, state TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS ledger_checkpoints (
        size BIGINT NOT NULL, key_id TEXT NOT NULL, time TEXT NOT NULL, document TEXT NOT NULL,
        PRIMARY KEY (size, key_id))""",
]
UPSERT_GROUP = """INSERT INTO view_groups (group_id, state, position)
    VALUES (:group_id, :state, :position)
    ON CONFLICT (group_id) DO UPDATE SET state = excluded.state, position = excluded.position"""
DELETE_PEOPLE = "DELETE FROM view_people WHERE group_id = :group_id"
INSERT_PERSON = """INSERT INTO view_people (person_id, group_id, category, roles, auditor,
    name_text_id) VALUES (:person_id, :group_id, :category, :roles, :auditor, :name_text_id)"""
UPSERT_FIGURES = """INSERT INTO view_figures (group_id, position, figures)
    VALUES (:group_id, :position, :figures)
    ON CONFLICT (group_id) DO UPDATE SET figures = excluded.figures, position = excluded.position"""
UPSERT_PROPOSAL = """INSERT INTO view_proposals
        (proposal_id, group_id, status, tabled_at, closes_at, state)
    VALUES (:proposal_id, :group_id, :status, :tabled_at, :closes_at, :state)
    ON CONFLICT (proposal_id) DO UPDATE SET status = excluded.status,
        closes_at = excluded.closes_at, state = excluded.state"""
UPSERT_LEDGER = """INSERT INTO ledger_state (name, state) VALUES ('ledger', :state)
    ON CONFLICT (name) DO UPDATE SET state = excluded.state"""
CHANGED_BY = {"view_trace": {"power_balance", "level"}, "view_series": {"power_balance", "level"},
              "view_evidence": {"principles", "level"}}
FIGURE_CHANGES = " UNION ".join(
    f"SELECT DISTINCT group_id, '{table}' AS source FROM {table} "
    "WHERE position > :after AND position <= :upto" for table in CHANGED_BY)
INSERTS = {
    "record": "INSERT INTO view_record (group_id, seq, position, aggregate_id, entry) "
              "VALUES (:group_id, :seq, :position, :aggregate_id, :entry)",
    "trace": "INSERT INTO view_trace (group_id, figure, category, position, counted_at) "
             "VALUES (:group_id, :figure, :category, :position, :counted_at)",
    "evidence": "INSERT INTO view_evidence (group_id, principle, position, item) "
                "VALUES (:group_id, :principle, :position, :item)",
    "series": "INSERT INTO view_series (group_id, position, point) "
              "VALUES (:group_id, :position, :point)",
    "snapshots": "INSERT INTO view_snapshots (group_id, position, state) "
                 "VALUES (:group_id, :position, :state)",
}
LEDGER_INSERTS = {
    "ledger_leaves": "INSERT INTO ledger_leaves (leaf_index, position, leaf, chain) "
                     "VALUES (:leaf_index, :position, :leaf, :chain)",
    "ledger_nodes": "INSERT INTO ledger_nodes (level, node_index, hash) "
                    "VALUES (:level, :node_index, :hash)",
}


class PageWrites:
    """Everything one page of events changes in the views, written together."""

    def __init__(self):
        self.groups: dict[str, tuple[dict, int]] = {}  # group id -> (state, position)
        self.people: set[str] = set()  # the groups whose view_people rows changed
        self.figures: dict[str, dict] = {}  # group id -> its figures at that position
        self.proposals: dict[str, dict] = {}
        self.rows: dict[str, list[dict]] = {table: [] for table in INSERTS}
        self.ledger: dict | None = None  # the ledger's state after the page, and its rows
        self.ledger_rows: dict[str, list[dict]] = {table: [] for table in LEDGER_INSERTS}


class PageOutOfOrder(Exception):
    """The page does not start where the stored position ends: someone else folded meanwhile."""


class ViewTables:
    """View reads and writes, shared by the SQLite and PostgreSQL tracking recorders."""

    placeholder = r":\1"
    url = ""  # set by `open_views`

    def write_page(self, writes: PageWrites, position: int, *, after: int) -> None:
        """Commit a page folded from the events after `after` up to `position`, if the views
        still stand at `after`; otherwise raise `PageOutOfOrder` and write nothing."""
        with self._page_transaction() as (cursor, reader):
            self._serialise(cursor)
            for table, rows in writes.rows.items():
                if rows:
                    cursor.executemany(self._sql(INSERTS[table]), rows)
            for group_id, (state, at) in writes.groups.items():
                cursor.execute(self._sql(UPSERT_GROUP), {
                    "group_id": group_id, "state": json.dumps(state), "position": at})
            for group_id in writes.people:
                cursor.execute(self._sql(DELETE_PEOPLE), {"group_id": group_id})
                cursor.executemany(self._sql(INSERT_PERSON),
                                   _people(group_id, writes.groups[group_id][0]))
            if writes.figures:
                cursor.executemany(self._sql(UPSERT_FIGURES), [
                    {"group_id": group_id, "figures": json.dumps(figures),
                     "position": writes.groups[group_id][1]}
                    for group_id, figures in writes.figures.items()])
            for proposal_id, view in writes.proposals.items():
                cursor.execute(self._sql(UPSERT_PROPOSAL), {
                    "proposal_id": proposal_id, "group_id": view["group_id"],
                    "status": view["status"], "tabled_at": view["tabled"]["position"],
                    "closes_at": epoch_seconds(view["closes_at"]), "state": json.dumps(view)})
            # Checked after the writes: on SQLite this transaction now holds the write lock, on
            # PostgreSQL `_serialise` took a transaction lock, so the stored position is final.
            stored = self._max_tracking_id(TRACKING_NAME, reader) or 0
            if stored != after:
                raise PageOutOfOrder(f"a page after position {after} was folded while the views "
                                     f"stand at {stored}")
            # The ledger's rows are unique by leaf: written once the page is known to be in order.
            for table, rows in writes.ledger_rows.items():
                if rows:
                    cursor.executemany(self._sql(LEDGER_INSERTS[table]), rows)
            if writes.ledger is not None:
                cursor.execute(self._sql(UPSERT_LEDGER), {"state": json.dumps(writes.ledger)})
            self._announce(cursor, position)  # delivered at the commit, not before
            self._insert_tracking(reader, Tracking(TRACKING_NAME, position))

    def position(self) -> int:
        return self.max_tracking_id(TRACKING_NAME) or 0

    def select(self, statement: str, **params) -> list[dict]:
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(self._sql(statement), params)
            return [dict(row) for row in cursor.fetchall()]

    def entries_between(self, after: int, upto: int, limit: int) -> list[dict]:
        """The record entries of every group after `after` up to `upto`, in log order."""
        rows = self.select("SELECT entry FROM view_record WHERE position > :after AND "
                           "position <= :upto ORDER BY position LIMIT :limit",
                           after=after, upto=upto, limit=limit)
        return [json.loads(row["entry"]) for row in rows]

    def figure_changes_between(self, after: int, upto: int) -> dict[str, set[str]]:
        """Per group, which read models other than the record changed after `after` up to
        `upto`: what the runner that folded those events told its listeners (one query)."""
        changed: dict[str, set[str]] = {}
        for row in self.select(FIGURE_CHANGES, after=after, upto=upto):
            changed.setdefault(row["group_id"], set()).update(CHANGED_BY[row["source"]])
        return changed

    def execute(self, statement: str, **params) -> None:
        """One write outside the runner's pages (signed checkpoints)."""
        with self.datastore.transaction(commit=True) as cursor:
            cursor.execute(self._sql(statement), params)

    def clear(self) -> None:
        """Empty every view and its tracking record, for a rebuild from the start (signed
        checkpoints stay: the same log gives the same ledger again)."""
        with self.datastore.transaction(commit=True) as cursor:
            self._serialise(cursor)
            for table in VIEW_TABLES:
                cursor.execute(f"DELETE FROM {table}")
            cursor.execute(self._sql(self.delete_tracking), {"name": TRACKING_NAME})
            self._announce(cursor, 0)

    def upgrade(self) -> bool:
        """Create the views; views of an older shape (VIEWS_VERSION) are dropped first and made
        again, empty, for the runner to fold the whole log into. True when views that held
        events were remade."""
        with self.datastore.transaction(commit=True) as cursor:
            cursor.execute("CREATE TABLE IF NOT EXISTS view_version (version BIGINT NOT NULL)")
            cursor.execute("SELECT version FROM view_version")
            current = [row["version"] for row in cursor.fetchall()] == [VIEWS_VERSION]
            if not current:
                for table in VIEW_TABLES:
                    cursor.execute(f"DROP TABLE IF EXISTS {table}")
        self.create_table()
        if current:
            return False
        held = self.position() > 0
        with self.datastore.transaction(commit=True) as cursor:
            cursor.execute(self._sql(self.delete_tracking), {"name": TRACKING_NAME})
            cursor.execute("DELETE FROM view_version")
            cursor.execute(self._sql("INSERT INTO view_version (version) VALUES (:version)"),
                           {"version": VIEWS_VERSION})
        return held

    def _sql(self, statement: str) -> str:
        return re.sub(r":(\w+)", self.placeholder, statement)


class SQLiteViews(ViewTables, SQLiteTrackingRecorder):
    delete_tracking = "DELETE FROM tracking WHERE application_name = :name"

    def construct_create_table_statements(self) -> list[str]:
        return super().construct_create_table_statements() + SCHEMA

    def runner_lock(self, events_channel: str | None = None) -> FileLock:
        """A file beside the views file: `…-views.sqlite.lock`."""
        path = sqlite_path(self.url)
        return FileLock(path.with_name(path.name + ".lock"))

    def _serialise(self, cursor) -> None:
        pass  # the first write takes SQLite's one write lock; the check comes after it

    @contextmanager
    def _page_transaction(self):
        """The page's transaction (a cursor for writes, one for the results read back),
        committed without waiting for the disk: in WAL mode
        `synchronous = NORMAL` keeps every commit atomic and in order, and a power cut can only
        lose the last pages whole, their tracking record with them (the same file), which the
        runner then folds again from the log."""
        with self.datastore.get_connection(commit=True) as connection:
            connection.cursor().execute("PRAGMA synchronous = NORMAL")  # not within a transaction
            with connection.transaction(commit=True) as cursor:
                yield cursor, cursor

    def _announce(self, cursor, position: int) -> None:
        pass  # SQLite followers poll the views' position


class PostgresViews(ViewTables, PostgresTrackingRecorder):
    placeholder = r"%(\1)s"

    def __init__(self, datastore, **kwargs):
        super().__init__(datastore, **kwargs)
        self.sql_create_statements.extend(SQL(statement) for statement in SCHEMA)
        self.delete_tracking = (f"DELETE FROM {self.tracking_table_name} "
                                "WHERE application_name = :name")

    def runner_lock(self, events_channel: str | None = None) -> AdvisoryLock:
        return AdvisoryLock(self.url, events_channel)

    def select(self, statement: str, **params) -> list[dict]:
        """One statement, on its own in autocommit (its own snapshot): one round trip, where a
        transaction would add a BEGIN and a ROLLBACK."""
        with self.datastore.cursor() as cursor:
            cursor.execute(self._sql(statement), params)
            return [dict(row) for row in cursor.fetchall()]

    def _serialise(self, cursor) -> None:
        """One page (or clear) at a time, across processes, until this transaction ends."""
        cursor.execute("SELECT pg_advisory_xact_lock(%(a)s, %(b)s)", {"a": LOCK_KEY[0], "b": 2})

    @contextmanager
    def _page_transaction(self):
        """The page's transaction (a cursor for writes, one for the results read back). Its
        statements go out together (psycopg's pipeline), waiting
        for answers only where a result is read (the position check, the tracking insert): a
        few round trips instead of one per statement. Its commit does not wait for the disk:
        the views are derived, and a crash that loses the last pages loses their tracking record
        with them (the same transaction), so the runner folds them again from the log."""
        with self.datastore.get_connection() as connection, connection.pipeline(), \
                connection.transaction():  # BEGIN and COMMIT ride the pipeline too
            cursor = connection.cursor()
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
            # Results read back go through a cursor of their own: in a pipeline, a cursor that
            # sent other statements may still hold one of their results when it fetches.
            yield cursor, connection.cursor()

    def _announce(self, cursor, position: int) -> None:
        """Followers LISTEN: the notification is delivered when (and only if) this commits."""
        cursor.execute("SELECT pg_notify(%(channel)s, %(position)s)",
                       {"channel": VIEWS_CHANNEL, "position": str(position)})


def epoch_seconds(iso_time: str | None) -> int | None:
    """A time as whole seconds since 1970 (UTC), for comparisons in SQL."""
    return None if iso_time is None else int(datetime.fromisoformat(iso_time).timestamp())


def _people(group_id: str, state: dict) -> list[dict]:
    """The group's members and auditors, as rows of view_people."""
    membership = state["membership"]
    name = (membership["name"] or {}).get("text_id")
    rows = [{"person_id": person_id, "group_id": group_id, "category": member["category"],
             "roles": json.dumps(member["roles"]), "auditor": 0, "name_text_id": name}
            for person_id, member in membership["members"].items()]
    return rows + [{"person_id": person_id, "group_id": group_id, "category": None,
                    "roles": "[]", "auditor": 1, "name_text_id": name}
                   for person_id in membership["auditors"]]


def views_url(database_url: str) -> str:
    """SQLite: a file of its own beside the events; PostgreSQL: the same database."""
    path = sqlite_path(database_url)
    if path is None:
        return database_url
    return f"sqlite:///{path.with_name(path.stem + '-views' + (path.suffix or '.sqlite'))}"


def open_views(database_url: str) -> ViewTables:
    """The views on a database; `ViewTables.upgrade` (by `reciproca init`) creates them."""
    url = views_url(database_url)
    path = sqlite_path(url)
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    factory = InfrastructureFactory.construct(Environment(
        "ReciprocaViews", library_settings(url, create_tables=False, pool_size=4)))
    views = factory.tracking_recorder(SQLiteViews if path is not None else PostgresViews)
    views.factory, views.url = factory, url
    return views
