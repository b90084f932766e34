"""The ledger over HTTP (docs/audit.md): the public key, the latest signed checkpoint, inclusion
and consistency proofs; and a group's exports and accountability report as downloads.

Proofs carry hashes only, except an inclusion proof, which carries the event as stored: it is
given only to people who may read that event's group (members and auditors).
"""

from flask import Blueprint, Response, jsonify, request

from domain.errors import NotFound
from projections import checkpoints
from projections.ledger_store import LedgerStore, stored_event
from webapp.auth import require_person
from webapp.commands import check_group
from webapp.exports import export as export_table
from webapp.report import build, covering_checkpoint
from webapp.schemas import (
    CheckpointOut,
    ConsistencyOut,
    ConsistencyQuery,
    ExportQuery,
    InclusionOut,
    InclusionQuery,
    PublicKeyOut,
    ReportQuery,
)
from webapp.services import services

ledger_api = Blueprint("ledger", __name__, url_prefix="/api")


def _ledger() -> LedgerStore:
    return LedgerStore(services().runner.views)


@ledger_api.get("/ledger/public-key")
def public_key():
    """The key checkpoints are signed with; public, so anyone can compare it."""
    key = checkpoints.configured_key()
    if key is None:
        raise NotFound("this server signs no checkpoints (no signing key is configured)", "key")
    return jsonify(PublicKeyOut().dump(checkpoints.public_key_document(key)))


@ledger_api.get("/ledger/checkpoint")
def latest_checkpoint():
    require_person()
    found = _ledger().checkpoints()
    if not found:
        raise NotFound("no checkpoint has been signed yet", "checkpoint")
    return jsonify(CheckpointOut().dump(found[-1]))


@ledger_api.get("/ledger/consistency")
def consistency():
    require_person()
    params = ConsistencyQuery().load(request.args.to_dict())
    return jsonify(ConsistencyOut().dump(_ledger().consistency(params["first"],
                                                                params.get("second"))))


@ledger_api.get("/ledger/inclusion")
def inclusion():
    person = require_person()
    params = InclusionQuery().load(request.args.to_dict())
    app = services().app
    event = stored_event(app.recorder, params["position"])
    try:
        check_group(services(), str(app.mapper.to_domain_event(event).group_id),
                      person["person_id"])
    except NotFound:  # as if absent: naming the event's group would map every group's ids
        raise NotFound(f"no event is stored at position {params['position']}",
                       "position") from None
    return jsonify(InclusionOut().dump(_ledger().inclusion(event, params.get("size"))))


@ledger_api.get("/groups/<group_id>/export")
def export(group_id: str):
    """Every event of the group, or its decisions, as a JSON Lines or CSV download."""
    check_group(services(), group_id, require_person()["person_id"])
    params = ExportQuery().load(request.args.to_dict())
    content, media_type, name = export_table(
        services().runner.views, services().app.texts, group_id, table=params["table"],
        fmt=params["format"], names=services().accounts.names)
    return _download(content, media_type, name)


@ledger_api.get("/groups/<group_id>/report")
def report(group_id: str):
    """The accountability report as one HTML file, with the checkpoint that covers it."""
    check_group(services(), group_id, require_person()["person_id"])
    params = ReportQuery().load(request.args.to_dict())
    views, ledger = services().runner.views, _ledger()
    html = build(views, services().app.texts, ledger, group_id, as_of=params.get("as_of"),
                 lang=params["lang"],
                 checkpoint=covering_checkpoint(ledger, views, group_id, params.get("as_of")))
    name = f"reciproca-report-{group_id[:8]}-{params['lang']}.html"
    return _download(html.encode("utf-8"), "text/html; charset=utf-8", name)


def _download(content: bytes, media_type: str, name: str) -> Response:
    return Response(content, mimetype=media_type.split(";")[0], content_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
