"""Accounts: people who sign in, their sessions, their API tokens and sign-in throttling.

These are ordinary mutable tables (created by `reciproca init`), not events: operational state,
not the group's record. Events name people only by their opaque person id; `names()` gives the
names to show beside those ids.

- Passwords follow NIST SP 800-63B (webapp/passwords.py: at least 12 characters, no common or
  predictable ones, no composition rules) and are kept only as argon2id hashes of their NFKC
  form (argon2-cffi's defaults, rehashed at sign-in when the defaults change). An unknown email
  costs the same hash verification as a known one. At most one hash per core runs at a time
  (`HashingSlots`); beyond that a sign-in is refused with `HashingBusy` (503, Retry-After).
- A session cookie carries the account's session generation; `end_sessions()` increments it, so
  signing out invalidates every session of the account.
- API tokens are `rcp_<prefix>_<secret>` (see webapp/keys.py): 256 random bits of secret, a
  random lookup prefix, and only the SHA-256 digest kept (a fast hash suits a 256-bit random
  secret); compared in constant time, revocable, shown once. Password-reset links are secrets of
  the same kind, single use and short-lived.
- A disabled account cannot sign in, and its sessions and tokens stop working.
- Sign-in throttling is kept in the database, per (account, address) after 5 failures and per
  address after 20, never per account alone: failures sent from elsewhere never slow the
  account's owner at their own address. A further attempt waits 1 s after the last failure,
  doubling with each failure, never more than 15 minutes; a counter is forgotten an hour after
  its last failure. An attempt is counted as a failure before the password is checked (and the
  charge undone if it was right), in one transaction with the check, so parallel attempts
  cannot slip past the limit. Attempts refused by the throttle count for nothing. The address is
  the client's as the trusted proxies report it (RECIPROCA_TRUSTED_PROXIES, see webapp/app.py).
"""

import functools
import ipaddress
import math
import re
import secrets
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from domain.errors import DomainError, NotFound
from webapp import keys
from webapp.passwords import HashingSlots, normalised, password_problem
from webapp.sql import Database

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS reciproca_people (
        person_id TEXT PRIMARY KEY,
        email TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        is_admin INTEGER NOT NULL DEFAULT 0,
        session_generation INTEGER NOT NULL DEFAULT 0,
        created TEXT NOT NULL,
        disabled TEXT)""",
    """CREATE TABLE IF NOT EXISTS reciproca_tokens (
        token_id TEXT PRIMARY KEY,
        person_id TEXT NOT NULL REFERENCES reciproca_people (person_id) ON DELETE CASCADE,
        prefix TEXT NOT NULL UNIQUE,
        digest TEXT NOT NULL,
        created TEXT NOT NULL,
        revoked TEXT)""",
    "CREATE INDEX IF NOT EXISTS reciproca_tokens_person ON reciproca_tokens (person_id)",
    """CREATE TABLE IF NOT EXISTS reciproca_signin_failures (
        key TEXT PRIMARY KEY,
        failures INTEGER NOT NULL DEFAULT 0,
        last_failure TEXT)""",
    """CREATE TABLE IF NOT EXISTS reciproca_password_resets (
        prefix TEXT PRIMARY KEY,
        person_id TEXT NOT NULL REFERENCES reciproca_people (person_id) ON DELETE CASCADE,
        digest TEXT NOT NULL,
        created TEXT NOT NULL,
        expires TEXT NOT NULL,
        used TEXT)""",
    """CREATE INDEX IF NOT EXISTS reciproca_signin_failures_last
        ON reciproca_signin_failures (last_failure)""",
    # Each (person, Idempotency-Key): the request it was first used for and, once answered, its
    # answer (see webapp/idempotency.py). The first version kept no request; its rows are gone.
    "DROP TABLE IF EXISTS reciproca_idempotency",
    """CREATE TABLE IF NOT EXISTS reciproca_idempotency_keys (
        person_id TEXT NOT NULL, key TEXT NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL,
        fingerprint TEXT NOT NULL, claim TEXT NOT NULL, claimed_at DOUBLE PRECISION NOT NULL,
        status INTEGER, body TEXT,
        PRIMARY KEY (person_id, key))""",
]

PAIR_LIMIT = 5  # failures for one account from one address before attempts are slowed
ADDRESS_LIMIT = 20  # failures from one address before attempts are slowed
FIRST_DELAY = 1.0  # seconds after the last failure, once a limit is reached
MAX_DELAY = 15 * 60.0  # the delay doubles with each further failure up to this
FORGET_AFTER = timedelta(hours=1)  # a counter is forgotten this long after its last failure

EMAIL_FORMAT = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")
PERSON_COLUMNS = "person_id, email, name, is_admin, session_generation, created, disabled"
REFUSED = "the email or the password is wrong"


class AccountError(DomainError):
    """An account could not be created or changed; `field` names the input that was wrong."""


class LinkGone(DomainError):
    """A one-time link that was real but is used, expired or withdrawn (HTTP 410)."""


class SignInRefused(Exception):
    """Wrong email or wrong password (the same message for both)."""

    def __init__(self, message: str = REFUSED):
        super().__init__(message)
        self.message = message


class SignInThrottled(SignInRefused):
    """Too many recent failures for this account or address: try again after a while."""

    def __init__(self, retry_after_seconds: int):
        super().__init__(f"too many failed sign-ins; try again in {retry_after_seconds} s")
        self.retry_after_seconds = retry_after_seconds


def normalise_email(email: str) -> str:
    return email.strip().lower() if isinstance(email, str) else ""


def address_key(address: str | None) -> str:
    """An IP address as throttled: IPv4 as is, IPv6 by its /64 (one host has a whole /64)."""
    text = (address or "unknown").strip()[:100]
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return text
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((int(ip), 64), strict=False))
    return str(ip)


def throttle_keys(email: str, address: str | None) -> tuple[str, str]:
    """The counters an attempt is charged to: the account from this address, and the address."""
    place = address_key(address)
    return f"pair:{place}|{normalise_email(email)[:320]}", f"address:{place}"


def throttle_delay(failures: int, limit: int) -> float | None:
    """Seconds an attempt must wait after the last failure, or None below the limit."""
    if failures < limit:
        return None
    return min(FIRST_DELAY * 2 ** min(failures - limit, 30), MAX_DELAY)


def checked_password(password: object, email: str = "") -> str:
    """The password in the form that is hashed (NFKC), if NIST SP 800-63B's rules accept it
    (webapp/passwords.py); else AccountError naming `password`."""
    problem = password_problem(password, email)
    if problem:
        raise AccountError(problem, "password")
    return normalised(password)


@functools.cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    """A hash to verify against when the email is unknown, so the timing is the same."""
    return hasher.hash(secrets.token_urlsafe(16))


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class Accounts:
    """People, sessions, API tokens and sign-in throttling, in the database at `db`."""

    def __init__(self, db: Database, *, clock: Callable[[], datetime] | None = None,
                 hasher: PasswordHasher | None = None, slots: HashingSlots | None = None):
        self.db = db
        self._clock = clock or _utc_now
        self._hasher = hasher or PasswordHasher()
        self._slots = slots or HashingSlots()

    def create_tables(self) -> None:
        with self.db.cursor() as cursor:
            for statement in SCHEMA:
                cursor.execute(statement)
            self.db.add_column(cursor, "reciproca_people", "disabled", "TEXT")

    # People

    def add_person(self, email: str, name: str, password: str, *, admin: bool = False,
                   person_id: str | None = None) -> str:
        """Create an account; its person id (new, or the one given for a person who already
        appears in a group's record). AccountError names a bad input."""
        email = normalise_email(email)
        if len(email) > 254 or not EMAIL_FORMAT.fullmatch(email):
            raise AccountError(f"{email or 'an empty value'} is not an email address", "email")
        name = name.strip() if isinstance(name, str) else ""
        if not name:
            raise AccountError("a name is needed", "name")
        with self._slots.held():
            password_hash = self._hasher.hash(checked_password(password, email))
        person_id = person_id or str(uuid.uuid4())
        try:
            with self.db.cursor() as cursor:
                cursor.execute(self.db.sql(
                    "INSERT INTO reciproca_people (person_id, email, name, password_hash, "
                    "is_admin, session_generation, created) "
                    "VALUES (:person_id, :email, :name, :password_hash, :is_admin, 0, :created)"),
                    {"person_id": person_id, "email": email, "name": name,
                     "password_hash": password_hash, "is_admin": int(bool(admin)),
                     "created": self._now().isoformat()})
        except self.db.integrity_errors:
            raise AccountError(f"an account with the email {email} already exists",
                               "email") from None
        return person_id

    def person(self, person_id: str) -> dict | None:
        """person_id, email, name, is_admin, session_generation, created (never the hash)."""
        return self._person_where("person_id = :value", person_id)

    def person_by_email(self, email: str) -> dict | None:
        return self._person_where("email = :value", normalise_email(email))

    def erase(self, person_id: str) -> bool:
        """Remove a person's account: name, email, password, tokens, sign-in throttling and
        kept answers. The opaque person id stays in the record; nothing else about them does
        here. False when there was no account."""
        person = self.person(person_id)
        if person is None:
            return False
        pairs = "pair:%|" + re.sub(r"([!%_])", r"!\1", person["email"][:320])
        with self.db.cursor(write=True) as cursor:
            for statement in ("DELETE FROM reciproca_tokens WHERE person_id = :person_id",
                              "DELETE FROM reciproca_idempotency_keys "
                              "WHERE person_id = :person_id",
                              "DELETE FROM reciproca_signin_failures "
                              "WHERE key LIKE :pairs ESCAPE '!'",
                              "DELETE FROM reciproca_people WHERE person_id = :person_id"):
                cursor.execute(self.db.sql(statement), {"person_id": person_id, "pairs": pairs})
        return True

    def names(self, person_ids: Iterable[str]) -> dict[str, str]:
        """The names of these people, by id (ids without an account are left out)."""
        wanted = list(dict.fromkeys(person_ids))
        found: dict[str, str] = {}
        for start in range(0, len(wanted), 500):
            params = {f"p{i}": person_id for i, person_id in enumerate(wanted[start:start + 500])}
            marks = ", ".join(f":{name}" for name in params)
            with self.db.cursor() as cursor:
                cursor.execute(self.db.sql(
                    f"SELECT person_id, name FROM reciproca_people WHERE person_id IN ({marks})"),
                    params)
                found.update({row["person_id"]: row["name"] for row in cursor.fetchall()})
        return found

    def people(self) -> list[dict]:
        """Every account, by email (for operators)."""
        with self.db.cursor() as cursor:
            cursor.execute(f"SELECT {PERSON_COLUMNS} FROM reciproca_people ORDER BY email")
            return [self._as_person(row) for row in cursor.fetchall()]

    def disable(self, person_id: str) -> bool:
        """The account can no longer sign in; its sessions and tokens stop working at once."""
        with self.db.cursor() as cursor:
            cursor.execute(self.db.sql(
                "UPDATE reciproca_people SET disabled = :now, "
                "session_generation = session_generation + 1 "
                "WHERE person_id = :person_id AND disabled IS NULL"),
                {"now": self._now().isoformat(), "person_id": person_id})
            return cursor.rowcount == 1

    def remove_person(self, person_id: str) -> None:
        """Delete an account created a moment ago whose purpose failed (an invitation whose
        join was refused): no account is left without the membership it was made for."""
        with self.db.cursor() as cursor:
            cursor.execute(self.db.sql(
                "DELETE FROM reciproca_people WHERE person_id = :person_id"),
                {"person_id": person_id})

    # Passwords

    def change_password(self, person_id: str, current: str, new: str,
                        address: str | None) -> int:
        """Set a new password after checking the current one; every session ends. Returns the
        new session generation (for the caller's own session to carry on). The check is
        throttled like a sign-in (SignInThrottled), so a stolen session cannot guess the
        password faster than the sign-in form allows."""
        person = self.person(person_id)
        try:
            self._verified(person["email"] if person else "", current, address)
        except SignInThrottled:
            raise
        except SignInRefused:
            raise AccountError("the current password is wrong", "current_password") from None
        return self._set_password(person_id, new, "new_password")

    def create_reset(self, person_id: str, valid_for: timedelta) -> str:
        """A one-time password-reset secret for the account, shown once."""
        secret, prefix = keys.new_secret("rst")
        now = self._now()
        with self.db.cursor() as cursor:
            cursor.execute(self.db.sql(
                "INSERT INTO reciproca_password_resets (prefix, person_id, digest, created, "
                "expires, used) VALUES (:prefix, :person_id, :digest, :created, :expires, NULL)"),
                {"prefix": prefix, "person_id": person_id, "digest": keys.digest(secret),
                 "created": now.isoformat(), "expires": (now + valid_for).isoformat()})
        return secret

    def reset_asked_within(self, person_id: str, period: timedelta) -> bool:
        """Whether a reset link was made for the account this recently (mail is sent at most
        once per period, so nobody can flood someone's inbox)."""
        with self.db.cursor() as cursor:
            cursor.execute(self.db.sql(
                "SELECT 1 FROM reciproca_password_resets WHERE person_id = :person_id "
                "AND created > :since"),
                {"person_id": person_id, "since": (self._now() - period).isoformat()})
            return cursor.fetchone() is not None

    def reset_password(self, secret: str, password: str) -> str:
        """Use a reset secret: the new password is set, every session and every other reset
        link of the account ends. NotFound for an unknown secret, LinkGone when used or
        expired. Returns the person id."""
        checked_password(password)
        prefix = keys.prefix_of("rst", secret)
        now = self._now()
        with self.db.cursor(write=True) as cursor:
            cursor.execute(self.db.sql(
                f"SELECT person_id, digest, expires, used FROM reciproca_password_resets "
                f"WHERE prefix = :prefix{self.db.for_update}"), {"prefix": prefix or ""})
            row = cursor.fetchone()
            if row is None or not keys.matches(row["digest"], secret):
                raise NotFound("there is no such password-reset link", "secret")
            if row["used"] or datetime.fromisoformat(row["expires"]) <= now:
                raise LinkGone("this password-reset link was used or has expired; ask for "
                               "a new one", "secret")
            cursor.execute(self.db.sql(
                "UPDATE reciproca_password_resets SET used = :now "
                "WHERE person_id = :person_id AND used IS NULL"),
                {"now": now.isoformat(), "person_id": row["person_id"]})
        self._set_password(row["person_id"], password, "password")
        return row["person_id"]

    def _set_password(self, person_id: str, password: str, field: str) -> int:
        person = self.person(person_id)
        try:
            with self._slots.held():
                password_hash = self._hasher.hash(checked_password(
                    password, person["email"] if person else ""))
        except AccountError as error:
            raise AccountError(error.message, field) from None
        with self.db.cursor() as cursor:
            cursor.execute(self.db.sql(
                "UPDATE reciproca_people SET password_hash = :hash, "
                "session_generation = session_generation + 1 WHERE person_id = :person_id"),
                {"hash": password_hash, "person_id": person_id})
        return self.session_generation(person_id)

    # Sign-in and sessions

    def sign_in(self, email: str, password: str, address: str | None) -> dict:
        """The person, when email and password match; else SignInRefused or SignInThrottled
        (or HashingBusy when every hashing slot stayed taken: nothing was charged)."""
        return self._as_person(self._verified(email, password, address))

    def _verified(self, email: str, password: str, address: str | None) -> dict:
        """The account's row when email and password match. Every check of a password (a
        sign-in, a password change) is charged to the same throttle, so guesses cost the same
        wherever they are made; a success clears the account's counter."""
        email = normalise_email(email)
        pair, place = throttle_keys(email, address)
        password = normalised(password) if isinstance(password, str) else ""
        with self._slots.held():
            now = self._now()
            before = self._charge_attempt((pair, place), now)
            with self.db.cursor() as cursor:
                cursor.execute(self.db.sql(
                    f"SELECT {PERSON_COLUMNS}, password_hash FROM reciproca_people "
                    f"WHERE email = :email"), {"email": email})
                row = cursor.fetchone()
            stored = row["password_hash"] if row else _dummy_hash(self._hasher)
            if not self._verify(stored, password) or row is None or row["disabled"]:
                raise SignInRefused()
            rehashed = (self._hasher.hash(password) if self._hasher.check_needs_rehash(stored)
                        else None)
        with self.db.cursor() as cursor:
            cursor.execute(self.db.sql(
                "DELETE FROM reciproca_signin_failures WHERE key = :key"), {"key": pair})
            self._undo_charge(cursor, place, before[place], now)
            if rehashed:
                cursor.execute(self.db.sql(
                    "UPDATE reciproca_people SET password_hash = :hash "
                    "WHERE person_id = :person_id AND password_hash = :old"),
                    {"hash": rehashed, "person_id": row["person_id"], "old": stored})
        return row

    def end_sessions(self, person_id: str) -> int | None:
        """Invalidate every session of the account; its new session generation."""
        with self.db.cursor() as cursor:
            cursor.execute(self.db.sql(
                "UPDATE reciproca_people SET session_generation = session_generation + 1 "
                "WHERE person_id = :person_id"), {"person_id": person_id})
            cursor.execute(self.db.sql(
                "SELECT session_generation FROM reciproca_people WHERE person_id = :person_id"),
                {"person_id": person_id})
            row = cursor.fetchone()
        return None if row is None else row["session_generation"]

    def session_generation(self, person_id: str) -> int | None:
        """The account's current session generation; None when there is no such account or
        it is disabled (no session of it is valid)."""
        person = self.person(person_id)
        return None if person is None or person["disabled"] else person["session_generation"]

    # API tokens

    def create_token(self, person_id: str) -> str:
        """A new API token for the person: returned once, only its digest is kept."""
        for _ in range(5):
            token, prefix = keys.new_secret("rcp")
            try:
                with self.db.cursor() as cursor:
                    cursor.execute(self.db.sql(
                        "SELECT person_id FROM reciproca_people WHERE person_id = :person_id"),
                        {"person_id": person_id})
                    if cursor.fetchone() is None:
                        raise AccountError("there is no account with this id", "person_id")
                    cursor.execute(self.db.sql(
                        "INSERT INTO reciproca_tokens (token_id, person_id, prefix, digest, "
                        "created, revoked) "
                        "VALUES (:token_id, :person_id, :prefix, :digest, :created, NULL)"),
                        {"token_id": str(uuid.uuid4()), "person_id": person_id,
                         "prefix": prefix, "digest": keys.digest(token),
                         "created": self._now().isoformat()})
                return token
            except self.db.integrity_errors:
                continue  # a prefix already taken (or the account just removed): try again
        raise AccountError("could not create a token; try again", "person_id")

    def token_person(self, token: str) -> dict | None:
        """The person (as `person` gives them) the token belongs to, in one statement; None
        when malformed, unknown, revoked, or its account is disabled."""
        prefix = keys.prefix_of("rcp", token)
        if prefix is None:
            return None
        columns = ", ".join(f"p.{column}" for column in PERSON_COLUMNS.split(", "))
        with self.db.cursor() as cursor:
            cursor.execute(self.db.sql(
                f"SELECT t.digest, {columns} FROM reciproca_tokens t "
                "JOIN reciproca_people p ON p.person_id = t.person_id "
                "WHERE t.prefix = :prefix AND t.revoked IS NULL AND p.disabled IS NULL"),
                {"prefix": prefix})
            row = cursor.fetchone()
        if row is None or not keys.matches(row["digest"], token):
            return None
        return self._as_person(row)

    def revoke_token(self, person_id: str, token_id: str) -> bool:
        """Revoke one of the person's tokens; False when they have no such unrevoked token."""
        with self.db.cursor() as cursor:
            cursor.execute(self.db.sql(
                "UPDATE reciproca_tokens SET revoked = :now "
                "WHERE token_id = :token_id AND person_id = :person_id AND revoked IS NULL"),
                {"now": self._now().isoformat(), "token_id": token_id, "person_id": person_id})
            return cursor.rowcount == 1

    def tokens(self, person_id: str) -> list[dict]:
        """The person's tokens: token_id, prefix, created, revoked (None while valid)."""
        with self.db.cursor() as cursor:
            cursor.execute(self.db.sql(
                "SELECT token_id, prefix, created, revoked FROM reciproca_tokens "
                "WHERE person_id = :person_id ORDER BY created, token_id"),
                {"person_id": person_id})
            return [dict(row) for row in cursor.fetchall()]

    # Internals

    def _now(self) -> datetime:
        now = self._clock()
        if now.tzinfo is None:
            now = now.replace(tzinfo=timezone.utc)
        return now.astimezone(timezone.utc)

    def _person_where(self, condition: str, value: str) -> dict | None:
        if not isinstance(value, str):
            return None
        with self.db.cursor() as cursor:
            cursor.execute(self.db.sql(
                f"SELECT {PERSON_COLUMNS} FROM reciproca_people WHERE {condition}"),
                {"value": value})
            row = cursor.fetchone()
        return None if row is None else self._as_person(row)

    @staticmethod
    def _as_person(row: dict) -> dict:
        return {"person_id": row["person_id"], "email": row["email"], "name": row["name"],
                "is_admin": bool(row["is_admin"]),
                "session_generation": int(row["session_generation"]),
                "created": row["created"], "disabled": row["disabled"]}

    def _verify(self, stored: str, password: str) -> bool:
        """Whether the password matches; text that is not valid Unicode (a lone surrogate)
        never does, and costs a verification like any other wrong password."""
        if not isinstance(password, str) or not _encodable(password):
            password = ""
        try:
            return self._hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False

    def _charge_attempt(self, keys: tuple[str, ...], now: datetime) -> dict[str, dict]:
        """Refuse the attempt while a key is throttled; else count it as a failure at once.

        One transaction: the rows are created if missing and locked (SQLite: the write lock;
        PostgreSQL: the rows, in key order), checked, then charged. Returns each key's row as it
        was before the charge.
        """
        params = {f"k{i}": key for i, key in enumerate(sorted(keys))}
        marks = ", ".join(f":{name}" for name in params)
        with self.db.cursor(write=True) as cursor:
            for name in params:
                cursor.execute(self.db.sql(
                    f"INSERT INTO reciproca_signin_failures (key, failures, last_failure) "
                    f"VALUES (:{name}, 0, NULL) ON CONFLICT (key) DO NOTHING"),
                    {name: params[name]})
            cursor.execute(self.db.sql(
                f"SELECT key, failures, last_failure FROM reciproca_signin_failures "
                f"WHERE key IN ({marks}) ORDER BY key{self.db.for_update}"), params)
            before = {row["key"]: dict(row) for row in cursor.fetchall()}
            waits = [wait for wait in (self._wait(row, now) for row in before.values())
                     if wait > 0]
            if waits:
                raise SignInThrottled(max(1, math.ceil(max(waits))))
            cursor.execute(self.db.sql(
                f"UPDATE reciproca_signin_failures SET last_failure = :now, failures = CASE "
                f"WHEN last_failure <= :forgotten THEN 1 ELSE failures + 1 END "
                f"WHERE key IN ({marks})"),
                {**params, "now": now.isoformat(),
                 "forgotten": (now - FORGET_AFTER).isoformat()})
        self._forget_old_counters(now)
        return before

    def _forget_old_counters(self, now: datetime) -> None:
        """Delete counters whose last failure is over an hour old (rows another attempt holds
        are left for later: this never waits for them)."""
        skip = " FOR UPDATE SKIP LOCKED" if self.db.dialect == "postgresql" else ""
        with self.db.cursor() as cursor:
            cursor.execute(self.db.sql(
                f"DELETE FROM reciproca_signin_failures WHERE key IN (SELECT key FROM "
                f"reciproca_signin_failures WHERE last_failure <= :forgotten{skip})"),
                {"forgotten": (now - FORGET_AFTER).isoformat()})

    @staticmethod
    def _wait(row: dict, now: datetime) -> float:
        limit = PAIR_LIMIT if row["key"].startswith("pair:") else ADDRESS_LIMIT
        delay = throttle_delay(row["failures"], limit)
        if delay is None or row["last_failure"] is None:
            return 0.0
        since = (now - datetime.fromisoformat(row["last_failure"])).total_seconds()
        if since >= FORGET_AFTER.total_seconds():
            return 0.0
        return min(delay - since, delay)  # a clock set back never makes the wait longer

    def _undo_charge(self, cursor, key: str, before: dict, now: datetime) -> None:
        """Take back an attempt's charge on a key: it was not a failure after all."""
        cursor.execute(self.db.sql(
            "UPDATE reciproca_signin_failures SET failures = :failures, last_failure = :last "
            "WHERE key = :key AND failures = :charged AND last_failure = :now"),
            {"key": key, "failures": before["failures"], "last": before["last_failure"],
             "charged": before["failures"] + 1, "now": now.isoformat()})
        if cursor.rowcount == 0:  # other attempts came in between: just uncount this one
            cursor.execute(self.db.sql(
                "UPDATE reciproca_signin_failures SET failures = failures - 1 "
                "WHERE key = :key AND failures > 0"), {"key": key})
        cursor.execute(self.db.sql(
            "DELETE FROM reciproca_signin_failures WHERE key = :key AND failures = 0"),
            {"key": key})
