"""Passwords as NIST SP 800-63B asks, and a bound on how many are hashed at once.

- At least 12 characters, counted after Unicode normalisation (NFKC, which is also what is
  hashed, so the same passphrase typed on another keyboard still matches); at most 1024. Any
  character is allowed, spaces included, and there are no composition rules: a long passphrase
  is the best password.
- Refused when predictable: fewer than 5 different characters (`aaaaaaaaaaaa`, twelve spaces), a
  run such as `abcdefghijkl`, the email or its local part, or a common password: the password,
  lower-cased and trimmed, or with its leading and trailing digits and symbols removed
  (`password1234` -> `password`), is in the shipped list (`common-passwords.txt.gz`, 20,000
  passwords from breach corpora; see `common-passwords.LICENSE`).
- Hashing with argon2id takes 64 MiB and a core for a moment: `HashingSlots` lets as many hashes
  run at once as the machine has cores; a request that cannot get a slot within a second is
  refused (`HashingBusy`, answered 503 with Retry-After) instead of exhausting memory.
"""

import functools
import gzip
import os
import re
import threading
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

MIN_LENGTH, MAX_LENGTH = 12, 1024
MIN_DISTINCT = 5
COMMON_LIST = Path(__file__).with_name("common-passwords.txt.gz")
_EDGES = re.compile(r"^[\W\d_]+|[\W\d_]+$")


def normalised(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


@functools.cache
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_LIST, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def password_problem(password: object, email: str = "") -> str | None:
    """Why this password may not be used, or None when it may."""
    if not isinstance(password, str) or "\x00" in password:
        return "the password must be text"
    try:
        password.encode("utf-8")
    except UnicodeEncodeError:
        return "the password must be text (it holds an invalid character)"
    text = normalised(password)
    if len(text) < MIN_LENGTH:
        return f"the password must have at least {MIN_LENGTH} characters"
    if len(text) > MAX_LENGTH:
        return f"the password must have at most {MAX_LENGTH} characters"
    folded = text.casefold().strip()
    if len(set(folded)) < MIN_DISTINCT or _is_run(folded):
        return "the password is too predictable: a passphrase of a few words is easy to remember"
    local_part = email.casefold().partition("@")[0]
    if folded in common_passwords() or _EDGES.sub("", folded) in common_passwords() \
            or folded in (email.casefold(), local_part):
        return "the password is too common: choose another, such as a phrase of a few words"
    return None


def _is_run(text: str) -> bool:
    """`abcdefghijkl`, `987654321098`: every character one step from the one before."""
    steps = {(ord(b) - ord(a)) for a, b in zip(text, text[1:])}
    return steps <= {1, -9} or steps <= {-1, 9}


class HashingBusy(Exception):
    """Every hashing slot stayed taken: the caller should retry after `retry_after` seconds."""

    retry_after = 1


class HashingSlots:
    """At most one password hash per core at a time in this process."""

    def __init__(self, size: int | None = None, wait_seconds: float = 1.0):
        self.size = size or len(os.sched_getaffinity(0)) or 1
        self._slots = threading.BoundedSemaphore(self.size)
        self._wait = wait_seconds

    @contextmanager
    def held(self) -> Iterator[None]:
        if not self._slots.acquire(timeout=self._wait):
            raise HashingBusy()
        try:
            yield
        finally:
            self._slots.release()
