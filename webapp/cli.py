"""The `reciproca` command line: set up the store, load the demo, show figures, manage accounts
and tokens, and serve the web app (docs/operations.md)."""

import argparse
import json
import os
import sys
import time
from datetime import timedelta

from domain.errors import DomainError
from projections import coordination
from projections.coordination import RunnerBusy
from projections.fold import StaleViews
from projections.level import InvalidThresholds, configured_thresholds
from webapp import audit_cli, storage
from webapp.arguments import POSITION, PORT, THREADS, WORKERS
from webapp.links import reset_link

OPERATOR_RESET_VALIDITY = timedelta(days=1)


def init(args) -> None:
    remade = storage.initialise(args.database_url)
    print(f"Initialised the store at {storage.safe_url(args.database_url)}")
    if remade:
        print("The read models were made (again) for this version; they are folded from the "
              "log when the app or `reciproca figures` next runs.")


def demo(args) -> None:
    from webapp.demo import StoryClock, load_demo

    if os.environ.get("RECIPROCA_ENV") == "production":
        raise DomainError("the demo is refused in production (RECIPROCA_ENV=production)")
    clock = StoryClock()
    app = storage.open_application(args.database_url, clock=clock)
    try:
        if args.if_empty and app.recorder.max_notification_id():
            print("The store already holds events; the demo was not loaded.")
            return
        story = load_demo(app, clock)
    finally:
        storage.close(app)
    print(f"Loaded the demo group {story.group_id}: {story.summary()}")
    _demo_accounts(args, story)


def _demo_accounts(args, story) -> None:
    """An account for each person of the demo, with a random password printed only now, and
    whether they are still a member (those who left see the group no more)."""
    import secrets
    import unicodedata

    print("Demo accounts (passwords shown only now):")
    with _accounts(args) as accounts:
        for name, person_id in story.people.items():
            plain = unicodedata.normalize("NFKD", name.split()[0]).encode("ascii", "ignore")
            email = f"{plain.decode().lower()}@demo.reciproca.invalid"
            password = secrets.token_urlsafe(12)
            accounts.add_person(email, name, password, person_id=person_id)
            status = "member" if person_id in story.members else "left the group"
            print(f"  {email:40} {password}  {status}")


def rebuild(args) -> None:
    """Empty the read models and fold the whole log again, showing progress and speed. Refused
    while a server keeps the read models (it holds the runner's lock)."""
    app = storage.open_application(args.database_url)
    runner = storage.open_runner(app, args.database_url)
    try:
        total, started = app.recorder.max_notification_id() or 0, time.monotonic()
        runner.rebuild(progress=lambda position: _progress(position, total, started))
        seconds = time.monotonic() - started
        print(f"\nRebuilt the read models from {total} events in {seconds:.1f} s "
              f"({total / max(seconds, 1e-6):,.0f} events/s).", file=sys.stderr)
    except RunnerBusy as busy:
        raise DomainError(f"{busy}; stop every `reciproca serve` on this database, then run "
                          "rebuild again (nothing was changed)") from None
    finally:
        storage.close_views(runner.views)
        storage.close(app)


def _progress(position: int, total: int, started: float, width: int = 40) -> None:
    done = int(width * position / total) if total else width
    rate = position / max(time.monotonic() - started, 1e-6)
    print(f"\r[{'#' * done}{'.' * (width - done)}] {position}/{total} events, "
          f"{rate:,.0f} events/s", end="", file=sys.stderr, flush=True)


def figures(args) -> None:
    from projections.queries import groups
    from webapp.figures import as_text, figures_of

    app = storage.open_application(args.database_url)
    runner = storage.open_runner(app, args.database_url)
    try:
        storage.up_to_date(runner)
        found = [figures_of(runner.views, group_id, args.as_of,
                            name=app.texts.text(app.group(group_id).name))
                 for group_id in ([args.group_id] if args.group_id else groups(runner.views))]
        if args.json:
            print(json.dumps(found, indent=2, ensure_ascii=False))
        else:
            print("\n\n".join(as_text(figures) for figures in found))
    finally:
        storage.close_views(runner.views)
        storage.close(app)


def user(args) -> None:
    """`user add|list|disable|reset|erase`: accounts, for an operator (`erase`: see
    webapp/audit_cli.py)."""
    if args.action == "erase":
        return audit_cli.erase_user(args)
    with _accounts(args) as accounts:
        if args.action == "add":
            password = _read_password()
            person_id = accounts.add_person(args.email, args.name, password, admin=args.admin)
            person = accounts.person(person_id)
            kind = "organisation admin" if person["is_admin"] else "account"
            print(f"Added the {kind} {person['email']} ({person['name']}), id {person_id}")
        elif args.action == "list":
            for person in accounts.people():
                marks = ["admin"] * person["is_admin"] + (
                    [f"disabled {person['disabled']}"] if person["disabled"] else [])
                print(f"{person['email']:40} {person['name']:30} {person['person_id']}"
                      + "".join(f"  {mark}" for mark in marks))
        else:
            person = accounts.person_by_email(args.email)
            if person is None:
                raise DomainError(f"no account has the email {args.email}", "email")
            if args.action == "disable":
                if not accounts.disable(person["person_id"]):
                    raise DomainError(f"{person['email']} is already disabled", "email")
                print(f"Disabled {person['email']}: it can no longer sign in, and its sessions "
                      f"and API tokens no longer work.")
            else:
                secret = accounts.create_reset(person["person_id"], OPERATOR_RESET_VALIDITY)
                print(f"A one-time password-reset link for {person['email']}, valid "
                      f"{OPERATOR_RESET_VALIDITY.days * 24} hours (shown only now):")
                print(reset_link(os.environ.get("RECIPROCA_PUBLIC_URL", ""), secret))


def _read_password() -> str:
    if sys.stdin is None:
        raise DomainError("give the password on the first line of standard input", "password")
    if sys.stdin.isatty():
        import getpass

        password = getpass.getpass("Password: ")
    else:
        password = sys.stdin.readline().removesuffix("\n").removesuffix("\r")
    if not password:
        raise DomainError("no password was given: write it on the first line of standard "
                          "input", "password")
    return password


def token(args) -> None:
    """`token create|list|revoke EMAIL`: a new token is printed alone on the last line, shown
    only this once; a list shows ids and prefixes, never secrets."""
    with _accounts(args) as accounts:
        person = accounts.person_by_email(args.email)
        if person is None:
            raise DomainError(f"no account has the email {args.email}", "email")
        if args.action == "create":
            new_token = accounts.create_token(person["person_id"])
            print(f"A new API token for {person['email']} (shown only now; send it as "
                  f"'Authorization: Bearer <token>'):")
            print(new_token)
        elif args.action == "list":
            for listed in accounts.tokens(person["person_id"]):
                state = f"revoked {listed['revoked']}" if listed["revoked"] else "active"
                print(f"{listed['token_id']}  rcp_{listed['prefix']}_…  created "
                      f"{listed['created']}  {state}")
        elif not accounts.revoke_token(person["person_id"], args.token_id):
            raise DomainError(f"{person['email']} has no active token {args.token_id}",
                              "token_id")
        else:
            print(f"Revoked the token {args.token_id}; it no longer authenticates.")


def _accounts(args):
    return storage.accounts(args.database_url)


def serve(args) -> None:
    """Serve the web app with gunicorn: threads in one worker on SQLite (one writer process)."""
    from gunicorn.app.base import BaseApplication

    from webapp import server
    from webapp.app import create_app

    if args.workers > 1 and storage.sqlite_path(args.database_url) is not None:
        raise DomainError("several worker processes need PostgreSQL: with SQLite, serve with "
                          "--workers 1", "workers")
    if os.environ.get("RECIPROCA_ENV") == "production" and not os.environ.get(
            "RECIPROCA_SECRET_KEY"):
        raise DomainError("RECIPROCA_SECRET_KEY must be set when RECIPROCA_ENV=production: a "
                          "long random string, the same for every process (see "
                          "docs/operations.md)", "RECIPROCA_SECRET_KEY")
    _check_port_free(args.host, args.port)

    class Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{args.host}:{args.port}")
            self.cfg.set("workers", args.workers)
            self.cfg.set("threads", args.threads)
            # gunicorn's default of 1,000 connections per worker would refuse sockets that
            # threads could hold; connections beyond the threads wait for one.
            self.cfg.set("worker_connections", max(1000, 2 * args.threads))
            self.cfg.set("worker_class", "webapp.live.worker.LiveWorker")
            server.configure(self.cfg)

        def load(self):
            return create_app()  # in each worker, after the fork: its runner starts there

    address = f"http://{args.host}:{args.port}"
    print(f"Serving Reciproca on {address}/ : open it in a browser and sign in with an account's "
          f"email and password (the demo's were printed when it was loaded; add one with "
          f"`reciproca user add`). The JSON API is described at {address}/api/openapi.json",
          flush=True)
    Server().run()


def _check_port_free(host: str, port: int) -> None:
    """Say at once, in one line, that the port is taken (the server would retry, then fail)."""
    import errno
    import socket

    try:
        with socket.create_server((host, port)):
            pass
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise DomainError(f"port {port} on {host} is already in use (another program, "
                              f"perhaps another Reciproca): stop it or choose another port, for "
                              f"example --port {port + 1} (make run PORT={port + 1})",
                              "port") from None
        raise DomainError(f"cannot listen on {host}:{port}: {error.strerror or error}",
                          "port") from None


COMMANDS = {"init": init, "demo": demo, "rebuild": rebuild, "figures": figures, "user": user,
            "token": token, "serve": serve, **audit_cli.COMMANDS}


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="reciproca", description=__doc__)
    sub = root.add_subparsers(dest="command", required=True)
    sub.add_parser("init", help="create the event store and the other tables (idempotent)")
    demo_parser = sub.add_parser("demo", help="load a realistic example group with history")
    demo_parser.add_argument("--if-empty", action="store_true",
                             help="load it only when the store holds no events yet")
    sub.add_parser("rebuild", help="rebuild every read model from the log, with a progress bar")
    figures_parser = sub.add_parser("figures", help="print a group's power balance, principle "
                                                    "evidence and level")
    figures_parser.add_argument("group_id", nargs="?", help="the group (default: every group)")
    figures_parser.add_argument("--as-of", type=POSITION, help="as of this position in the log")
    figures_parser.add_argument("--json", action="store_true",
                                help="print JSON: a list with one item per group")
    user_parser = sub.add_parser("user", help="manage accounts")
    user_sub = user_parser.add_subparsers(dest="action", required=True)
    add_parser = user_sub.add_parser("add", help="create an account; the password is read "
                                                 "from the first line of standard input")
    add_parser.add_argument("email")
    add_parser.add_argument("--name", required=True, help="the name shown to others")
    add_parser.add_argument("--admin", action="store_true", help="an organisation admin")
    audit_cli.add_erase_parser(user_sub)
    user_sub.add_parser("list", help="list every account (email, name, id, admin, disabled)")
    user_sub.add_parser("disable", help="stop an account: no sign-in, its sessions and tokens "
                                        "end").add_argument("email")
    user_sub.add_parser("reset", help="print a one-time password-reset link for an account, "
                                      "alone on the last line").add_argument("email")
    token_parser = sub.add_parser("token", help="manage API tokens")
    token_sub = token_parser.add_subparsers(dest="action", required=True)
    create_parser = token_sub.add_parser("create", help="print a new API token for an account, "
                                                        "alone on the last line")
    create_parser.add_argument("email")
    token_sub.add_parser("list", help="list an account's tokens (never their secrets)"
                         ).add_argument("email")
    revoke_parser = token_sub.add_parser("revoke", help="revoke one of an account's tokens")
    revoke_parser.add_argument("email")
    revoke_parser.add_argument("token_id")
    serve_parser = sub.add_parser("serve", help="run the web app with a production-grade server")
    serve_parser.add_argument("--host", default="127.0.0.1")
    serve_parser.add_argument("--port", type=PORT, default=5000)
    serve_parser.add_argument("--workers", type=WORKERS,
                              default=_env_int("RECIPROCA_WORKERS", 1, WORKERS),
                              help="worker processes (more than one needs PostgreSQL; "
                                   "default: $RECIPROCA_WORKERS or 1)")
    serve_parser.add_argument("--threads", type=THREADS,
                              default=_env_int("RECIPROCA_THREADS", 128, THREADS),
                              help="threads per worker: each open websocket holds one, so this "
                                   "bounds the sockets plus requests a worker serves at once "
                                   "(default: $RECIPROCA_THREADS or 128)")
    audit_cli.add_parsers(sub)
    return root


def _env_int(name: str, default: int, kind) -> int:
    value = os.environ.get(name, "")
    try:
        return kind(value) if value else default
    except argparse.ArgumentTypeError as why:
        raise SystemExit(f"reciproca: {name} must be {why}") from None


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    coordination.label = f"reciproca {args.command}"
    try:
        configured_thresholds()
        args.database_url = storage.database_url()
        return COMMANDS[args.command](args) or 0
    except (DomainError, StaleViews, InvalidThresholds) as error:
        command = " ".join(filter(None, (args.command, getattr(args, "action", None))))
        print(f"reciproca {command}: {getattr(error, 'message', error)}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
