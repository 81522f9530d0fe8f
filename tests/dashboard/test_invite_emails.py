"""Invites emailed when SMTP is configured: an owner makes one, an RQ job (with RQ's Retry)
sends the link to a real SMTP server running in this process (aiosmtpd), and the team page
says "email sent" or "email failed: why"; a refusing or absent server leaves the invite
valid, and neither the SMTP password nor the link reaches a log."""

from __future__ import annotations

import logging
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from flask import Flask
from flask.testing import FlaskClient
from rq import Queue
from rq.registry import FailedJobRegistry, ScheduledJobRegistry

from app.extensions import redis_store
from app.models import UserRole
from app.services import team
from app.services.team import InviteInvalid
from tests.support.access import add_member
from tests.support.apps import fresh_app
from tests.support.burst_worker import BurstWorker
from tests.support.dashboard import sign_in_session, text_of
from tests.support.database import query, scalar

SMTP_PASSWORD = "smtp-password-never-logged-8731"


@dataclass
class Mailbox:
    """What the SMTP server received, and what it answers a recipient."""

    received: list[EmailMessage] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    refuse: str | None = None

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        """Take the recipient, or refuse it as a full mailbox does."""
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        """Keep the message."""
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(message)
        return "250 Message accepted"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        """Accept the service's user and password, and note them."""
        assert isinstance(auth_data, LoginPassword)
        login = (auth_data.login.decode(), auth_data.password.decode())
        self.logins.append(login)
        return AuthResult(success=login == ("invites", SMTP_PASSWORD))


def free_port() -> int:
    """A local port nothing listens on (now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    """A real SMTP server in this process, with AUTH, and its port."""
    box = Mailbox()
    port = free_port()
    controller = Controller(
        box,
        hostname="127.0.0.1",
        port=port,
        authenticator=box.authenticate,
        auth_require_tls=False,
        auth_exclude_mechanism=["CRAM-MD5"],
    )
    controller.start()
    yield box, port
    controller.stop()


def smtp_env(port: int) -> dict[str, str]:
    """The SMTP settings of a server on this local port (no TLS: it is on this machine)."""
    return {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(port),
        "SMTP_USERNAME": "invites",
        "SMTP_PASSWORD": SMTP_PASSWORD,
        "SMTP_FROM": "invites@example.org",
        "SMTP_TLS": "none",
        "SMTP_TIMEOUT": "3",
        "PUBLIC_BASE_URL": "https://invites.example.org",
    }


@pytest.fixture
def mailing(migrated: dict[str, str], mailbox: tuple[Mailbox, int]) -> Iterator[Flask]:
    """The dashboard with SMTP pointed at the server in this process."""
    with fresh_app({**migrated, **smtp_env(mailbox[1])}, WTF_CSRF_ENABLED=False) as app:
        yield app


def owner_of(app: Flask) -> FlaskClient:
    """A client signed in as an owner."""
    client = app.test_client()
    sign_in_session(client, add_member(app, "olga@example.org", UserRole.OWNER))
    return client


def invite(owner: FlaskClient, email: str = "nora@example.org") -> str:
    """Make an invite in the dashboard; return the link shown once."""
    page = owner.post("/team/invites", data={"email": email, "role": "viewer"})
    assert page.status_code == 201
    match = re.search(r'id="invite-link" type="text" readonly value="([^"]+)"', page.text)
    assert match, page.text
    return match.group(1)


def run_jobs(app: Flask) -> None:
    """Run the queued jobs in an RQ worker of this process, as the worker would."""
    with app.app_context():
        queue = Queue("default", connection=redis_store.connection)
        BurstWorker([queue], connection=queue.connection).work(burst=True)


def service_logs(caplog: pytest.LogCaptureFixture) -> str:
    """What the service and RQ logged (not the SMTP server of the test, which logs all)."""
    return "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail."))


def team_page(owner: FlaskClient) -> str:
    """The team page's text."""
    return text_of(owner.get("/team").get_data(as_text=True))


def still_valid(app: Flask, link: str) -> bool:
    """Whether the invite link still opens."""
    with app.app_context():
        try:
            team.open_invite(link.rpartition("/")[2])
        except InviteInvalid:
            return False
        return True


def test_an_invite_is_emailed_from_the_owner_with_the_link(
    mailing: Flask, mailbox: tuple[Mailbox, int], caplog: pytest.LogCaptureFixture
) -> None:
    box, _ = mailbox
    owner = owner_of(mailing)
    caplog.set_level(logging.DEBUG)
    link = invite(owner)
    assert link.startswith("https://invites.example.org/invite/")
    assert box.received == []  # the request only queued it
    assert "email queued" in team_page(owner)
    with mailing.app_context():
        (job,) = Queue("default", connection=redis_store.connection).get_jobs()
        assert list(job.args) == [scalar(mailing, "SELECT id FROM invites")]  # the id alone
        assert job.retries_left == 3
    sealed = scalar(mailing, "SELECT sealed_link FROM invites")
    assert sealed.startswith("sealed:v1:") and link not in sealed

    run_jobs(mailing)

    (message,) = box.received
    assert message["To"] == "nora@example.org"
    assert message["From"] == '"olga@example.org (WhatsApp invitations)" <invites@example.org>'
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    assert link in text.get_content() and f'href="{link}"' in html.get_content()
    assert "as viewer" in text.get_content()
    assert box.logins == [("invites", SMTP_PASSWORD)]
    assert "email sent" in team_page(owner)
    assert scalar(mailing, "SELECT sealed_link FROM invites") is None  # forgotten once sent
    assert still_valid(mailing, link)
    actions = [row.action for row in query(mailing, "SELECT action FROM audit_log ORDER BY id")]
    assert actions[-2:] == ["user.invite", "user.invite_email"]
    logged = service_logs(caplog)
    assert SMTP_PASSWORD not in logged and link.rpartition("/")[2] not in logged


def test_a_refusing_server_is_shown_retried_and_audited(
    mailing: Flask, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    box.refuse = "550 5.1.1 mailbox unavailable"
    owner = owner_of(mailing)
    link = invite(owner)
    run_jobs(mailing)

    assert box.received == []
    assert "email failed: 550 5.1.1 mailbox unavailable" in team_page(owner)
    with mailing.app_context():
        connection = redis_store.connection
        assert ScheduledJobRegistry("default", connection=connection).count == 1  # Retry
        assert FailedJobRegistry("default", connection=connection).count == 0
    reason = scalar(
        mailing,
        "SELECT detail ->> 'reason' FROM audit_log WHERE action = 'user.invite_email_failed'",
    )
    assert reason == "550 5.1.1 mailbox unavailable"
    assert scalar(mailing, "SELECT sealed_link IS NOT NULL FROM invites")  # kept for the retry
    assert still_valid(mailing, link)

    box.refuse = None  # the retry, when it comes, goes out
    with mailing.app_context():
        from app.tasks.mail import send_invite_email

        send_invite_email(scalar(mailing, "SELECT id FROM invites"))
    assert len(box.received) == 1 and "email sent" in team_page(owner)


def test_a_server_that_is_down_fails_fast_and_leaves_the_invite(
    migrated: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    env = {**migrated, **smtp_env(free_port())}  # nothing listens there
    with fresh_app(env, WTF_CSRF_ENABLED=False) as app:
        owner = owner_of(app)
        link = invite(owner)
        caplog.set_level(logging.DEBUG)
        run_jobs(app)
        page = team_page(owner)
        assert "email failed: the SMTP server refused the connection (is it down?)" in page
        assert still_valid(app, link)
        # The join page still opens from the link the owner was shown.
        assert (
            app.test_client().get(link.removeprefix("https://invites.example.org")).status_code
            == 200
        )
        logged = service_logs(caplog)
        assert SMTP_PASSWORD not in logged and link.rpartition("/")[2] not in logged


def test_without_smtp_nothing_is_queued(app: Flask) -> None:
    owner = owner_of(app)
    invite(owner)
    with app.app_context():
        assert Queue("default", connection=redis_store.connection).count == 0
    assert scalar(app, "SELECT email_state FROM invites") is None
    assert "email" not in team_page(owner).split("Links still open")[1]
