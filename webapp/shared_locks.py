"""Writers of one aggregate take turns across processes on PostgreSQL.

The application orders the writers of an aggregate within its process with striped locks; with
several web processes, two of them writing the same proposal at once conflicted on the insert
and retried after growing pauses (seconds at the tail, and now and then a 409 after the last
attempt). Each stripe is also a PostgreSQL session-level advisory lock, held on a small pool of
autocommit connections of its own while the command loads, decides and saves, so the second
writer waits for the first instead of conflicting. A connection that dies releases its locks
with it. SQLite has one writer process, so it needs none of this.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from psycopg_pool import ConnectionPool

KEY_CLASS = 0x52435042  # ("RCPB", stripe): apart from the runner's lock ("RCPA", 1)


class AdvisoryStripes:
    """`stripes` held across processes: the callable the application takes as shared_locks."""

    def __init__(self, url: str, *, connections: int = 4):
        self._pool = ConnectionPool(url, min_size=1, max_size=connections, open=True,
                                    kwargs={"autocommit": True})

    @contextmanager
    def __call__(self, stripes: list[int]) -> Iterator[None]:
        with self._pool.connection() as connection:
            for stripe in stripes:  # in the caller's (sorted) order, as every process takes them
                connection.execute("SELECT pg_advisory_lock(%s, %s)", (KEY_CLASS, stripe))
            try:
                yield
            finally:
                for stripe in reversed(stripes):
                    connection.execute("SELECT pg_advisory_unlock(%s, %s)", (KEY_CLASS, stripe))

    def close(self) -> None:
        self._pool.close()
