"""The outbox and its sender against a real SMTP server (aiosmtpd) on a free local port."""

import socket
import threading
from datetime import timedelta
from email import message_from_string, policy

import pytest
from aiosmtpd.controller import Controller

from domain.errors import DomainError
from tests.test_accounts import Clock, db  # noqa: F401 - the accounts tests' fixture
from webapp.mail import MAX_ATTEMPTS, Outbox, retry_delay, smtp_transport


class Inbox:
    """An SMTP handler that keeps what it receives and can refuse the next few mails."""

    def __init__(self):
        self.received, self.refuse, self.arrived = [], 0, threading.Event()

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            self.refuse -= 1
            return "451 4.3.0 try again later"
        self.received.append((envelope.rcpt_tos, envelope.content.decode()))
        self.arrived.set()
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.url = f"smtp://127.0.0.1:{controller.port}"
    yield inbox
    controller.stop()


def test_a_refused_mail_is_retried_after_its_back_off_then_sent_and_forgotten(db, smtp):
    clock = Clock()
    outbox = Outbox(db, smtp_transport(smtp.url), "reciproca@example.org", clock=clock)
    smtp.refuse = 1
    outbox.add("ana@example.org", "Restablecer la contraseña", "Abre https://x/rst_1")
    assert outbox.deliver_due() == 0
    [pending] = outbox.pending()
    assert pending["attempts"] == 1 and "451" in pending["last_error"]
    assert outbox.deliver_due() == 0 and smtp.received == []  # not due again yet
    clock.advance(retry_delay(1).total_seconds())
    assert outbox.deliver_due() == 1
    [(recipients, content)] = smtp.received
    mail = message_from_string(content, policy=policy.default)
    assert recipients == ["ana@example.org"]
    assert (mail["Subject"], mail["From"]) == ("Restablecer la contraseña",
                                               "reciproca@example.org")
    assert mail.get_content().strip() == "Abre https://x/rst_1"
    assert outbox.pending() == []  # sent mail (and the secret link in it) is not kept


def test_a_server_that_is_down_is_retried_with_doubling_waits_until_given_up(db):
    clock = Clock()
    outbox = Outbox(db, smtp_transport(f"smtp://127.0.0.1:{free_port()}"), "r@example.org",
                    clock=clock)
    outbox.add("ana@example.org", "Asunto", "Texto")
    waits = []
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert outbox.deliver_due() == 0
        assert outbox.pending()[0]["attempts"] == attempt
        waits.append(retry_delay(attempt))
        clock.advance(waits[-1].total_seconds())
    assert waits[:3] == [timedelta(seconds=30), timedelta(seconds=60), timedelta(seconds=120)]
    assert max(waits) == timedelta(hours=1)
    assert outbox.deliver_due() == 0 and outbox.pending()[0]["attempts"] == MAX_ATTEMPTS


def test_the_background_sender_delivers_a_new_mail_without_waiting_for_its_interval(db, smtp):
    outbox = Outbox(db, smtp_transport(smtp.url), "reciproca@example.org")
    outbox.start(interval=3600)
    try:
        outbox.add("bea@example.org", "Asunto", "Texto")
        assert smtp.arrived.wait(timeout=30)
    finally:
        outbox.stop()
    assert [r for r, _ in smtp.received] == [["bea@example.org"]]


def test_bad_smtp_urls_and_a_missing_transport_are_refused_plainly(db):
    for url in ("http://mail.example.org", "smtp://", "mail.example.org:25"):
        with pytest.raises(DomainError, match="RECIPROCA_SMTP_URL"):
            smtp_transport(url)
    with pytest.raises(DomainError, match="not configured"):
        Outbox(db, None, "r@example.org").add("ana@example.org", "Asunto", "Texto")
