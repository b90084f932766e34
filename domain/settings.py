"""One setting, RECIPROCA_DATABASE_URL, mapped to the eventsourcing library's own settings.

The library's settings are built from the URL alone (never read from the process environment),
so a stray variable cannot point a test or a command at another database.
"""

from pathlib import Path
from urllib.parse import unquote, urlsplit

from domain.errors import InvalidValue


def library_settings(database_url: str, *, create_tables: bool = False,
                     pool_size: int = 10) -> dict[str, str]:
    """`sqlite:///path/to/file` or `postgresql://user[:password]@host[:port]/dbname`.

    Tables are created only when asked (by `reciproca init`): several processes creating them
    at once race on PostgreSQL.
    """
    parts = urlsplit(database_url)
    create = "yes" if create_tables else "no"
    if parts.scheme == "sqlite":
        path = unquote(parts.path)
        if not path or path == "/":
            raise InvalidValue("a SQLite URL names a file: sqlite:///path/to/reciproca.sqlite",
                               "RECIPROCA_DATABASE_URL")
        return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": path,
                "SQLITE_LOCK_TIMEOUT": "30", "CREATE_TABLE": create}
    if parts.scheme in ("postgresql", "postgres"):
        dbname = unquote(parts.path.lstrip("/"))
        if not (parts.hostname and parts.username and dbname):
            raise InvalidValue("a PostgreSQL URL names user, host and database: "
                               "postgresql://user@host/dbname", "RECIPROCA_DATABASE_URL")
        return {"PERSISTENCE_MODULE": "eventsourcing.postgres", "POSTGRES_DBNAME": dbname,
                "POSTGRES_HOST": parts.hostname, "POSTGRES_PORT": str(parts.port or 5432),
                "POSTGRES_USER": unquote(parts.username),
                "POSTGRES_PASSWORD": unquote(parts.password or ""),
                "POSTGRES_POOL_SIZE": str(pool_size), "POSTGRES_MAX_OVERFLOW": str(pool_size),
                "POSTGRES_CONNECT_TIMEOUT": "10", "POSTGRES_LOCK_TIMEOUT": "5",
                "CREATE_TABLE": create}
    raise InvalidValue(f"RECIPROCA_DATABASE_URL must start with sqlite:/// or postgresql://, "
                       f"not {parts.scheme or 'nothing'}", "RECIPROCA_DATABASE_URL")


def sqlite_path(database_url: str) -> Path | None:
    parts = urlsplit(database_url)
    return Path(unquote(parts.path)) if parts.scheme == "sqlite" else None
