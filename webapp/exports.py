"""A group's record as files people keep: every event (JSON Lines or CSV) and a decisions table.

Each event carries its ledger leaf hash, so an export can be checked against inclusion proofs
(docs/audit.md). Free text is included while it exists and shows as "[redacted]" once erased.
CSV files open cleanly in spreadsheet programs: UTF-8 with a byte order mark (Excel needs it to
read accents and ñ), CRLF line ends, and no cell a spreadsheet could run as a formula.
"""

import csv
import io
import json
import re
from fractions import Fraction

from domain.errors import InvalidValue
from projections import queries
from projections.ledger_store import LedgerStore
from projections.record import cited_texts

REDACTED = "[redacted]"
FORMATS = {"jsonl": "application/x-ndjson", "csv": "text/csv; charset=utf-8"}
TABLES = ("events", "decisions")
EVENT_COLUMNS = ("position", "time", "actor", "actor_name", "type", "aggregate_id", "version",
                 "data", "leaf_hash")
DECISION_COLUMNS = ("proposal_id", "title", "scope", "kind", "rule", "status", "outcome",
                    "for", "against", "abstain", "block", "eligible", "turnout", "quorum_met",
                    "tabled_position", "tabled_at", "ended_position", "ended_at")
FRACTION = re.compile(r"\d+/[1-9]\d*")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # OWASP's list for CSV injection


def export(views, texts, group_id: str, *, table: str = "events", fmt: str = "jsonl",
           names=None) -> tuple[bytes, str, str]:
    """(content, media type, file name) of one table of a group in one format. `names` gives
    the account names of person ids (the name given at joining is used otherwise)."""
    if fmt not in FORMATS:
        raise InvalidValue(f"format must be one of {', '.join(FORMATS)}", "format")
    if table not in TABLES:
        raise InvalidValue(f"table must be one of {', '.join(TABLES)}", "table")
    entries = queries.record_entries(views, group_id)
    resolve = texts_of(texts, entries)
    if table == "events":
        known = names({e["actor"] for e in entries}) if names else {}
        rows, columns = event_rows(views, entries, resolve, known), EVENT_COLUMNS
    else:
        rows, columns = decision_rows(views, group_id, resolve), DECISION_COLUMNS
    content = as_csv(rows, columns) if fmt == "csv" else as_jsonl(rows)
    return content, FORMATS[fmt], f"reciproca-{group_id}-{table}.{fmt}"


def event_rows(views, entries: list[dict], resolve, names: dict) -> list[dict]:
    leaves = LedgerStore(views).leaf_hashes([e["position"] for e in entries])
    given = {e["data"]["member_id"]: resolve(e["data"]["display_name"])
             for e in entries if e["type"] == "MemberJoined"}
    return [{"position": e["position"], "time": e["time"], "actor": e["actor"],
             "actor_name": names.get(e["actor"]) or given.get(e["actor"]), "type": e["type"],
             "aggregate_id": e["aggregate_id"], "version": e["version"],
             "data": _with_texts(e["data"], resolve), "leaf_hash": leaves.get(e["position"])}
            for e in entries]


def decision_rows(views, group_id: str, resolve) -> list[dict]:
    rows = []
    for proposal in queries.proposals(views, group_id):
        decision, tally = proposal["decision"] or {}, proposal["tally"]
        rule = proposal["rule"]
        rows.append({
            "proposal_id": proposal["id"], "title": resolve(proposal["title"]),
            "scope": proposal["scope"], "kind": proposal["kind"],
            "rule": " ".join(f"{k}={v}" if k != "rule" else v for k, v in rule.items()),
            "status": proposal["status"], "outcome": decision.get("outcome"),
            **{k: (decision.get("tally") or tally)[k] for k in ("for", "against", "abstain",
                                                                "block")},
            "eligible": len(decision["eligible"]) if decision else None,
            "turnout": decision.get("turnout"), "quorum_met": decision.get("quorum_met"),
            "tabled_position": proposal["tabled"]["position"],
            "tabled_at": proposal["tabled"]["time"],
            "ended_position": (proposal["ended"] or {}).get("position"),
            "ended_at": (proposal["ended"] or {}).get("time")})
    return rows


def as_jsonl(rows: list[dict]) -> bytes:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode("utf-8")


def as_csv(rows: list[dict], columns: tuple) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row[column]) for column in columns])
    return "\ufeff".encode("utf-8") + out.getvalue().encode("utf-8")


def _cell(value) -> str:
    """A cell's text; one a spreadsheet would read as a formula gets a leading apostrophe, and
    an exact fraction gets its percentage beside it (a bare "4/5" would become a date)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        value = json.dumps(value, ensure_ascii=False)
    text = str(value)
    if FRACTION.fullmatch(text):
        return f"{text} ({float(Fraction(text)):.0%})"
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def texts_of(texts, entries: list[dict], redacted: str = REDACTED):
    """A function giving the text of a reference found in `entries`, or `redacted` once it
    was erased."""
    found = texts.read(sorted(cited_texts(entries)))

    def resolve(ref):
        if ref is None:
            return None
        text = found.get(ref["text_id"])
        return redacted if text is None else text

    return resolve


def _is_ref(value) -> bool:
    return isinstance(value, dict) and set(value) == {"text_id", "digest"}


def _with_texts(value, resolve):
    """The data with each text reference given its text: {text_id, digest, text}."""
    if _is_ref(value):
        return {**value, "text": resolve(value)}
    if isinstance(value, dict):
        return {k: _with_texts(v, resolve) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_texts(v, resolve) for v in value]
    return value
