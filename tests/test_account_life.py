"""Accounts people run themselves: change and reset a password, disabled accounts, invitations
as stored (one-time secret links), on a real SQLite file and on PostgreSQL."""

from datetime import timedelta

import pytest

from domain.errors import NotFound
from tests.test_accounts import (  # noqa: F401 - fixtures shared with the accounts tests
    HERE, PASSWORD, accounts, cli_store, clock, db, refused, rows, run, throttled)
from webapp.accounts import AccountError, Accounts, LinkGone, SignInRefused, SignInThrottled
from webapp.invitations import Invitations

NEW_PASSWORD = "another long passphrase"


@pytest.fixture
def invitations(db, clock):
    return Invitations(db, clock=clock)


def test_changing_the_password_checks_the_current_one_and_ends_every_session(accounts):
    ana = accounts.add_person("ana@example.org", "Ana", PASSWORD)
    generation = accounts.session_generation(ana)
    with pytest.raises(AccountError) as wrong:
        accounts.change_password(ana, "not the password", NEW_PASSWORD, HERE)
    assert wrong.value.field == "current_password"
    with pytest.raises(AccountError) as short:
        accounts.change_password(ana, PASSWORD, "short", HERE)
    assert short.value.field == "new_password"
    assert accounts.session_generation(ana) == generation  # nothing changed yet
    assert accounts.change_password(ana, PASSWORD, NEW_PASSWORD, HERE) == generation + 1
    with pytest.raises(SignInRefused):
        accounts.sign_in("ana@example.org", PASSWORD, HERE)
    assert accounts.sign_in("ana@example.org", NEW_PASSWORD, HERE)["person_id"] == ana



def test_guessing_the_current_password_is_throttled_like_a_sign_in(accounts, clock):
    """A stolen session must not try passwords faster than the sign-in form allows: guesses at
    the current password and at sign-in count together, per account and address."""
    ana = accounts.add_person("ana@example.org", "Ana", PASSWORD)
    for attempt in range(3):
        with pytest.raises(AccountError):
            accounts.change_password(ana, f"guess {attempt}", NEW_PASSWORD, HERE)
    for attempt in range(2):
        refused(accounts, "ana@example.org", f"sign-in guess {attempt}")
    with pytest.raises(SignInThrottled):  # even the right password, until the delay passes
        accounts.change_password(ana, PASSWORD, NEW_PASSWORD, HERE)
    assert throttled(accounts, "ana@example.org", PASSWORD) >= 1
    clock.advance(3600)
    assert accounts.change_password(ana, PASSWORD, NEW_PASSWORD, HERE)
    assert accounts.sign_in("ana@example.org", NEW_PASSWORD, HERE)["person_id"] == ana

def test_a_reset_link_works_once_before_it_expires_and_only_its_digest_is_kept(
        accounts, db, clock):
    ana = accounts.add_person("ana@example.org", "Ana", PASSWORD)
    first = accounts.create_reset(ana, timedelta(hours=1))
    second = accounts.create_reset(ana, timedelta(hours=1))
    assert first.startswith("rst_") and first != second
    stored = rows(db, "SELECT * FROM reciproca_password_resets")
    assert not any(first.split("_", 2)[2] in str(v) for row in stored for v in row.values())
    generation = accounts.session_generation(ana)
    guessed = first[:-1] + ("A" if first[-1] != "A" else "B")
    for bad in (guessed, "rst_x", "", first.replace("rst_", "inv_")):
        with pytest.raises(NotFound):
            accounts.reset_password(bad, NEW_PASSWORD)
    with pytest.raises(AccountError) as short:
        accounts.reset_password(first, "short")
    assert short.value.field == "password"
    assert accounts.reset_password(first, NEW_PASSWORD) == ana
    assert accounts.session_generation(ana) == generation + 1
    assert accounts.sign_in("ana@example.org", NEW_PASSWORD, HERE)["person_id"] == ana
    for used in (first, second):  # using one link ends the others of the account
        with pytest.raises(LinkGone):
            accounts.reset_password(used, PASSWORD)
    late = accounts.create_reset(ana, timedelta(hours=1))
    clock.advance(3600)
    with pytest.raises(LinkGone):
        accounts.reset_password(late, PASSWORD)


def test_a_disabled_account_cannot_sign_in_and_its_tokens_and_sessions_end(accounts):
    ana = accounts.add_person("ana@example.org", "Ana", PASSWORD)
    bea = accounts.add_person("bea@example.org", "Bea", PASSWORD)
    token = accounts.create_token(ana)
    generation = accounts.session_generation(ana)
    assert accounts.disable(ana) is True and accounts.disable(ana) is False
    with pytest.raises(SignInRefused):
        accounts.sign_in("ana@example.org", PASSWORD, HERE)
    assert accounts.token_person(token) is None
    assert accounts.session_generation(ana) is None  # no session generation is valid
    assert accounts.person(ana)["session_generation"] == generation + 1
    listed = accounts.people()
    assert [(p["email"], bool(p["disabled"])) for p in listed] == [
        ("ana@example.org", True), ("bea@example.org", False)]
    assert accounts.sign_in("bea@example.org", PASSWORD, HERE)["person_id"] == bea


def test_an_older_people_table_gains_the_disabled_column(db, clock):
    with db.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS reciproca_people CASCADE"
                       if db.dialect == "postgresql" else "DROP TABLE reciproca_people")
        cursor.execute("CREATE TABLE reciproca_people (person_id TEXT PRIMARY KEY, email TEXT "
                       "NOT NULL UNIQUE, name TEXT NOT NULL, password_hash TEXT NOT NULL, "
                       "is_admin INTEGER NOT NULL DEFAULT 0, session_generation INTEGER NOT "
                       "NULL DEFAULT 0, created TEXT NOT NULL)")
    accounts = Accounts(db, clock=clock)
    accounts.create_tables()
    accounts.create_tables()  # idempotent
    ana = accounts.add_person("ana@example.org", "Ana", PASSWORD)
    assert accounts.person(ana)["disabled"] is None


# Invitations as stored


def invite(invitations, **options):
    return invitations.create(**{"group_id": "g1", "invited_by": "chair-id",
                                 "category": "carer", "role": "member", "note": "Para Marta",
                                 "days": 7, **options})


def test_an_invitation_opens_with_its_secret_only_and_keeps_only_a_digest(invitations, db):
    created = invite(invitations)
    secret = created["secret"]
    assert secret.startswith("inv_")
    [stored] = rows(db, "SELECT * FROM reciproca_invitations")
    assert secret.split("_", 2)[2] not in " ".join(str(v) for v in stored.values())
    found = invitations.find(secret)
    assert (found["group_id"], found["category"], found["note"]) == ("g1", "carer",
                                                                      "Para Marta")
    guessed = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    for bad in (guessed, "inv_000000000000_" + secret.split("_", 2)[2], "nonsense", ""):
        with pytest.raises(NotFound):
            invitations.find(bad)
    assert [i["invitation_id"] for i in invitations.open_ones("g1")] == [
        created["invitation_id"]]
    assert invitations.open_ones("g2") == []


def test_an_invitation_is_used_once_can_be_released_withdrawn_and_expires(invitations, clock):
    used, withdrawn, expiring = (invite(invitations) for _ in range(3))
    claimed = invitations.claim(used["secret"])
    with pytest.raises(LinkGone, match="already been used"):
        invitations.claim(used["secret"])
    invitations.release(claimed["invitation_id"])  # its join failed: the link works again
    invitations.claim(used["secret"])
    invitations.used_by(claimed["invitation_id"], "newcomer-id")
    assert invitations.revoke("other-group", withdrawn["invitation_id"]) is False
    assert invitations.revoke("g1", withdrawn["invitation_id"]) is True
    assert invitations.revoke("g1", used["invitation_id"]) is False  # used: nothing to withdraw
    with pytest.raises(LinkGone, match="withdrawn"):
        invitations.find(withdrawn["secret"])
    assert [i["invitation_id"] for i in invitations.open_ones("g1")] == [
        expiring["invitation_id"]]
    clock.advance(7 * 24 * 3600)
    with pytest.raises(LinkGone, match="expired"):
        invitations.claim(expiring["secret"])
    assert invitations.open_ones("g1") == []


# The operator's commands


def test_cli_lists_disables_and_prints_reset_links(cli_store, capsys, monkeypatch):
    monkeypatch.setenv("RECIPROCA_PUBLIC_URL", "https://mesa.example.org/")
    ana = cli_store.add_person("ana@example.org", "Ana", PASSWORD, admin=True)
    cli_store.add_person("bea@example.org", "Bea", PASSWORD)
    code, out, _ = run(capsys, monkeypatch, ["user", "list"])
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()] == ["ana@example.org",
                                                               "bea@example.org"]
    assert ana in out.splitlines()[0] and out.splitlines()[0].endswith("admin")

    code, out, _ = run(capsys, monkeypatch, ["user", "reset", "ANA@example.org"])
    link = out.splitlines()[-1]
    assert code == 0 and link.startswith("https://mesa.example.org/password-reset/rst_")
    assert cli_store.reset_password(link.rsplit("/", 1)[1], NEW_PASSWORD) == ana
    assert cli_store.sign_in("ana@example.org", NEW_PASSWORD, HERE)["person_id"] == ana

    code, out, _ = run(capsys, monkeypatch, ["user", "disable", "bea@example.org"])
    assert code == 0 and "Disabled bea@example.org" in out
    with pytest.raises(SignInRefused):
        cli_store.sign_in("bea@example.org", PASSWORD, HERE)
    assert run(capsys, monkeypatch, ["user", "list"])[1].splitlines()[1].split()[-2] == \
        "disabled"
    for argv, message in [
            (["user", "disable", "bea@example.org"], "reciproca user disable: "
                                                     "bea@example.org is already disabled\n"),
            (["user", "reset", "nobody@example.org"], "reciproca user reset: no account has "
                                                      "the email nobody@example.org\n")]:
        code, out, err = run(capsys, monkeypatch, argv)
        assert (code, out, err) == (2, "", message)
