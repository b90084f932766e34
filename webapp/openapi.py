"""The OpenAPI 3 document of the JSON API, generated from the same marshmallow schemas the
endpoints load and dump, so the document cannot drift from the code. A test checks that every
API route is documented and every documented path is a route."""

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, jsonify

from webapp import schemas

PARAMS = {"group_id": "group", "proposal_id": "proposal", "figure": "figure", "key": "key",
          "member_id": "member", "invitation_id": "invitation", "secret": "secret"}
READ = ["after", "as_of", "since", "limit"]
# Reads whose query is not READ's: described by the schema that loads it.
QUERIES = {"/api/groups/{group_id}": schemas.AfterQuery,
           "/api/proposals/{proposal_id}": schemas.AfterQuery,
           "/api/groups/{group_id}/proposals": schemas.ProposalsQuery,
           "/api/groups/{group_id}/export": schemas.ExportQuery,
           "/api/groups/{group_id}/report": schemas.ReportQuery,
           "/api/ledger/consistency": schemas.ConsistencyQuery,
           "/api/ledger/inclusion": schemas.InclusionQuery,
           "/api/me": schemas.AfterQuery, "/api/groups": schemas.GroupsQuery,
           "/api/groups/{group_id}/invitations": schemas.EmptyIn,
           "/api/invitations/{secret}": schemas.EmptyIn}
WRITE_ERRORS = (401, 403, 404, 409, 422)
# Writes without Idempotency-Key: their answers hold secrets (never stored) or change accounts.
NOT_IDEMPOTENT = ("/api/session", "/api/me/password", "/api/invitations/", "/api/password-resets",
                  "/api/groups/{group_id}/invitations")
REQUEST_ERRORS = (414, 431)  # any request: URL or headers too large (webapp/inputs.py)
BODY_ERRORS = (400, 413)  # a request with a body: not readable as JSON, or too large

# (method, path, summary, request body schema, success status, success schema, error statuses)
OPERATIONS = [
    ("post", "/api/session", "Sign in", schemas.SignInIn, 201, schemas.PersonOut,
     (401, 422, 429, 503)),
    ("get", "/api/session", "Who is signed in", None, 200, schemas.PersonOut, (401,)),
    ("delete", "/api/session", "Sign out everywhere", None, 204, None, (401,)),
    ("post", "/api/groups", "Found a group", schemas.GroupIn, 201, schemas.Written, (401, 422)),
    ("get", "/api/groups/{group_id}", "A group", None, 200, schemas.GroupOut,
     (401, 404, 422, 503)),
    ("post", "/api/groups/{group_id}/members", "Admit a member", schemas.MemberIn, 201,
     schemas.MemberWritten, WRITE_ERRORS),
    ("post", "/api/groups/{group_id}/auditors", "Appoint a read-only auditor", schemas.AuditorIn,
     201, schemas.AuditorWritten, WRITE_ERRORS),
    ("post", "/api/groups/{group_id}/roles", "Assign or revoke a role", schemas.RoleChangeIn,
     201, schemas.Written, WRITE_ERRORS),
    ("post", "/api/groups/{group_id}/proposals", "Table a proposal", schemas.ProposalIn, 201,
     schemas.Written, WRITE_ERRORS),
    ("get", "/api/groups/{group_id}/proposals", "The group's proposals, newest first", None,
     200, schemas.ProposalListOut, (401, 404, 422, 503)),
    ("get", "/api/proposals/{proposal_id}", "A proposal", None, 200, schemas.ProposalOut,
     (401, 404, 422, 503)),
    ("post", "/api/proposals/{proposal_id}/amend", "Amend (the proposer, before any vote)",
     schemas.AmendIn, 201, schemas.Written, WRITE_ERRORS),
    ("post", "/api/proposals/{proposal_id}/comments", "Comment, or reply to a comment",
     schemas.CommentIn, 201, schemas.Written, WRITE_ERRORS),
    ("post", "/api/proposals/{proposal_id}/votes", "Vote, or change a vote", schemas.VoteIn, 201,
     schemas.Written, WRITE_ERRORS),
    ("post", "/api/proposals/{proposal_id}/close", "Close and decide", schemas.EmptyIn, 200,
     schemas.Closed, WRITE_ERRORS),
    ("post", "/api/proposals/{proposal_id}/withdraw", "Withdraw", schemas.EmptyIn, 200,
     schemas.Written, WRITE_ERRORS),
    ("post", "/api/groups/{group_id}/contributions", "Record a contribution",
     schemas.ContributionIn, 201, schemas.Written, WRITE_ERRORS),
    ("post", "/api/groups/{group_id}/members/{member_id}/leave", "Leave the group (oneself)",
     schemas.EmptyIn, 201, schemas.Written, WRITE_ERRORS),
    ("post", "/api/groups/{group_id}/members/{member_id}/remove",
     "Remove a member, giving a reason (a chair)", schemas.RemovalIn, 201, schemas.Written,
     WRITE_ERRORS),
    ("post", "/api/groups/{group_id}/members/{member_id}/category",
     "Change one's own category", schemas.CategoryIn, 201, schemas.Written, WRITE_ERRORS),
    ("get", "/api/me", "Who I am, and my groups", None, 200, schemas.MeOut, (401, 422, 503)),
    ("get", "/api/groups", "My groups, paged", None, 200, schemas.GroupsPage, (401, 422, 503)),
    ("post", "/api/groups/{group_id}/invitations", "Invite by a secret link (a chair or "
     "facilitator)", schemas.InvitationIn, 201, schemas.InvitationWritten, WRITE_ERRORS),
    ("get", "/api/groups/{group_id}/invitations", "Open invitations (no secrets)", None, 200,
     schemas.InvitationsOut, (401, 403, 404)),
    ("delete", "/api/groups/{group_id}/invitations/{invitation_id}", "Withdraw an invitation",
     None, 204, None, (401, 403, 404)),
    ("get", "/api/invitations/{secret}", "What an invitation offers (no sign-in)", None, 200,
     schemas.InvitationPreview, (404, 410)),
    ("post", "/api/invitations/{secret}/accept", "Accept: join, with a new account if not "
     "signed in", schemas.NewAccountIn, 201, schemas.Joined, (403, 404, 409, 410, 422, 503)),
    ("post", "/api/me/password", "Change my password (every other session ends)",
     schemas.PasswordChangeIn, 204, None, (401, 422, 429, 503)),
    ("post", "/api/password-resets", "Ask for a password-reset link by email", schemas.ResetRequestIn,
     202, None, (422, 503)),
    ("post", "/api/password-resets/{secret}", "Set a new password with a reset link",
     schemas.ResetIn, 204, None, (404, 410, 422, 503)),
    ("get", "/api/groups/{group_id}/record", "The shared record", None, 200, schemas.RecordOut,
     (401, 404, 422, 503)),
    ("get", "/api/groups/{group_id}/power-balance", "The power balance", None, 200,
     schemas.PowerBalanceOut, (401, 404, 422, 503)),
    ("get", "/api/groups/{group_id}/power-balance/{figure}/{key}", "The events behind a figure",
     None, 200, schemas.TraceOut, (401, 404, 422, 503)),
    ("get", "/api/groups/{group_id}/principles", "Evidence for the principles", None, 200,
     schemas.PrinciplesOut, (401, 404, 422, 503)),
    ("get", "/api/groups/{group_id}/level", "The level of co-production", None, 200,
     schemas.LevelOut, (401, 404, 422, 503)),
    ("get", "/api/groups/{group_id}/export", "Every event, or the decisions, as a file", None,
     200, ("application/x-ndjson", "text/csv"), (401, 404, 422)),
    ("get", "/api/groups/{group_id}/report", "The accountability report (HTML)", None, 200,
     ("text/html",), (401, 404, 422)),
    ("get", "/api/ledger/public-key", "The key checkpoints are signed with", None, 200,
     schemas.PublicKeyOut, (404,)),
    ("get", "/api/ledger/checkpoint", "The latest signed checkpoint", None, 200,
     schemas.CheckpointOut, (401, 404)),
    ("get", "/api/ledger/consistency", "A consistency proof between two tree sizes", None, 200,
     schemas.ConsistencyOut, (401, 422)),
    ("get", "/api/ledger/inclusion", "An inclusion proof for one event", None, 200,
     schemas.InclusionOut, (401, 404, 422)),
]
PUBLIC = ("/api/ledger/public-key", "/api/ledger/checkpoint")  # no READ parameters

openapi = Blueprint("openapi", __name__)


def document() -> dict:
    spec = APISpec(title="Reciproca", version="1", openapi_version="3.0.3",
                   plugins=[MarshmallowPlugin()],
                   info={"description": "The decision log of co-production groups."})
    spec.components.security_scheme("token", {"type": "http", "scheme": "bearer"})
    spec.components.security_scheme("session", {"type": "apiKey", "in": "cookie",
                                                "name": "session"})
    spec.components.schema("Errors", schema=schemas.Errors)
    operations: dict[str, dict] = {}
    for method, path, summary, request, status, response, failures in OPERATIONS:
        operation = {"summary": summary, "parameters": _parameters(path, method),
                     "responses": {str(status): _response(response)},
                     "security": [{"token": []}, {"session": []}] if 401 in failures
                     else []}  # public: answered without signing in
        if request is not None:
            operation["requestBody"] = {"required": True,
                                        "content": {"application/json": {"schema": request}}}
        if method == "post" and not path.startswith(NOT_IDEMPOTENT):
            operation["parameters"].append({"name": "Idempotency-Key", "in": "header",
                                            "schema": {"type": "string", "maxLength": 200}})
        for failure in failures + REQUEST_ERRORS + (BODY_ERRORS if request else ()):
            operation["responses"][str(failure)] = {
                "description": "error", "content": {"application/json": {"schema": "Errors"}}}
        operations.setdefault(path, {})[method] = operation
    for path, methods in operations.items():
        spec.path(path=path, operations=methods)
    return spec.to_dict()


def _parameters(path: str, method: str) -> list[dict]:
    found = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
             for name in PARAMS if "{" + name + "}" in path]
    if method == "get" and path in QUERIES:
        found.append({"in": "query", "schema": QUERIES[path]})
    elif method == "get" and path not in ("/api/session", *PUBLIC):
        found += [{"name": name, "in": "query", "schema": {"type": "integer", "minimum": 0}}
                  for name in READ]
    if path.endswith("/record"):
        found.append({"name": "cursor", "in": "query",
                      "schema": {"type": "string", "minLength": 1, "maxLength": 200}})
    return found


def _response(schema) -> dict:
    if schema is None:
        return {"description": "done"}
    if isinstance(schema, tuple):  # a file: its media types
        return {"description": "done",
                "content": {media: {"schema": {"type": "string"}} for media in schema}}
    return {"description": "done", "content": {"application/json": {"schema": schema}}}


@openapi.get("/api/openapi.json")
def served():
    return jsonify(document())
