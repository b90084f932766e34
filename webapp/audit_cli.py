"""The audit commands of `reciproca`: keygen, checkpoint, verify, proof."""

import json
import sys
from contextlib import contextmanager
from pathlib import Path

from domain.errors import DomainError
from projections import checkpoints
from projections.ledger_store import LedgerStore, stored_event, stored_events
from webapp import storage
from webapp.arguments import POSITION, SIZE

DEFAULT_KEY_NAME = "signing-key.pem"


def keygen(args) -> None:
    """A new Ed25519 signing key in a file of its own (by default in the instance folder)."""
    path = Path(args.out or storage.instance_path() / DEFAULT_KEY_NAME)
    key = checkpoints.create_key_file(path)
    print(f"Wrote a new signing key to {path} (readable by you only; keep it out of backups of "
          f"the database and out of version control).")
    print(f"Use it with: export {checkpoints.KEY_SETTING}={path.resolve()}")
    print(f"Its public key (id {checkpoints.key_id(checkpoints.public_bytes(key))}):")
    print(checkpoints.public_key_document(key)["pem"], end="")


def signing_key():
    key = checkpoints.configured_key()
    if key is None:
        raise DomainError(f"set {checkpoints.KEY_SETTING} to the file of the signing key "
                          "(create one with `reciproca keygen`)", checkpoints.KEY_SETTING)
    return key


def checkpoint(args) -> None:
    """Fold what is new, then sign the ledger; print (or write) the checkpoint document."""
    key = signing_key()
    with _ledger(args, catch_up=True) as (_, ledger):
        document = ledger.checkpoint(key)
    _output(document, args.out)


def verify(args) -> int:
    """Check every stored event against the ledger and every checkpoint: 0 when intact."""
    key = checkpoints.configured_key()
    extra = [_read_checkpoint(path) for path in args.checkpoint or []]
    with _ledger(args) as (app, ledger):
        report = ledger.verify(stored_events(app.recorder),
                               checkpoints.public_bytes(key) if key else None, extra)
    print(report.summary())
    if key is None and report.checkpoints:
        print(f"Note: {checkpoints.KEY_SETTING} is not set, so each checkpoint was checked "
              "against the public key it carries; check that key against the one you trust.")
    return 0 if report.ok else 1


def proof(args) -> None:
    """An inclusion proof for an event, or a consistency proof between two tree sizes."""
    with _ledger(args) as (app, ledger):
        if args.kind == "inclusion":
            found = ledger.inclusion(stored_event(app.recorder, args.first), args.size)
        else:
            found = ledger.consistency(args.first, args.second)
    _output(found, None)


def export(args) -> None:
    """One table of a group's record as JSON Lines or CSV, to a file or standard output."""
    from webapp.exports import export as export_table

    with _ledger(args, catch_up=True) as (app, ledger), _accounts(args) as accounts:
        content, _, _ = export_table(ledger.views, app.texts, args.group_id, table=args.table,
                                     fmt=args.format, names=accounts.names)
    if args.out:
        Path(args.out).write_bytes(content)
        print(f"Wrote {args.out}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(content)
        sys.stdout.flush()


def report(args) -> None:
    """The accountability report of a group as one HTML file, signed checkpoint included."""
    from webapp.report import build, covering_checkpoint

    with _ledger(args, catch_up=True) as (app, ledger):
        covering = covering_checkpoint(ledger, ledger.views, args.group_id, args.as_of)
        key = checkpoints.configured_key()
        if covering is None and key is not None:
            ledger.checkpoint(key)
            covering = covering_checkpoint(ledger, ledger.views, args.group_id, args.as_of)
        html = build(ledger.views, app.texts, ledger, args.group_id, as_of=args.as_of,
                     lang=args.lang, checkpoint=covering)
    out = Path(args.out or f"reciproca-report-{args.group_id[:8]}-{args.lang}.html")
    out.write_text(html, encoding="utf-8")
    print(f"Wrote {out}" + ("" if covering else " (no signed checkpoint covers it yet: set "
                                                 f"{checkpoints.KEY_SETTING})"))


def redact(args) -> None:
    """Erase one text (and its salt), recording who and why as an event of its group."""
    from webapp.erasure import redact as redact_text, scrub

    with _accounts(args) as accounts:
        actor = _operator(accounts, args.by)
    with _ledger(args, catch_up=True) as (app, ledger):
        done = redact_text(app, ledger.views, args.text_id, actor=actor, reason=args.reason)
    clean = scrub(args.database_url)
    print(f"Redacted the text {args.text_id}; the redaction is at position {done.position} of "
          "the record." + ("" if clean else _SCRUB_LATER))


def erase_user(args) -> int:
    """Remove a person's account (name, email, tokens) and the names they were given in groups;
    offer to redact the texts they wrote."""
    from webapp.erasure import person_texts, redact as redact_text, scrub

    with _accounts(args) as accounts:
        actor = _operator(accounts, args.by)
        person = accounts.person_by_email(args.email)
        if person is None:
            raise DomainError(f"no account has the email {args.email}", "email")
        with _ledger(args, catch_up=True) as (app, ledger):
            names, written = person_texts(app, ledger.views, person["person_id"])
            redact_written = _confirm_written(args, len(written))
            for text_id in names + (written if redact_written else []):
                redact_text(app, ledger.views, text_id, actor=actor, reason=args.reason,
                            how="erasure")
        accounts.erase(person["person_id"])
    clean = scrub(args.database_url)
    kept = "" if redact_written or not written else (
        f"; {len(written)} texts they wrote are kept (erase again with --redact-texts)")
    print(f"Erased the account {args.email} and {len(names)} names given to them in groups"
          + (f", and redacted {len(written)} texts they wrote" if redact_written else "")
          + kept + "." + ("" if clean else _SCRUB_LATER))
    return 0


_SCRUB_LATER = (" A running server kept part of the database's write-ahead log: the deleted "
                "bytes leave it at its next checkpoint.")


def _confirm_written(args, count: int) -> bool:
    if args.redact_texts or not count:
        return args.redact_texts and count > 0
    if sys.stdin is not None and sys.stdin.isatty():
        answer = input(f"They wrote {count} texts (titles, reasons, comments...). Redact them "
                       "too? [y/N] ")
        return answer.strip().lower() in ("y", "yes", "s", "si", "sí")
    return False


def _operator(accounts, email: str) -> str:
    """The person id of the operator doing a redaction, who the record names."""
    person = accounts.person_by_email(email)
    if person is None:
        raise DomainError(f"no account has the email {email} (--by names your account)", "by")
    return person["person_id"]


def _accounts(args):
    return storage.accounts(args.database_url)


def add_erase_parser(user_sub) -> None:
    erase_parser = user_sub.add_parser("erase", help="remove a person's account and the names "
                                                     "they were given; offer to redact their texts")
    erase_parser.add_argument("email")
    erase_parser.add_argument("--by", required=True, metavar="EMAIL",
                              help="your account: the record says who erased")
    erase_parser.add_argument("--reason", default="erasure of personal data at the person's "
                                                  "request", help="recorded with each redaction")
    erase_parser.add_argument("--redact-texts", action="store_true",
                              help="also redact every text they wrote (asked when interactive)")


def _read_checkpoint(path: str) -> dict:
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise DomainError(f"cannot read the checkpoint {path}: {error}", "checkpoint") from None
    if not isinstance(document, dict):
        raise DomainError(f"{path} is not a checkpoint document", "checkpoint")
    return document


def _output(document: dict, out: str | None) -> None:
    text = json.dumps(document, indent=2) + "\n"
    if out:
        Path(out).write_text(text, encoding="utf-8")
        print(f"Wrote {out}", file=sys.stderr)
    else:
        print(text, end="")


@contextmanager
def _ledger(args, *, catch_up: bool = False):
    """The application and the ledger; `catch_up` first folds what is new (or, while a server
    keeps the read models, waits until they include the log as it is now)."""
    app = storage.open_application(args.database_url)
    runner = storage.open_runner(app, args.database_url)
    try:
        if catch_up:
            storage.up_to_date(runner)
        yield app, LedgerStore(runner.views)
    finally:
        runner.stop()
        storage.close_views(runner.views)
        storage.close(app)


COMMANDS = {"keygen": keygen, "checkpoint": checkpoint, "verify": verify, "proof": proof,
            "export": export, "report": report, "redact": redact}


def add_parsers(sub) -> None:
    keygen_parser = sub.add_parser("keygen", help="create an Ed25519 key to sign checkpoints "
                                                  "with (never stored in the database)")
    keygen_parser.add_argument("--out", help=f"the key file (default: instance/{DEFAULT_KEY_NAME})")
    checkpoint_parser = sub.add_parser("checkpoint", help="sign the ledger now and print the "
                                                          "checkpoint for auditors to keep")
    checkpoint_parser.add_argument("--out", help="write the checkpoint to this file")
    verify_parser = sub.add_parser("verify", help="recompute the ledger from the stored events "
                                                  "and check it and every checkpoint")
    verify_parser.add_argument("--checkpoint", action="append", metavar="FILE",
                               help="also check a checkpoint kept elsewhere (repeatable)")
    proof_parser = sub.add_parser("proof", help="print an inclusion or consistency proof")
    proof_sub = proof_parser.add_subparsers(dest="kind", required=True)
    inclusion = proof_sub.add_parser("inclusion", help="that the event at POSITION is in the "
                                                       "ledger of SIZE leaves")
    inclusion.add_argument("first", type=POSITION, metavar="POSITION")
    inclusion.add_argument("--size", type=SIZE,
                           help="the tree size (default: the latest checkpoint's)")
    consistency = proof_sub.add_parser("consistency", help="that the ledger of SECOND leaves "
                                                           "extends the one of FIRST unchanged")
    consistency.add_argument("first", type=SIZE, metavar="FIRST")
    consistency.add_argument("second", type=SIZE, nargs="?", metavar="SECOND",
                             help="default: the latest checkpoint's size")
    export_parser = sub.add_parser("export", help="write a group's events or decisions as "
                                                  "JSON Lines or CSV")
    export_parser.add_argument("group_id")
    export_parser.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    export_parser.add_argument("--table", choices=("events", "decisions"), default="events",
                               help="every event (default) or one row per proposal")
    export_parser.add_argument("--out", help="write to this file (default: standard output)")
    redact_parser = sub.add_parser("redact", help="erase one text of a group's record and "
                                                  "record who and why")
    redact_parser.add_argument("text_id")
    redact_parser.add_argument("--reason", required=True, help="why (kept as a text itself)")
    redact_parser.add_argument("--by", required=True, metavar="EMAIL",
                               help="your account: the record says who redacted")
    report_parser = sub.add_parser("report", help="write a group's accountability report (one "
                                                  "HTML file, printable to PDF)")
    report_parser.add_argument("group_id")
    report_parser.add_argument("--as-of", type=POSITION, metavar="POSITION",
                               help="the report as of this position in the log")
    report_parser.add_argument("--lang", choices=("es", "en"), default="es")
    report_parser.add_argument("--out", help="the HTML file (default: "
                                             "reciproca-report-GROUP-LANG.html here)")
