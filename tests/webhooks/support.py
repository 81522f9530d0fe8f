"""Helpers for the webhook tests: signed requests, seeded rows, queries, a breakable DB link."""

from __future__ import annotations

import contextlib
import secrets
import select
import socket
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from app.config import EMULATOR_AUTH_TOKEN
from app.extensions import db
from app.models import Event, Guest, Invitation, SendState

AUTH_TOKEN = EMULATOR_AUTH_TOKEN  # what a test app falls back to without TWILIO_AUTH_TOKEN
BASE_URL = "http://localhost"
INBOUND = "/webhooks/twilio/inbound"
STATUS = "/webhooks/twilio/status"
SENDER = "whatsapp:+14155238886"

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


@dataclass(frozen=True)
class Seeded:
    """Ids of a seeded event, guest and invitation."""

    event_id: int
    guest_id: int
    invitation_id: int | None
    message_sid: str | None


def seed(
    app: Flask,
    phone: str,
    guest_name: str = "Ana",
    event_name: str = "Launch party",
    invited: bool = True,
    message_sid: str | None = None,
    accepted_minutes_ago: float = 60,
) -> Seeded:
    """Create an event with one guest and (by default) a sent invitation."""
    with app.app_context():
        event = Event(name=event_name)
        guest = Guest(event=event, name=guest_name, phone=phone)
        db.session.add_all([event, guest])
        db.session.flush()
        invitation = None
        if invited:
            invitation = Invitation(
                event_id=event.id,
                guest=guest,
                send_state=SendState.ACCEPTED,
                message_sid=message_sid or new_sid(),
                accepted_at=datetime.now(UTC) - timedelta(minutes=accepted_minutes_ago),
            )
            db.session.add(invitation)
        db.session.commit()
        seeded = Seeded(
            event.id,
            guest.id,
            invitation.id if invitation else None,
            invitation.message_sid if invitation else None,
        )
        db.session.remove()
        return seeded


def query(app: Flask, sql: str, **params: Any) -> list[Any]:
    """Run a query in a fresh transaction; return the rows."""
    with app.app_context(), db.engine.connect() as connection:
        return list(connection.execute(text(sql), params).all())


def scalar(app: Flask, sql: str, **params: Any) -> Any:
    """Run a query returning one value."""
    rows = query(app, sql, **params)
    return rows[0][0] if rows else None


# What table_counts returns when a request wrote nothing.
NOTHING = {"inbound_messages": 0, "status_callbacks": 0, "rsvp_responses": 0, "opt_outs": 0}


def table_counts(app: Flask) -> dict[str, int]:
    """Row counts of every table a webhook may write."""
    tables = ("inbound_messages", "status_callbacks", "rsvp_responses", "opt_outs")
    sql = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM {t}" for t in tables)
    return {name: count for name, count in query(app, sql)}


class TcpProxy:
    """A TCP forwarder to PostgreSQL that can refuse or blackhole connections on demand.

    `stop()` closes the listening socket and every live connection (the database is gone:
    connections are refused); `blackhole()` accepts connections and never answers (a
    dropped network path); `start()` forwards again on the same port.
    """

    def __init__(self, target_host: str, target_port: int) -> None:
        # A host that is a directory is PostgreSQL's Unix socket (the embedded server's).
        self.target: tuple[str, int] | str = (
            f"{target_host}/.s.PGSQL.{target_port}"
            if target_host.startswith("/")
            else (target_host, target_port)
        )
        self.port = self._free_port()
        self.mode = "stopped"
        self.listener: socket.socket | None = None
        self.sockets: set[socket.socket] = set()
        self.lock = threading.Lock()

    @staticmethod
    def _free_port() -> int:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            return int(probe.getsockname()[1])

    def start(self, mode: str = "forward") -> None:
        """Listen again, forwarding (or, with mode='blackhole', swallowing) connections."""
        self.stop()
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.listener, self.mode = listener, mode
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def blackhole(self) -> None:
        """Accept connections but never forward a byte."""
        self.start("blackhole")

    def stop(self) -> None:
        """Refuse new connections and cut every open one."""
        with self.lock:
            listener, self.listener = self.listener, None
            sockets, self.sockets = self.sockets, set()
        self.mode = "stopped"
        for sock in [listener, *sockets]:
            if sock is None:
                continue
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            with self.lock:
                self.sockets.add(client)
            if self.mode == "forward":
                threading.Thread(target=self._forward, args=(client,), daemon=True).start()

    def _forward(self, client: socket.socket) -> None:
        try:
            if isinstance(self.target, str):
                upstream = socket.socket(socket.AF_UNIX)
                upstream.settimeout(5)
                upstream.connect(self.target)
            else:
                upstream = socket.create_connection(self.target, timeout=5)
        except OSError:
            client.close()
            return
        upstream.settimeout(None)
        with self.lock:
            self.sockets.add(upstream)
        pair = {client: upstream, upstream: client}
        try:
            while True:
                readable, _, _ = select.select(list(pair), [], [], 1.0)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    pair[sock].sendall(data)
        except (OSError, ValueError):
            return
        finally:
            for sock in pair:
                sock.close()
