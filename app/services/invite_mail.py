"""Invite links sent by email when SMTP is configured (`SMTP_*`).

Making an invite in the dashboard also queues an RQ job (`app.tasks.mail`) that emails the
link to the invitee, from the inviting owner's name, with RQ's `Retry`: the web never
waits on the SMTP server. Until the email goes, the link is kept sealed with a key derived
from SECRET_KEY (`app.services.secret_box`); the job takes the invite's id alone, so the
link is never in Redis, nor in a log. Each outcome is on the invite (`email_state`:
queued, sent or failed, with the reason) for the team page, and in the audit trail; the
invite stays valid whatever the email does.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from html import escape

import redis
from flask import current_app
from rq import Queue, Retry

from app.config import SmtpSettings, SmtpTls
from app.extensions import db, redis_store
from app.models.base import utcnow
from app.models.team import Invite
from app.models.user import User
from app.services import audit, secret_box

log = logging.getLogger(__name__)

PURPOSE = "invite link"
QUEUE = "default"
JOB = "app.tasks.mail.send_invite_email"
# Three more tries after the first: a minute, five, then fifteen later.
RETRY_INTERVALS = [60, 300, 900]
REASON_MAX_LENGTH = 300


class EmailState:
    """Where an invite's email is (`invites.email_state`)."""

    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


class MailFailed(Exception):
    """The SMTP server refused the email or could not be reached (the reason, no secret)."""


@dataclass(frozen=True)
class Letter:
    """An invite email's parts."""

    to: str
    inviter: str
    role: str
    link: str
    expires: str


def smtp_settings() -> SmtpSettings:
    """The app's `SMTP_*` settings."""
    smtp: SmtpSettings = current_app.config["SETTINGS"].smtp
    return smtp


def queue_email(invite: Invite, link: str) -> None:
    """Keep the link sealed on the invite and queue the job that emails it (commits).

    A queue that can't be reached marks the email failed: the owner still has the link.
    """
    invite.sealed_link = secret_box.seal(link, PURPOSE)
    invite.email_state, invite.email_error = EmailState.QUEUED, None
    db.session.commit()
    try:
        Queue(QUEUE, connection=redis_store.connection).enqueue(
            JOB,
            invite.id,
            retry=Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS),
            description=f"email invite {invite.id}",
            job_timeout=int(smtp_settings().timeout * 4) + 30,
            result_ttl=0,
        )
    except redis.RedisError as error:
        log.warning("invite %s: email not queued (%s)", invite.id, type(error).__name__)
        record_failure(invite, "the job queue could not be reached", final=True)


def send(invite_id: int, last_try: bool) -> None:
    """Email the invite's link now (the job's work), recording the outcome.

    Raises:
        MailFailed: it did not go out (RQ tries again while tries are left).
    """
    invite = db.session.get(Invite, invite_id)
    if invite is None or invite.sealed_link is None or invite.email_state == EmailState.SENT:
        return  # deleted, or already sent: nothing to do
    if invite.used_at is not None or invite.expires_at <= utcnow():
        record_failure(invite, "the invite was used, revoked or expired before it went", True)
        return
    try:
        link = secret_box.unseal(invite.sealed_link, PURPOSE)
    except secret_box.Unreadable:
        record_failure(invite, "SECRET_KEY changed since: make a new invite", final=True)
        return
    try:
        deliver(letter_of(invite, link), smtp_settings())
    except MailFailed as error:
        record_failure(invite, str(error), final=last_try)
        raise
    invite.email_state, invite.email_error = EmailState.SENT, None
    invite.emailed_at, invite.sealed_link = utcnow(), None
    audit.record(
        "user.invite_email", actor=audit.WORKER, target=invite.email, detail={"invite": invite.id}
    )
    log.info("invite %s emailed", invite_id)


def record_failure(invite: Invite, reason: str, final: bool) -> None:
    """Show the failure on the invite and audit it; forget the link after the last try."""
    invite_id = invite.id
    invite.email_state, invite.email_error = EmailState.FAILED, reason[:REASON_MAX_LENGTH]
    if final:
        invite.sealed_link = None
    audit.record(
        "user.invite_email_failed",
        actor=audit.WORKER,
        target=invite.email,
        detail={"invite": invite.id, "reason": invite.email_error, "final": final},
    )
    log.warning("invite %s: email failed (%s)%s", invite_id, reason, "" if final else ", retrying")


def letter_of(invite: Invite, link: str) -> Letter:
    """The email's parts for an invite."""
    inviter = db.session.get(User, invite.invited_by) if invite.invited_by else None
    return Letter(
        to=invite.email,
        inviter=inviter.email if inviter else "The team",
        role=invite.role.value,
        link=link,
        expires=f"{invite.expires_at:%Y-%m-%d %H:%M} UTC",
    )


def message_of(letter: Letter, sender: str) -> EmailMessage:
    """The email: plain text, and the same as simple HTML."""
    message = EmailMessage()
    message["Subject"] = f"{letter.inviter} invites you to their event team"
    message["From"] = formataddr((f"{letter.inviter} (WhatsApp invitations)", sender))
    message["To"] = letter.to
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content(
        f"{letter.inviter} invites you to join their event team as {letter.role}.\n\n"
        f"Open this link to choose your password and join:\n{letter.link}\n\n"
        f"It opens once, until {letter.expires}. If you did not expect it, ignore this email.\n"
    )
    message.add_alternative(
        f"<p>{escape(letter.inviter)} invites you to join their event team as"
        f" <strong>{escape(letter.role)}</strong>.</p>"
        f'<p><a href="{escape(letter.link)}">Choose your password and join</a></p>'
        f"<p>It opens once, until {escape(letter.expires)}. If you did not expect it, ignore"
        " this email.</p>",
        subtype="html",
    )
    return message


def deliver(letter: Letter, smtp: SmtpSettings) -> None:
    """Hand the email to the SMTP server, within its timeout.

    Raises:
        MailFailed: refused, unreachable or timed out (the server's words, never a secret).
    """
    assert smtp.host and smtp.sender
    message = message_of(letter, smtp.sender)
    try:
        with connect(smtp) as client:
            if smtp.username and smtp.password:
                client.login(smtp.username, smtp.password)
            client.send_message(message)
    except smtplib.SMTPResponseException as error:
        raise MailFailed(answer(error.smtp_code, error.smtp_error)) from None
    except smtplib.SMTPRecipientsRefused as error:
        raise MailFailed(answer(*next(iter(error.recipients.values())))) from None
    except (smtplib.SMTPException, OSError) as error:
        raise MailFailed(reason_of(error)) from None


def connect(smtp: SmtpSettings) -> smtplib.SMTP:
    """A connection to the server, protected as `SMTP_TLS` says."""
    assert smtp.host
    if smtp.tls is SmtpTls.SSL:
        context = ssl.create_default_context()
        return smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout, context=context)
    client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
    if smtp.tls is SmtpTls.STARTTLS:
        try:
            client.starttls(context=ssl.create_default_context())
        except BaseException:
            client.close()
            raise
    return client


def answer(code: int, words: bytes | str) -> str:
    """The server's refusal as it said it: "550 mailbox unavailable"."""
    text = words.decode(errors="replace") if isinstance(words, bytes) else str(words)
    return f"{code} {text}".strip()


def reason_of(error: BaseException) -> str:
    """A failure in a few words: what kind, and the system's message."""
    if isinstance(error, TimeoutError):
        return "the SMTP server did not answer in time"
    if isinstance(error, ConnectionRefusedError):
        return "the SMTP server refused the connection (is it down?)"
    words = str(error) or type(error).__name__
    return f"{type(error).__name__}: {words}"
