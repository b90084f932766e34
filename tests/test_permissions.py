"""The permission matrix of docs/permissions.md as one table-driven test: every endpoint for
every role gets the expected status, and a refused write leaves the log unchanged.

Accepting an invitation is not a matter of role (anyone holding the link may, a member again
gets 409): tests/test_group_life.py covers it."""

import pytest

from tests.conftest import PASSWORD

ROLES = ("stranger", "admin", "auditor", "observer", "member", "note_taker", "facilitator",
         "chair")
MAJORITY = {"rule": "majority", "quorum": "1/2"}


def row(*statuses):
    return dict(zip(ROLES, statuses))


READ = row(404, 404, 200, 200, 200, 200, 200, 200)
# endpoint: (method, path template, body (None: no body), expected status per role)
NEWCOMERS = ("admit", "appoint_auditor", "change_role", "remove")  # each needs fresh accounts
TARGETED = ("change_role", "remove")  # each acts on a fresh member
MATRIX = {
    "group": ("GET", "/api/groups/{group}", None, READ),
    "record": ("GET", "/api/groups/{group}/record", None, READ),
    "power_balance": ("GET", "/api/groups/{group}/power-balance", None, READ),
    "trace": ("GET", "/api/groups/{group}/power-balance/agenda/carer", None, READ),
    "principles": ("GET", "/api/groups/{group}/principles", None, READ),
    "level": ("GET", "/api/groups/{group}/level", None, READ),
    "proposal": ("GET", "/api/proposals/{proposal}", None, READ),
    "proposals": ("GET", "/api/groups/{group}/proposals?status=open", None, READ),
    "amend": ("POST", "/api/proposals/{proposal}/amend", {"title": "Nueva", "body": "Texto"},
              row(404, 404, 403, 403, 403, 403, 403, 201)),
    "comment": ("POST", "/api/proposals/{proposal}/comments", {"body": "¿Y los domingos?"},
                row(404, 404, 403, 201, 201, 201, 201, 201)),
    "export": ("GET", "/api/groups/{group}/export?format=csv", None, READ),
    "export_decisions": ("GET", "/api/groups/{group}/export?table=decisions", None, READ),
    "report": ("GET", "/api/groups/{group}/report?lang=en", None, READ),
    "inclusion": ("GET", "/api/ledger/inclusion?position=1", None, READ),
    "admit": ("POST", "/api/groups/{group}/members",
              {"email": "{newcomer}", "category": "community"},
              row(404, 404, 403, 403, 403, 403, 201, 201)),
    "appoint_auditor": ("POST", "/api/groups/{group}/auditors", {"email": "{newcomer}"},
                        row(404, 201, 403, 403, 403, 403, 403, 201)),
    "change_role": ("POST", "/api/groups/{group}/roles",
                    {"member_id": "{target}", "role": "note_taker", "action": "assign"},
                    row(404, 404, 403, 403, 403, 403, 403, 201)),
    "table": ("POST", "/api/groups/{group}/proposals",
              {"title": "Propuesta", "body": "Texto", "scope": "design"},
              row(404, 404, 403, 403, 201, 201, 201, 201)),
    "vote": ("POST", "/api/proposals/{proposal}/votes", {"position": "for"},
             row(404, 404, 403, 403, 201, 201, 201, 201)),
    "vote_in_person": ("POST", "/api/proposals/{proposal}/votes",
                       {"position": "for", "voter_id": "{voter}"},
                       row(404, 404, 403, 403, 403, 201, 201, 201)),
    "close": ("POST", "/api/proposals/{proposal}/close", None,
              row(404, 404, 403, 403, 403, 403, 200, 200)),
    "withdraw": ("POST", "/api/proposals/{proposal}/withdraw", None,
                 row(404, 404, 403, 403, 403, 403, 403, 200)),
    "contribute": ("POST", "/api/groups/{group}/contributions",
                   {"kind": "task", "description": "Preparar la sala"},
                   row(404, 404, 403, 201, 201, 201, 201, 201)),
    "me": ("GET", "/api/me", None, row(200, 200, 200, 200, 200, 200, 200, 200)),
    "my_groups": ("GET", "/api/groups", None, row(200, 200, 200, 200, 200, 200, 200, 200)),
    "invite": ("POST", "/api/groups/{group}/invitations", {"category": "carer"},
               row(404, 404, 403, 403, 403, 403, 201, 201)),
    "invitations": ("GET", "/api/groups/{group}/invitations", None,
                    row(404, 404, 403, 403, 403, 403, 200, 200)),
    "withdraw_invitation": ("DELETE", "/api/groups/{group}/invitations/{invitation}", None,
                            row(404, 404, 403, 403, 403, 403, 204, 204)),
    "invitation": ("GET", "/api/invitations/{secret}", None,
                   row(200, 200, 200, 200, 200, 200, 200, 200)),
    "change_password": ("POST", "/api/me/password",
                        {"current_password": PASSWORD, "new_password": PASSWORD},
                        row(204, 204, 204, 204, 204, 204, 204, 204)),
    "ask_reset": ("POST", "/api/password-resets", {"email": "{email}"},
                  row(202, 202, 202, 202, 202, 202, 202, 202)),
    "remove": ("POST", "/api/groups/{group}/members/{target}/remove", {"reason": "Motivo"},
               row(404, 404, 403, 403, 403, 403, 403, 201)),
    "category": ("POST", "/api/groups/{group}/members/{self}/category",
                 {"category": "community"}, row(404, 404, 403, 201, 201, 201, 201, 201)),
    # Last: leaving changes who belongs. The last chair cannot leave a group with members.
    "leave": ("POST", "/api/groups/{group}/members/{self}/leave", None,
              row(404, 404, 403, 201, 201, 201, 201, 409)),
}


@pytest.fixture
def world(web):
    """A group founded by `chair`, with an observer, a member, a facilitator and an auditor;
    a stranger and an organisation admin who belong to nothing; tokens for all."""
    accounts, client = web.extensions["reciproca"].accounts, web.test_client()
    auth, ids = {}, {}
    for role in ROLES:
        ids[role] = accounts.add_person(f"{role}@example.org", role.title(), PASSWORD,
                                        admin=role == "admin")
        auth[role] = {"Authorization": f"Bearer {accounts.create_token(ids[role])}"}
    group = client.post("/api/groups", headers=auth["chair"], json={
        "name": "Mesa", "purpose": "Salud mental", "category": "professional",
        "decision_rule": MAJORITY}).json["id"]
    for role in ("observer", "member", "note_taker", "facilitator"):
        client.post(f"/api/groups/{group}/members", headers=auth["chair"], json={
            "email": f"{role}@example.org", "category": "carer",
            "role": "observer" if role == "observer" else "member"})
    for role in ("facilitator", "note_taker"):
        client.post(f"/api/groups/{group}/roles", headers=auth["chair"], json={
            "member_id": ids[role], "role": role, "action": "assign"})
    client.post(f"/api/groups/{group}/auditors", headers=auth["chair"],
                json={"email": "auditor@example.org"})
    for endpoint in NEWCOMERS:
        for role in ROLES:
            accounts.add_person(f"{endpoint}.{role}@example.org", "Nueva persona", PASSWORD)
    return {"client": client, "auth": auth, "ids": ids, "group": group,
            "app": web.extensions["reciproca"].app}


def test_every_endpoint_for_every_role(world):
    client, auth, app = world["client"], world["auth"], world["app"]
    mismatches = []
    for name, (method, path, body, expected) in MATRIX.items():
        for role in ROLES:
            proposal = client.post(f"/api/groups/{world['group']}/proposals",
                                   headers=auth["chair"], json={
                                       "title": "P", "body": "B", "scope": "delivery"}).json["id"]
            target = client.post(f"/api/groups/{world['group']}/members", headers=auth["chair"],
                                 json={"email": f"{name}.{role}@example.org",
                                       "category": "carer"}
                                 ).json["member_id"] if name in TARGETED else ""
            invitation = client.post(f"/api/groups/{world['group']}/invitations",
                                     headers=auth["chair"], json={"category": "carer"}).json
            values = {"group": world["group"], "proposal": proposal, "target": target,
                      "voter": world["ids"]["facilitator"],
                      "newcomer": f"{name}.{role}@example.org", "self": world["ids"][role],
                      "invitation": invitation["id"], "email": f"{role}@example.org",
                      "secret": invitation["url"].rsplit("/", 1)[1]}
            filled = {k: v.format(**values) if isinstance(v, str) else v
                      for k, v in (body or {}).items()}
            before = app.recorder.max_notification_id()
            answer = client.open(path.format(**values), method=method, headers=auth[role],
                                 json=filled if body is not None else None)
            if answer.status_code != expected[role]:
                mismatches.append((name, role, expected[role], answer.status_code,
                                   answer.get_json()))
            if method == "POST" and answer.status_code >= 400:
                assert app.recorder.max_notification_id() == before, (name, role)
    assert mismatches == []


def test_an_auditor_and_a_member_are_never_the_same_person(world):
    """Auditing stays independent: the auditor cannot be admitted (as member or observer), and
    no member can be appointed auditor; each refusal names the field and writes nothing."""
    client, auth, app = world["client"], world["auth"], world["app"]
    before = app.recorder.max_notification_id()
    for role in ("member", "observer"):
        answer = client.post(f"/api/groups/{world['group']}/members", headers=auth["chair"],
                             json={"email": "auditor@example.org", "category": "carer",
                                   "role": role})
        assert answer.status_code == 422 and "email" in answer.json["errors"], answer.json
    for member in ("member", "observer", "facilitator", "chair"):
        answer = client.post(f"/api/groups/{world['group']}/auditors", headers=auth["admin"],
                             json={"email": f"{member}@example.org"})
        assert answer.status_code == 422 and "email" in answer.json["errors"], answer.json
    assert app.recorder.max_notification_id() == before
    vote = client.post(f"/api/groups/{world['group']}/proposals", headers=auth["auditor"],
                       json={"title": "P", "body": "B", "scope": "delivery"})
    assert vote.status_code == 403


def test_read_models_that_lag_never_grant_a_change_the_log_has_taken_away(web, people,
                                                                           sqlite_url):
    """Requests are let in by the read models when they list the person: with the views held
    back, someone just admitted acts and reads at once (the log decides for them), and someone
    just removed is refused every change (the command checks the log again); they read until
    the views fold their removal, no longer after."""
    from webapp.storage import close_views, open_runner

    client, found = web.test_client(), web.extensions["reciproca"]
    ana, bea, carla = (people[name]["auth"] for name in ("ana", "bea", "carla"))
    group = client.post("/api/groups", headers=ana, json={
        "name": "Mesa", "purpose": "p", "category": "carer", "decision_rule": MAJORITY}).json
    client.post(f"/api/groups/{group['id']}/members", headers=ana,
                json={"email": "bea@example.org", "category": "professional"})
    proposal = client.post(f"/api/groups/{group['id']}/proposals", headers=ana, json={
        "title": "t", "body": "b", "scope": "delivery"}).json
    assert found.runner.wait_for(proposal["position"], 30)
    found.runner.stop()  # the views stay where they are from here on
    held_at = found.runner.views.position()

    admitted = client.post(f"/api/groups/{group['id']}/members", headers=ana,
                           json={"email": "carla@example.org", "category": "community"})
    assert admitted.status_code == 201
    assert client.post(f"/api/proposals/{proposal['id']}/votes", headers=carla,
                       json={"position": "for"}).status_code == 201
    assert client.get(f"/api/groups/{group['id']}/power-balance",
                      headers=carla).status_code == 200

    removed = client.post(f"/api/groups/{group['id']}/members/{people['bea']['id']}/remove",
                          headers=ana, json={"reason": "Motivo"})
    assert removed.status_code == 201
    before = found.app.recorder.max_notification_id()
    for path, body in ((f"/api/proposals/{proposal['id']}/votes", {"position": "for"}),
                       (f"/api/proposals/{proposal['id']}/comments", {"body": "Hola"}),
                       (f"/api/groups/{group['id']}/contributions",
                        {"kind": "task", "description": "Sala"})):
        refused = client.post(path, headers=bea, json=body)
        assert refused.status_code == 404, (path, refused.json)
    assert found.app.recorder.max_notification_id() == before
    assert found.runner.views.position() == held_at  # the views really lagged throughout
    assert client.get(f"/api/groups/{group['id']}/power-balance",
                      headers=bea).status_code == 200

    runner = open_runner(found.app, sqlite_url)
    try:
        runner.catch_up()
    finally:
        runner.stop()
        close_views(runner.views)
    assert client.get(f"/api/groups/{group['id']}/power-balance",
                      headers=bea).status_code == 404
