"""Twilio's webhooks as Twilio sends them: inbound, button and status forms, signed."""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from flask import Flask
from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from app.config import EMULATOR_AUTH_TOKEN
from tests.support.constants import SENDER
from tests.support.database import query

AUTH_TOKEN = EMULATOR_AUTH_TOKEN  # what a test app falls back to without TWILIO_AUTH_TOKEN
BASE_URL = "http://localhost"
INBOUND = "/webhooks/twilio/inbound"
STATUS = "/webhooks/twilio/status"

Params = Mapping[str, str] | MultiDict[str, str]


def new_sid(prefix: str = "SM") -> str:
    """A random Message SID."""
    return prefix + secrets.token_hex(16)


def sign(url: str, params: Params, token: str = AUTH_TOKEN, algorithm: str | None = None) -> str:
    """The X-Twilio-Signature Twilio computes for this URL and form."""
    signature: str = RequestValidator(token).compute_signature(url, params, algorithm)
    return signature


def signed_post(
    client: FlaskClient,
    path: str,
    params: Params,
    token: str = AUTH_TOKEN,
    url: str | None = None,
    headers: Mapping[str, str] | None = None,
    algorithm: str | None = None,
) -> TestResponse:
    """POST a form signed the way Twilio signs it, for `url` (default: the test URL)."""
    signature = sign(url or BASE_URL + path, params, token, algorithm)
    return client.post(
        path, data=params, headers={"X-Twilio-Signature": signature, **(headers or {})}
    )


def inbound_form(phone: str, body: str = "", **extra: str) -> dict[str, str]:
    """An inbound WhatsApp message form as Twilio posts it."""
    sid = extra.pop("MessageSid", None) or new_sid()
    form = {
        "MessageSid": sid,
        "SmsMessageSid": sid,
        "SmsSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": f"whatsapp:{phone}",
        "To": SENDER,
        "Body": body,
        "NumMedia": "0",
        "ProfileName": "Guest",
        "WaId": phone.lstrip("+"),
        "SmsStatus": "received",
        "ApiVersion": "2010-04-01",
    }
    form.update(extra)
    return form


def button_form(phone: str, payload: str, title: str, replied_sid: str | None = None) -> dict:
    """A quick-reply button tap."""
    extra = {"ButtonPayload": payload, "ButtonText": title, "MessageType": "button"}
    if replied_sid:
        extra["OriginalRepliedMessageSid"] = replied_sid
        extra["OriginalRepliedMessageSender"] = SENDER
    return inbound_form(phone, title, **extra)


def status_form(sid: str, status: str, error_code: int | None = None, **extra: str) -> dict:
    """A WhatsApp status callback form."""
    form = {
        "MessageSid": sid,
        "SmsSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": SENDER,
        "To": "whatsapp:+14155550100",
        "MessageStatus": status,
        "SmsStatus": status,
        "ChannelPrefix": "whatsapp",
        "ApiVersion": "2010-04-01",
    }
    if error_code is not None:
        form["ErrorCode"] = str(error_code)
    form.update(extra)
    return form


# The tables a webhook may write, and what table_counts returns when a request wrote nothing.
WEBHOOK_TABLES = ("inbound_messages", "status_callbacks", "rsvp_responses", "opt_outs")
NOTHING = dict.fromkeys(WEBHOOK_TABLES, 0)


def table_counts(app: Flask) -> dict[str, int]:
    """Row counts of every table a webhook may write."""
    sql = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM {t}" for t in WEBHOOK_TABLES)
    return {name: count for name, count in query(app, sql)}


def asked_apart(app: Flask) -> list[str]:
    """The text questions of the replies queued with buttons (`app.services.button_asks`),
    oldest first: what the guest reads when the buttons cannot go."""
    sql = "SELECT body FROM invitations WHERE content_key IS NOT NULL ORDER BY id"
    return [row.body for row in query(app, sql)]


def told(app: Flask, reply: str | None, before: int) -> str | None:
    """What a guest is told: the TwiML reply, then the questions with buttons queued since
    `before` of them were (each as its text), a paragraph each."""
    parts = [reply or "", *asked_apart(app)[before:]]
    return "\n\n".join(part for part in parts if part) or None
