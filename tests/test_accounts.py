"""Accounts, sign-in throttling, sessions and API tokens, on a real SQLite file and on PostgreSQL.

argon2 runs at its default cost (about 0.2 s a hash here), so the tests count their sign-ins.
"""

import hashlib
import io
import re
import threading
import time
import unicodedata
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import pytest
from argon2 import PasswordHasher

from webapp.accounts import (AccountError, Accounts, SignInRefused, SignInThrottled,
                             address_key, throttle_keys)
from webapp.cli import main
from webapp.sql import Database

PASSWORD = "correct horse"  # 13 characters
HERE, THERE = "203.0.113.7", "198.51.100.20"


class Clock:
    def __init__(self):
        self.now = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class CountingHasher(PasswordHasher):
    """argon2-cffi's defaults, counting verifications."""

    def __init__(self):
        super().__init__()
        self.verified = 0

    def verify(self, hash, password):
        self.verified += 1
        return super().verify(hash, password)


class SlowThrottleReads(Database):
    """Pauses after each read of the throttle table, widening any gap between check and charge."""

    @contextmanager
    def cursor(self, **options):
        with super().cursor(**options) as cursor:
            yield SlowCursor(cursor)


class SlowCursor:
    def __init__(self, cursor):
        self._cursor = cursor

    def execute(self, statement, params=None):
        self._cursor.execute(statement, params)
        if statement.startswith("SELECT") and "reciproca_signin_failures" in statement:
            time.sleep(0.05)

    def __getattr__(self, name):
        return getattr(self._cursor, name)


@pytest.fixture
def db(database_url):
    database = Database(database_url)
    yield database
    database.close()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def accounts(db, clock):
    return Accounts(db, clock=clock)


def rows(db, statement, **params) -> list[dict]:
    with db.cursor() as cursor:
        cursor.execute(db.sql(statement), params)
        return [dict(row) for row in cursor.fetchall()]


def refused(accounts, email, password, address=HERE) -> SignInRefused:
    """The refusal of a sign-in that must be refused (not throttled)."""
    with pytest.raises(SignInRefused) as caught:
        accounts.sign_in(email, password, address)
    assert type(caught.value) is SignInRefused
    return caught.value


def throttled(accounts, email, password, address=HERE) -> int:
    with pytest.raises(SignInThrottled) as caught:
        accounts.sign_in(email, password, address)
    return caught.value.retry_after_seconds


# The SQL helper


def test_sql_rewrites_named_parameters_and_rolls_back_on_error(db):
    with db.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS sql_probe (k TEXT PRIMARY KEY, v TEXT)")
    assert rows(db, "SELECT 'a:b 100%' AS text, :value AS value", value="x") == [
        {"text": "a:b 100%", "value": "x"}]
    with pytest.raises(RuntimeError), db.cursor() as cursor:
        cursor.execute(db.sql("INSERT INTO sql_probe (k, v) VALUES (:k, :v)"), {"k": "1", "v": "a"})
        raise RuntimeError("undo")
    with db.cursor(write=True) as cursor:
        cursor.execute(db.sql("INSERT INTO sql_probe (k, v) VALUES (:k, :v)"), {"k": "2", "v": "b"})
    assert rows(db, "SELECT k, v FROM sql_probe") == [{"k": "2", "v": "b"}]


# People


def test_passwords_are_kept_only_as_argon2id_hashes(accounts, db):
    person_id = accounts.add_person(" Ana@Example.ORG ", "Ana", PASSWORD, admin=True)
    [stored] = rows(db, "SELECT * FROM reciproca_people")
    assert stored["password_hash"].startswith("$argon2id$")
    assert PASSWORD not in " ".join(str(value) for value in stored.values())
    person = accounts.person(person_id)
    assert person == accounts.person_by_email("ANA@example.org ")
    assert {k: person[k] for k in ("person_id", "email", "name", "is_admin",
                                   "session_generation")} == {
        "person_id": person_id, "email": "ana@example.org", "name": "Ana", "is_admin": True,
        "session_generation": 0}
    assert stored["password_hash"] not in person.values() and "password_hash" not in person
    assert accounts.person("no-such-id") is None and accounts.person_by_email("x@y.org") is None


def test_bad_account_details_are_refused_naming_the_field(accounts):
    accounts.add_person("bea@example.org", "Bea", "twelve chars")  # exactly 12 characters
    for email, name, password, field, words in [
            ("not-an-email", "Carla", PASSWORD, "email", "not an email address"),
            ("", "Carla", PASSWORD, "email", "not an email address"),
            ("carla@example.org", "  ", PASSWORD, "name", "a name is needed"),
            ("carla@example.org", "Carla", "eleven char", "password", "at least 12 characters"),
            (" BEA@example.org", "Bea again", PASSWORD, "email", "already exists")]:
        with pytest.raises(AccountError) as caught:
            accounts.add_person(email, name, password)
        assert (caught.value.field, words in caught.value.message) == (field, True)
    assert accounts.person_by_email("carla@example.org") is None


@pytest.mark.parametrize("password, words", [
    ("aaaaaaaaaaaa", "too predictable"), (" " * 12, "too predictable"),
    ("abababababab", "too predictable"), ("abcdefghijklmn", "too predictable"),
    ("password1234", "too common"), ("Password1234!", "too common"),
    ("ＰＡＳＳＷＯＲＤ１２３４", "too common"),  # full-width: the same after NFKC
    ("iloveyou2024", "too common"), ("1q2w3e4r5t6y", "too common"),
    ("carla@example.org", "too common"), ("x" * 1025, "at most 1024"), (None, "text"),
    ("a lone \ud800 surrogate", "invalid character"), ("with a \x00 nul byte", "text")])
def test_common_and_predictable_passwords_are_refused(accounts, password, words):
    with pytest.raises(AccountError) as caught:
        accounts.add_person("carla@example.org", "Carla", password)
    assert caught.value.field == "password" and words in caught.value.message


def test_a_password_that_is_not_valid_text_is_just_wrong_at_sign_in(accounts):
    accounts.add_person("ana@example.org", "Ana", PASSWORD)
    refused(accounts, "ana@example.org", "\ud800 lone surrogate")


def test_passphrases_of_any_script_are_welcome_and_compared_normalised(accounts):
    passphrase = "el café de la esquina abre a las siete 🌅 " * 4
    accounts.add_person("dana@example.org", "Dana", passphrase)
    decomposed = unicodedata.normalize("NFD", passphrase)  # another keyboard, same phrase
    assert decomposed != passphrase
    assert accounts.sign_in("dana@example.org", decomposed, HERE)["name"] == "Dana"
    accounts.add_person("eli@example.org", "Eli", "no uppercase digits or symbols at all")


def test_names_are_given_for_the_ids_that_have_accounts(accounts):
    ana = accounts.add_person("ana@example.org", "Ana", PASSWORD)
    bea = accounts.add_person("bea@example.org", "Bea", PASSWORD)
    assert accounts.names([ana, bea, "unknown-id", ana]) == {ana: "Ana", bea: "Bea"}
    assert accounts.names([]) == {}


# Signing in


def test_sign_in_checks_the_password_and_refuses_alike_for_an_unknown_email(db, clock):
    hasher = CountingHasher()
    accounts = Accounts(db, clock=clock, hasher=hasher)
    person_id = accounts.add_person("ana@example.org", "Ana", PASSWORD)
    assert accounts.sign_in(" ANA@example.org", PASSWORD, HERE)["person_id"] == person_id
    wrong_password = refused(accounts, "ana@example.org", PASSWORD + "!")
    unknown_email = refused(accounts, "nobody@example.org", PASSWORD)
    assert str(wrong_password) == str(unknown_email) == "the email or the password is wrong"
    assert hasher.verified == 3  # the unknown email cost a verification too


def test_an_account_is_slowed_from_an_address_after_five_failures_there_only(
        accounts, database_url, clock):
    accounts.add_person("ana@example.org", "Ana", PASSWORD)
    for attempt in range(5):
        refused(accounts, "ana@example.org", f"guess {attempt}")
    assert throttled(accounts, "ana@example.org", PASSWORD) == 1  # even the right password
    assert accounts.sign_in("ana@example.org", PASSWORD, THERE)["name"] == "Ana"

    # the state is in the database: another process sees it
    other_db = Database(database_url)
    try:
        elsewhere = Accounts(other_db, clock=clock)
        clock.advance(0.5)
        assert throttled(elsewhere, "ANA@example.org", PASSWORD) == 1
        clock.advance(0.5)
        assert elsewhere.sign_in("ana@example.org", PASSWORD, HERE)["name"] == "Ana"
    finally:
        other_db.close()

    # the success cleared that address's failures for the account: one more does not slow it
    refused(accounts, "ana@example.org", "guess 5")
    assert accounts.sign_in("ana@example.org", PASSWORD, HERE)["name"] == "Ana"


def test_failures_sent_from_elsewhere_never_lock_the_owner_out(accounts, clock):
    accounts.add_person("ana@example.org", "Ana", PASSWORD)
    for attempt in range(10):  # an attacker rotating addresses
        refused(accounts, "ana@example.org", f"guess {attempt}", address=f"192.0.2.{attempt}")
    assert accounts.sign_in("ana@example.org", PASSWORD, HERE)["name"] == "Ana"
    for attempt in range(20):  # one address's failures, over many accounts
        refused(accounts, f"someone{attempt % 5}@example.org", "guess", address="192.0.2.200")
    assert throttled(accounts, "ana@example.org", PASSWORD, address="192.0.2.200") == 1
    assert accounts.sign_in("ana@example.org", PASSWORD, THERE)["name"] == "Ana"


def test_counters_are_forgotten_an_hour_after_their_last_failure(accounts, db, clock):
    accounts.add_person("ana@example.org", "Ana", PASSWORD)
    for attempt in range(5):
        refused(accounts, "ana@example.org", f"guess {attempt}")
    refused(accounts, "bea@example.org", "guess", address=THERE)
    clock.advance(3600)
    refused(accounts, "ana@example.org", "guess 5")  # allowed, and counted from 1 again
    assert rows(db, "SELECT key, failures FROM reciproca_signin_failures ORDER BY key") == [
        {"key": f"address:{HERE}", "failures": 1},
        {"key": f"pair:{HERE}|ana@example.org", "failures": 1}]  # THERE's counters are gone
    for attempt in range(3):
        refused(accounts, "ana@example.org", f"guess {6 + attempt}")
    assert accounts.sign_in("ana@example.org", PASSWORD, HERE)["name"] == "Ana"


def test_the_delay_doubles_and_never_passes_fifteen_minutes(accounts, db, clock):
    accounts.add_person("ana@example.org", "Ana", PASSWORD)
    for attempt in range(5):
        refused(accounts, "ana@example.org", f"guess {attempt}")
    assert throttled(accounts, "ana@example.org", PASSWORD) == 1
    clock.advance(1)
    refused(accounts, "ana@example.org", "guess 5")
    assert throttled(accounts, "ana@example.org", PASSWORD) == 2
    clock.advance(2)
    refused(accounts, "ana@example.org", "guess 6")
    clock.advance(3.5)
    assert throttled(accounts, "ana@example.org", PASSWORD) == 1  # 4 s after the last failure
    clock.advance(0.5)
    accounts.sign_in("ana@example.org", PASSWORD, HERE)

    # a long attack: a thousand failures, the last one now
    with db.cursor() as cursor:
        cursor.execute(db.sql("INSERT INTO reciproca_signin_failures (key, failures, last_failure) "
                              "VALUES (:key, 1000, :now)"),
                       {"key": throttle_keys("ana@example.org", HERE)[0],
                        "now": clock.now.isoformat()})
    assert throttled(accounts, "ana@example.org", PASSWORD) == 900
    clock.advance(899)
    assert throttled(accounts, "ana@example.org", PASSWORD) == 1
    clock.advance(1)
    assert accounts.sign_in("ana@example.org", PASSWORD, HERE)["name"] == "Ana"


def test_an_address_is_slowed_after_twenty_failures_and_a_success_does_not_clear_it(
        accounts, db, clock):
    ana = accounts.add_person("ana@example.org", "Ana", PASSWORD)
    for attempt in range(20):  # 4 tries on each of 5 emails: no account reaches its limit
        refused(accounts, f"someone{attempt % 5}@example.org", "guess")
    assert throttled(accounts, "ana@example.org", PASSWORD) == 1
    assert accounts.sign_in("ana@example.org", PASSWORD, THERE)["person_id"] == ana
    clock.advance(1)
    assert accounts.sign_in("ana@example.org", PASSWORD, HERE)["person_id"] == ana
    assert rows(db, "SELECT key, failures FROM reciproca_signin_failures "
                    "WHERE key LIKE 'address:%'") == [{"key": f"address:{HERE}", "failures": 20}]


def test_parallel_attempts_cannot_slip_past_the_limit(database_url, clock):
    slow = SlowThrottleReads(database_url, pool_size=6)
    accounts = Accounts(slow, clock=clock)
    accounts.add_person("ana@example.org", "Ana", PASSWORD)
    for attempt in range(5):
        refused(accounts, "ana@example.org", f"guess {attempt}")
    clock.advance(1)  # one attempt is allowed now; six come at once
    outcomes, start = [], threading.Barrier(6)

    def attempt(n):
        start.wait()
        try:
            accounts.sign_in("ana@example.org", f"parallel guess {n}", HERE)
        except SignInRefused as refusal:
            outcomes.append(type(refusal).__name__)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    slow.close()
    assert sorted(outcomes) == ["SignInRefused"] + ["SignInThrottled"] * 5


def test_addresses_are_throttled_by_host_ipv6_by_its_64_prefix():
    assert address_key("203.0.113.7") == "203.0.113.7"
    assert address_key("::ffff:203.0.113.7") == "203.0.113.7"
    assert address_key("2001:db8:1:2:aaaa::1") == address_key("2001:db8:1:2:bbbb::2") == (
        "2001:db8:1:2::/64")
    assert address_key("2001:db8:1:3::1") != address_key("2001:db8:1:2::1")
    assert address_key(None) == address_key("") == "unknown"


# Sessions


def test_ending_sessions_increments_the_generation(accounts):
    person_id = accounts.add_person("ana@example.org", "Ana", PASSWORD)
    assert accounts.session_generation(person_id) == 0
    assert accounts.end_sessions(person_id) == 1
    accounts.end_sessions(person_id)
    assert accounts.session_generation(person_id) == 2
    assert accounts.person(person_id)["session_generation"] == 2
    assert accounts.session_generation("no-such-id") is None


# API tokens


def test_an_api_token_authenticates_until_revoked_and_only_its_digest_is_kept(accounts, db):
    ana = accounts.add_person("ana@example.org", "Ana", PASSWORD)
    bea = accounts.add_person("bea@example.org", "Bea", PASSWORD)
    token, other = accounts.create_token(ana), accounts.create_token(ana)
    match = re.fullmatch(r"rcp_([0-9a-f]+)_([A-Za-z0-9_-]+)", token)
    assert match and len(match.group(2)) == 43  # 256 random bits, base64url
    assert accounts.token_person(token)["person_id"] == ana
    assert accounts.token_person(other) == accounts.person(ana)

    [stored] = rows(db, "SELECT * FROM reciproca_tokens WHERE prefix = :prefix",
                    prefix=match.group(1))
    assert stored["digest"] == hashlib.sha256(token.encode()).hexdigest()
    assert not any(match.group(2) in str(value) for value in stored.values())

    secret = match.group(2)
    wrong_secret = f"rcp_{match.group(1)}_{secret[:-1]}{'A' if secret[-1] != 'A' else 'B'}"
    for bad in [wrong_secret, "", "rcp_", token + "x", token[:-1], f"Bearer {token}",
                token.replace("rcp_", "xyz_"), f"rcp_000000000000_{secret}", None, 42]:
        assert accounts.token_person(bad) is None, bad

    listed = accounts.tokens(ana)
    assert {t["prefix"] for t in listed} == {match.group(1), other.split("_")[1]}
    assert all(set(t) == {"token_id", "prefix", "created", "revoked"} for t in listed)
    token_id = next(t["token_id"] for t in listed if t["prefix"] == match.group(1))
    assert accounts.revoke_token(bea, token_id) is False  # not Bea's token
    assert accounts.token_person(token)["person_id"] == ana
    assert accounts.revoke_token(ana, token_id) is True
    assert accounts.token_person(token) is None
    assert accounts.token_person(other)["person_id"] == ana
    assert accounts.revoke_token(ana, token_id) is False
    assert next(t for t in accounts.tokens(ana) if t["token_id"] == token_id)["revoked"]
    with pytest.raises(AccountError):
        accounts.create_token("no-such-id")


# The command line


@pytest.fixture
def cli_store(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'reciproca.sqlite'}"
    monkeypatch.setenv("RECIPROCA_DATABASE_URL", url)
    assert main(["init"]) == 0
    database = Database(url)
    yield Accounts(database)
    database.close()


def run(capsys, monkeypatch, argv, stdin=""):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    capsys.readouterr()
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_adds_users_with_the_password_from_standard_input(cli_store, capsys, monkeypatch):
    code, out, _ = run(capsys, monkeypatch, ["user", "add", "Ana@Example.org", "--name", "Ana",
                                             "--admin"], stdin=f"{PASSWORD}\nsecond line\n")
    assert code == 0 and "ana@example.org" in out
    person = cli_store.person_by_email("ana@example.org")
    assert person["name"] == "Ana" and person["is_admin"] is True
    assert cli_store.sign_in("ana@example.org", PASSWORD, HERE)["person_id"] == person["person_id"]

    for argv, stdin, words in [
            (["user", "add", "ana@example.org", "--name", "Ana"], PASSWORD, "already exists"),
            (["user", "add", "bea@example.org", "--name", "Bea"], "too short\n", "at least 12"),
            (["user", "add", "bea@example.org", "--name", "Bea"], "password1234\n", "too common"),
            (["user", "add", "bea@example.org", "--name", "Bea"], "a" * 12, "too predictable"),
            (["user", "add", "bea@example.org", "--name", "Bea"], "", "no password"),
            (["user", "add", "bea@example.org", "--name", "Bea"], "\nlater line\n", "no password"),
            (["user", "add", "bea", "--name", "Bea"], PASSWORD, "not an email address")]:
        code, _, err = run(capsys, monkeypatch, argv, stdin)
        assert (code, words in err, err.startswith("reciproca user add: ")) == (2, True, True), err
    assert cli_store.person_by_email("bea@example.org") is None
    assert cli_store.names([person["person_id"]]) == {person["person_id"]: "Ana"}


def test_cli_creates_a_token_alone_on_the_last_line(cli_store, capsys, monkeypatch):
    assert run(capsys, monkeypatch, ["user", "add", "ana@example.org", "--name", "Ana"],
               stdin=PASSWORD)[0] == 0
    code, out, _ = run(capsys, monkeypatch, ["token", "create", "ANA@example.org"])
    assert code == 0
    token = out.rstrip("\n").splitlines()[-1]
    assert cli_store.token_person(token) == cli_store.person_by_email("ana@example.org")

    code, out, err = run(capsys, monkeypatch, ["token", "create", "nobody@example.org"])
    assert code == 2 and out == ""
    assert err == "reciproca token create: no account has the email nobody@example.org\n"
