"""Every endpoint: bad input answered 422 naming the field (nothing written), unknown ids 404,
and the size of a request bounded."""

import uuid

import pytest

from webapp.inputs import nesting_depth

MAJORITY = {"rule": "majority", "quorum": "1/2"}


@pytest.fixture
def scene(web, people):
    client, auth = web.test_client(), people["ana"]["auth"]
    group = client.post("/api/groups", headers=auth, json={
        "name": "Mesa", "purpose": "p", "category": "carer", "decision_rule": MAJORITY}).json["id"]
    client.post(f"/api/groups/{group}/members", headers=auth,
                json={"email": people["bea"]["email"], "category": "professional"})
    proposal = client.post(f"/api/groups/{group}/proposals", headers=auth, json={
        "title": "t", "body": "b", "scope": "delivery"}).json["id"]
    return {"client": client, "auth": auth, "group": group, "proposal": proposal,
            "app": web.extensions["reciproca"].app, "bea": people["bea"]["id"]}


# (path, body, the fields the 422 must name)
BAD = [
    ("/api/groups/{group}/members", {"email": "not-an-email", "category": "carer"}, {"email"}),
    ("/api/groups/{group}/members", {"email": "zoe@example.org", "category": "carer"},
     {"email"}),  # well formed, but no account has it
    ("/api/groups/{group}/members", {"email": "a@b.org", "category": "x", "role": "chair"},
     {"category", "role"}),
    ("/api/groups/{group}/auditors", {"email": 7}, {"email"}),
    ("/api/groups/{group}/roles", {"member_id": "x", "role": "queen", "action": "crown"},
     {"member_id", "role", "action"}),
    ("/api/groups/{group}/roles", {"member_id": "{bea}", "role": "member", "action": "assign"},
     {"role"}),  # she already holds it: the domain names the field
    ("/api/groups/{group}/proposals", {"title": "t", "body": "b", "scope": "delivery",
                                       "kind": "rule_change",
                                       "rule_change": {"rule": "supermajority",
                                                       "threshold": "1/3"}},
     {"rule_change.threshold"}),
    ("/api/groups/{group}/proposals", {"title": "t", "body": "b", "scope": "delivery",
                                       "rule": {"rule": "majority", "quorum": "1/3"}},
     {"quorum"}),  # below the group's quorum of 1/2
    ("/api/proposals/{proposal}/votes", {"position": "for", "voter_id": "nobody"},
     {"voter_id"}),
    ("/api/proposals/{proposal}/close", {"now": True}, {"now"}),
    ("/api/proposals/{proposal}/withdraw", {"reason": "x"}, {"reason"}),
    ("/api/groups/{group}/contributions", {"kind": "gift"}, {"kind"}),
    ("/api/groups/{group}/contributions", {"kind": "support", "description": "d"},
     {"to_member_id"}),
    ("/api/groups/{group}/contributions", {"kind": "reflection",
                                           "scores": {"kindness": 3, "reciprocity": 9}},
     {"scores.kindness.key", "scores.reciprocity.value"}),
    ("/api/groups/{group}/contributions", {"kind": "task", "description": "d",
                                           "scores": {"reciprocity": 3}}, {"scores"}),
]


@pytest.mark.parametrize("path, body, fields", BAD)
def test_bad_input_names_the_field_and_writes_nothing(scene, path, body, fields):
    values = {k: scene[k] for k in ("group", "proposal", "bea")}
    filled = {k: v.format(**values) if isinstance(v, str) else v for k, v in body.items()}
    before = scene["app"].recorder.max_notification_id()
    answer = scene["client"].post(path.format(**values), headers=scene["auth"], json=filled)
    assert answer.status_code == 422, answer.json
    assert set(answer.json["errors"]) == fields
    assert scene["app"].recorder.max_notification_id() == before


READS = ["", "/record", "/power-balance", "/principles", "/level",
         "/power-balance/agenda/carer"]


@pytest.mark.parametrize("suffix", READS)
def test_reads_check_their_query_and_unknown_groups_are_not_found(scene, suffix):
    client, auth, group = scene["client"], scene["auth"], scene["group"]
    assert client.get(f"/api/groups/{uuid.uuid4()}{suffix}", headers=auth).status_code == 404
    if suffix:
        bad = client.get(f"/api/groups/{group}{suffix}?as_of=abc&limit=0&colour=red",
                         headers=auth)
        assert bad.status_code == 422
        assert set(bad.json["errors"]) == {"as_of", "limit", "colour"}


@pytest.mark.parametrize("path", [
    "/api/groups/{missing}/members", "/api/groups/{missing}/auditors",
    "/api/groups/{missing}/roles", "/api/groups/{missing}/proposals",
    "/api/groups/{missing}/contributions", "/api/proposals/{missing}/votes",
    "/api/proposals/{missing}/close", "/api/proposals/{missing}/withdraw",
])
def test_writes_to_unknown_ids_are_not_found(scene, path):
    bodies = {"members": {"email": "bea@example.org", "category": "carer"},
              "auditors": {"email": "carla@example.org"},
              "roles": {"member_id": scene["bea"], "role": "chair", "action": "assign"},
              "proposals": {"title": "t", "body": "b", "scope": "risk"},
              "contributions": {"kind": "task", "description": "d"},
              "votes": {"position": "for"}}
    body = bodies.get(path.rsplit("/", 1)[1])
    answer = scene["client"].post(path.format(missing=uuid.uuid4()), headers=scene["auth"],
                                  json=body)
    assert answer.status_code == 404
    assert answer.get_json()["errors"]


def test_a_request_larger_than_64_kib_is_refused_before_anything_is_read(scene):
    answer = scene["client"].post(f"/api/groups/{scene['group']}/proposals",
                                  headers=scene["auth"], json={
                                      "title": "t", "body": "x" * 70_000, "scope": "risk"})
    assert answer.status_code == 413 and answer.json["errors"]


def test_json_nesting_is_measured_without_parsing():
    assert nesting_depth('{"a": [1, {"b": []}]}') == 4
    assert nesting_depth('{"a": "[[[[{{{{", "b": "\\"[[["}') == 1  # brackets inside strings
    assert nesting_depth("[" * 100_000, stop_above=32) == 33  # stops counting early


def test_a_body_that_cannot_be_read_is_400_naming_what_to_fix(scene):
    path, client = f"/api/groups/{scene['group']}/proposals", scene["client"]
    cases = [({"data": b'{"title": ', "content_type": "application/json"}, "body"),
             ({"data": b"\xff\xfe", "content_type": "application/json"}, "body"),
             ({"data": b'{"a": NaN}', "content_type": "application/json"}, "body"),
             ({"data": b"[" * 40 + b"]" * 40, "content_type": "application/json"}, "body"),
             ({"data": b'{"title": "t"}', "content_type": "text/plain"}, "Content-Type"),
             ({"data": b'{"title": "t"}'}, "Content-Type")]
    for request, field in cases:
        answer = client.post(path, headers=scene["auth"], **request)
        assert answer.status_code == 400, request
        assert list(answer.json["errors"]) == [field]


def test_text_is_stored_composed_and_must_be_visible_and_free_of_controls(scene):
    client, auth, group = scene["client"], scene["auth"], scene["group"]
    path = f"/api/groups/{group}/proposals"
    before = scene["app"].recorder.max_notification_id()
    for title in ("\u200b\u200b", "\u2060\ufeff", " \u00a0\u3000", "\u0301", "a\x07b"):
        answer = client.post(path, headers=auth, json={"title": title, "body": "b",
                                                       "scope": "risk"})
        assert answer.status_code == 422 and list(answer.json["errors"]) == ["title"], title
    assert scene["app"].recorder.max_notification_id() == before
    tabled = client.post(path, headers=auth, json={"title": "Cafe\u0301", "scope": "risk",
                                                   "body": "line one\n\tline two"})
    assert tabled.status_code == 201
    shown = client.get(f"/api/proposals/{tabled.json['id']}", headers=auth).json
    assert (shown["title"], shown["body"]) == ("Caf\u00e9", "line one\n\tline two")


@pytest.mark.parametrize("query, field", [(f"as_of={2**63}", "as_of"),
                                          (f"since={2**64}", "since"),
                                          (f"after={10**30}", "after"),
                                          (f"limit={-2**70}", "limit")])
def test_integers_in_queries_are_bounded_to_64_bits(scene, query, field):
    answer = scene["client"].get(f"/api/groups/{scene['group']}/record?{query}",
                                 headers=scene["auth"])
    assert answer.status_code == 422 and list(answer.json["errors"]) == [field]
    after = scene["app"].recorder.max_notification_id()  # once the read models hold the group
    largest = scene["client"].get(
        f"/api/groups/{scene['group']}/record?as_of={2**63 - 1}&after={after}",
        headers=scene["auth"])
    assert largest.status_code == 200
