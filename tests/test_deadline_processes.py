"""Deadlines with several server processes (PostgreSQL, and SQLite too): two real processes,
each with its runner and the deadline duty, serve the same store; every proposal past its
deadline closes by itself exactly once."""

import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

from tests.helpers import eventually, found_group, stored_events

# A server process as `reciproca serve` opens it, with its clock an hour ahead (so the
# proposals' deadlines have passed for it), running until its standard input closes.
SERVER = """
import sys
from datetime import datetime, timedelta, timezone
from webapp.services import Services

services = Services.open(sys.argv[1],
                         clock=lambda: datetime.now(timezone.utc) + timedelta(hours=1))
sys.stdin.read()
services.close()
"""


def test_two_processes_close_each_due_proposal_once(database_url, app_on):
    url = database_url
    app = app_on(url)
    group_id, chair = found_group(app)
    deadline = (datetime.now(timezone.utc) + timedelta(minutes=30)).isoformat()
    pids = [app.table_proposal(group_id, actor=chair, title="Abrir", body="Sábados",
                               scope="delivery", closes_at=deadline).id for _ in range(4)]
    servers = [subprocess.Popen([sys.executable, "-c", SERVER, url], stdin=subprocess.PIPE,
                                cwd=Path(__file__).parents[1]) for _ in range(2)]
    try:
        def closed():
            return Counter(str(e.originator_id) for e in stored_events(app)
                           if type(e).__name__ == "Closed")

        eventually(lambda: set(closed()) == set(pids), what="every proposal's close")
        assert all(server.poll() is None for server in servers)  # both still serving
    finally:
        for server in servers:
            server.communicate(b"", timeout=60)
    assert closed() == {pid: 1 for pid in pids}
    assert all(e.at_deadline for e in stored_events(app) if type(e).__name__ == "Closed")
    assert all(server.returncode == 0 for server in servers)
