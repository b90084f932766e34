"""Outgoing mail: an outbox table and a sender that delivers it, retrying with back-off.

A request that sends mail (a password reset) only adds a row to the outbox, so it answers at
once and a mail server that is down loses nothing. The sender, a background thread in each web
process, claims due rows one at a time (a lease written compare-and-set, so two processes never
send the same mail), hands them to the transport and deletes them once sent. A failure is
retried after 30 s, doubling up to an hour, and given up after MAX_ATTEMPTS (logged).

`RECIPROCA_SMTP_URL` names the mail server: `smtp://[user:password@]host[:port]` (plain, port
25), `smtp+starttls://…` (STARTTLS, port 587) or `smtps://…` (TLS, port 465). Without one, in
development, each mail is written to the log instead; in production it is refused.
"""

import logging
import smtplib
import ssl
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from domain.errors import DomainError
from webapp.sql import Database

log = logging.getLogger("reciproca.mail")

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS reciproca_outbox (
        mail_id TEXT PRIMARY KEY,
        recipient TEXT NOT NULL,
        subject TEXT NOT NULL,
        body TEXT NOT NULL,
        created TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt TEXT NOT NULL,
        last_error TEXT)""",
    "CREATE INDEX IF NOT EXISTS reciproca_outbox_due ON reciproca_outbox (next_attempt)",
]
MAX_ATTEMPTS = 10
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)
LEASE = timedelta(minutes=2)  # a claimed mail is retried after this if its sender died
TIMEOUT_SECONDS = 20
SCHEMES = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}

Transport = Callable[[EmailMessage], None]


def retry_delay(attempts: int) -> timedelta:
    """The wait before the next try, after `attempts` failed ones."""
    return min(FIRST_RETRY * 2 ** min(attempts - 1, 20), LONGEST_RETRY)


def smtp_transport(url: str) -> Transport:
    """Send through the SMTP server named by the URL (checked now, connected at each send)."""
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise DomainError("RECIPROCA_SMTP_URL must look like smtp://host:port, "
                          "smtp+starttls://user:password@host:587 or smtps://host:465",
                          "RECIPROCA_SMTP_URL")
    port = parts.port or SCHEMES[parts.scheme]

    def send(message: EmailMessage) -> None:
        if parts.scheme == "smtps":
            server = smtplib.SMTP_SSL(parts.hostname, port, timeout=TIMEOUT_SECONDS,
                                      context=ssl.create_default_context())
        else:
            server = smtplib.SMTP(parts.hostname, port, timeout=TIMEOUT_SECONDS)
        with server:
            if parts.scheme == "smtp+starttls":
                server.starttls(context=ssl.create_default_context())
            if parts.username:
                server.login(unquote(parts.username), unquote(parts.password or ""))
            server.send_message(message)

    return send


def log_transport(message: EmailMessage) -> None:
    """Development without a mail server: the mail goes to the log."""
    log.warning("mail (no RECIPROCA_SMTP_URL; written here instead of sent) to %s: %s\n%s",
                message["To"], message["Subject"], message.get_content())


class Outbox:
    def __init__(self, db: Database, transport: Transport | None, sender: str, *,
                 clock: Callable[[], datetime] | None = None):
        self.db, self.transport, self.sender = db, transport, sender
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def create_tables(self) -> None:
        with self.db.cursor() as cursor:
            for statement in SCHEMA:
                cursor.execute(statement)

    def add(self, recipient: str, subject: str, body: str) -> None:
        """Queue a mail for the sender; refused when no transport is configured."""
        if self.transport is None:
            raise DomainError("mail is not configured on this server (RECIPROCA_SMTP_URL)")
        now = self.clock().isoformat()
        with self.db.cursor() as cursor:
            cursor.execute(self.db.sql(
                "INSERT INTO reciproca_outbox (mail_id, recipient, subject, body, created, "
                "attempts, next_attempt) VALUES (:id, :recipient, :subject, :body, :now, 0, "
                ":now)"), {"id": str(uuid.uuid4()), "recipient": recipient,
                           "subject": subject, "body": body, "now": now})
        self._wake.set()

    def deliver_due(self) -> int:
        """Try every mail that is due once; the number sent."""
        sent = 0
        while (mail := self._claim_next()) is not None:
            sent += self._deliver(mail)
        return sent

    def pending(self) -> list[dict]:
        with self.db.cursor() as cursor:
            cursor.execute("SELECT mail_id, recipient, subject, attempts, next_attempt, "
                           "last_error FROM reciproca_outbox ORDER BY created")
            return [dict(row) for row in cursor.fetchall()]

    def start(self, interval: float = 30.0) -> None:
        """Deliver in a background thread, woken by each new mail, until `stop()`."""
        def run():
            while not self._stop.is_set():
                try:
                    self.deliver_due()
                except Exception:  # noqa: BLE001 - the outbox keeps the mail; try later
                    log.exception("the mail sender failed; retrying later")
                self._wake.wait(interval)
                self._wake.clear()

        self._thread = threading.Thread(target=run, name="reciproca-mail", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=TIMEOUT_SECONDS + 5)

    def _claim_next(self) -> dict | None:
        now = self.clock()
        with self.db.cursor() as cursor:
            cursor.execute(self.db.sql(
                "SELECT mail_id, recipient, subject, body, attempts, next_attempt "
                "FROM reciproca_outbox WHERE next_attempt <= :now AND attempts < :max "
                "ORDER BY next_attempt LIMIT 1"),
                {"now": now.isoformat(), "max": MAX_ATTEMPTS})
            mail = cursor.fetchone()
            if mail is None:
                return None
            cursor.execute(self.db.sql(
                "UPDATE reciproca_outbox SET next_attempt = :lease "
                "WHERE mail_id = :id AND next_attempt = :seen"),
                {"lease": (now + LEASE).isoformat(), "id": mail["mail_id"],
                 "seen": mail["next_attempt"]})
            claimed = cursor.rowcount == 1
        return mail if claimed else self._claim_next()

    def _deliver(self, mail: dict) -> int:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = (self.sender, mail["recipient"],
                                                              mail["subject"])
        message.set_content(mail["body"])
        try:
            self.transport(message)
        except Exception as error:  # noqa: BLE001 - any failure is retried later
            attempts = mail["attempts"] + 1
            if attempts >= MAX_ATTEMPTS:
                log.error("gave up sending mail %s after %d attempts: %s", mail["mail_id"],
                          attempts, error)
            with self.db.cursor() as cursor:
                cursor.execute(self.db.sql(
                    "UPDATE reciproca_outbox SET attempts = :attempts, next_attempt = :next, "
                    "last_error = :error WHERE mail_id = :id"),
                    {"attempts": attempts, "error": str(error)[:500], "id": mail["mail_id"],
                     "next": (self.clock() + retry_delay(attempts)).isoformat()})
            return 0
        with self.db.cursor() as cursor:  # sent: the body (a secret link) is not kept
            cursor.execute(self.db.sql("DELETE FROM reciproca_outbox WHERE mail_id = :id"),
                           {"id": mail["mail_id"]})
        return 1
