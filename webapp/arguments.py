"""Numbers given on the command line, checked before use: a long or odd one ("²", 10**30) is a
one-line usage error naming the option, never a traceback from SQLite, bind() or a thread pool."""

import argparse


def whole(low: int, high: int):
    """An argparse type: a whole number from `low` to `high`, checked before int()."""
    def parse(text: str) -> int:
        if text.isascii() and text.isdigit() and len(text) <= len(str(high)) \
                and low <= int(text) <= high:
            return int(text)
        raise argparse.ArgumentTypeError(f"a whole number from {low} to {high}, not {text!r}")
    return parse


POSITION = whole(1, 2**62)  # a log position, bounded as the API bounds it
SIZE = whole(0, 2**62)  # a ledger's size (0: the empty ledger)
PORT, WORKERS, THREADS = whole(0, 65535), whole(1, 1000), whole(1, 100_000)
