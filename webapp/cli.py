"""The `reciproca` command line (see shared/api.md)."""

import argparse
import os
import sys

from domain.errors import DomainError
from webapp import storage


def init(args) -> None:
    storage.initialise(args.database_url)
    print(f"Initialised the store at {storage.safe_url(args.database_url)}")


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


COMMANDS = {"init": init, "demo": demo}


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="reciproca", description=__doc__)
    sub = root.add_subparsers(dest="command", required=True)
    sub.add_parser("init", help="create the event store and the other tables (idempotent)")
    demo_parser = sub.add_parser("demo", help="load a realistic example group with history")
    demo_parser.add_argument("--if-empty", action="store_true",
                             help="load it only when the store holds no events yet")
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        args.database_url = storage.database_url()
        COMMANDS[args.command](args)
    except DomainError as error:
        print(f"reciproca {args.command}: {error.message}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
