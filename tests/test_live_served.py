"""The websocket under `reciproca serve` (gunicorn, real processes): a hundred sockets on one
server all receive a vote and are closed cleanly when it stops; and on PostgreSQL, a client of
one server receives, in order and without gaps, every event of votes cast on another, through
the death of the server that folds.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from wsproto.frame_protocol import CloseReason

from live_clients import closed_with, connect, events_until
from servers import Server
from test_scale_out import tokens

MAJORITY = {"rule": "majority", "quorum": "1/2"}


def found_group(server: Server, token: dict) -> tuple[str, str]:
    """Ana's group with Bea as a member and one proposal: (group_id, proposal_id)."""
    status, group = server.call("POST", "/api/groups", token["ana"], {
        "name": "Mesa", "purpose": "p", "category": "carer", "decision_rule": MAJORITY})
    assert status == 201, group
    gid = group["id"]
    assert server.call("POST", f"/api/groups/{gid}/members", token["ana"], {
        "email": "bea@example.org", "category": "professional"})[0] == 201
    status, proposal = server.call("POST", f"/api/groups/{gid}/proposals", token["ana"], {
        "title": "Horario", "body": "b", "scope": "delivery"})
    assert status == 201, proposal
    return gid, proposal["id"]


def vote(server: Server, token: str, pid: str, position: str = "for") -> int:
    status, answer = server.call("POST", f"/api/proposals/{pid}/votes", token,
                                 {"position": position})
    assert status == 201, answer
    return answer["position"]


def test_a_hundred_sockets_receive_a_vote_and_close_cleanly_at_shutdown(sqlite_url):
    token = tokens(sqlite_url, ("ana", "bea"))
    server = Server(sqlite_url, threads=128)
    try:
        gid, pid = found_group(server, token)
        last = vote(server, token["ana"], pid)
        with ThreadPoolExecutor(20) as pool:
            clients = list(pool.map(
                lambda n: connect(server.base, gid, token[("ana", "bea")[n % 2]], since=last),
                range(100)))
        position = vote(server, token["bea"], pid, "against")
        for client in clients:
            got = events_until(client, position)
            assert [(m["position"], m["event"]) for m in got] == [(position, "VoteCast")]
        server.process.terminate()  # SIGTERM: gunicorn's graceful stop
        for client in clients:
            assert closed_with(client) == (CloseReason.GOING_AWAY, "the server is stopping")
    finally:
        server.stop()


@pytest.mark.postgres
def test_a_client_of_one_server_follows_votes_cast_on_another(postgres_url):
    token = tokens(postgres_url, ("ana", "bea"))
    first = Server(postgres_url)  # started first: its runner folds
    servers = [first, Server(postgres_url)]  # the second follows through LISTEN/NOTIFY
    second = servers[1]
    try:
        gid, pid = found_group(first, token)
        start = vote(first, token["ana"], pid)
        client = connect(second.base, gid, token["bea"], since=start)
        cast = [vote(first, token[("ana", "bea")[n % 2]], pid) for n in range(20)]
        got = events_until(client, cast[-1])
        assert [m["position"] for m in got] == cast
        assert [m["seq"] for m in got] == list(range(got[0]["seq"], got[0]["seq"] + 20))

        # The server that folds dies mid-stream; the other takes over and nothing is lost.
        voting = threading.Thread(target=lambda: cast.extend(
            vote(second, token[("ana", "bea")[n % 2]], pid) for n in range(20)))
        voting.start()
        first.kill()
        voting.join()
        got += events_until(client, cast[-1], timeout=60)
        assert [m["position"] for m in got] == cast
        assert [m["seq"] for m in got] == list(range(got[0]["seq"], got[0]["seq"] + 40))

        # A client of the first server's replacement resumes by position.
        replacement = Server(postgres_url)
        servers.append(replacement)
        resumed = connect(replacement.base, gid, token["ana"], since=cast[9])
        assert [m["position"] for m in events_until(resumed, cast[-1])] == cast[10:]
        more = vote(replacement, token["ana"], pid, "against")
        assert [m["position"] for m in events_until(client, more)] == [more]
        assert [m["position"] for m in events_until(resumed, more)] == [more]
    finally:
        for server in servers:
            server.stop()
