"""A guest's whole flow against real processes: emulator -> gunicorn -> PostgreSQL."""

from __future__ import annotations

import socket
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from flask import Flask
from sqlalchemy import text
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from app.emulator.config import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN
from app.extensions import db
from app.sending.statuses import link_early_callbacks
from tests.support.constants import SENDER, TEMPLATE_SID
from tests.support.database import query, scalar
from tests.support.emulator import authorized, start_emulator, stop_emulator
from tests.support.factories import seed
from tests.support.polling import eventually
from tests.support.stack import running_web
from tests.support.webhooks import INBOUND, STATUS

pytestmark = pytest.mark.slow

PHONE = "+12025550123"
GUEST = f"whatsapp:{PHONE}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def emulator_url(tmp_path: Path) -> Iterator[str]:
    """An emulator that shuffles and duplicates status callbacks."""
    log_path = tmp_path / "emulator.log"
    process, url = start_emulator(
        log_path,
        "--callback-delay",
        "0.05-0.3",
        "--callback-shuffle",
        "--callback-duplicate-rate",
        "0.5",
        "--seed",
        "11",
    )
    yield url
    assert stop_emulator(process) == 0
    log = log_path.read_text(errors="replace")
    assert "Traceback" not in log, log


@pytest.fixture
def web(app: Flask, migrated: dict[str, str], emulator_url: str, tmp_path: Path) -> Iterator[str]:
    """The web process as the Procfile runs it (gunicorn, gevent), on a free port."""
    with running_web(
        migrated,
        tmp_path,
        TWILIO_ACCOUNT_SID=DEFAULT_ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=DEFAULT_AUTH_TOKEN,
        TWILIO_API_BASE_URL=emulator_url,
        GUNICORN_ACCESS_LOG="-",
    ) as (base_url, _):
        yield base_url


def send_invitation(emulator_url: str, status_callback: str) -> str:
    """Send a template invitation through the emulator with the real twilio client."""
    http_client = TwilioHttpClient(timeout=30)
    client = Client(DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, http_client=http_client)
    client.api.base_url = emulator_url
    try:
        message = client.messages.create(
            to=GUEST,
            from_=SENDER,
            content_sid=TEMPLATE_SID,
            content_variables='{"1": "Ana"}',
            status_callback=status_callback,
        )
    finally:
        if http_client.session is not None:
            http_client.session.close()
    return str(message.sid)


def record_sid(app: Flask, invitation_id: int | None, sid: str) -> None:
    """What the sender does on success: store the SID and apply any early callbacks."""
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(
            text("UPDATE invitations SET message_sid = :sid WHERE id = :id"),
            {"sid": sid, "id": invitation_id},
        )
        link_early_callbacks(connection, [sid])


def guest_reply(emulator_url: str, web: str, **reply: str) -> dict:
    """Have the emulator post a guest's reply to the web's inbound webhook."""
    response = requests.post(
        f"{emulator_url}/_emulator/reply",
        json={"from": GUEST, "url": web + INBOUND, **reply},
        headers=authorized(),
        timeout=30,
    )
    assert response.status_code == 200, response.text
    answer: dict = response.json()
    return answer


def test_invitation_button_tap_confirms_the_guest(app: Flask, emulator_url: str, web: str) -> None:
    seeded = seed(app, PHONE, guest_name="Ana", event_name="Launch party", message_sid=None)
    sid = send_invitation(emulator_url, web + STATUS)
    record_sid(app, seeded.invitation_id, sid)

    def status() -> str | None:
        return scalar(
            app, "SELECT delivery_status FROM invitations WHERE message_sid = :sid", sid=sid
        )

    assert eventually(lambda: status() == "read", timeout=15), status()

    answer = guest_reply(emulator_url, web, button="yes", original_sid=sid)
    assert answer["status"] == 200
    assert ET.fromstring(answer["body"]).findtext("Message") == (
        "Thanks, Ana! You're confirmed for Launch party."
    )
    [invitation] = query(
        app, "SELECT rsvp, rsvp_at FROM invitations WHERE id = :id", id=seeded.invitation_id
    )
    assert invitation.rsvp == "confirmed"
    assert invitation.rsvp_at is not None
    [message] = query(app, "SELECT * FROM inbound_messages")
    assert (message.message_sid, message.kind) == (answer["message_sid"], "rsvp")
    assert (message.replied_message_sid, message.button_payload) == (sid, "yes")
    assert message.params["ButtonText"] == "Yes"

    stop = guest_reply(emulator_url, web, text="STOP")
    assert ET.fromstring(stop["body"]).findtext("Message") == (
        "You won't receive more messages from us. Reply START to undo."
    )
    assert scalar(app, "SELECT phone FROM opt_outs") == PHONE
    callbacks = query(app, "SELECT DISTINCT invitation_id FROM status_callbacks")
    assert [row.invitation_id for row in callbacks] == [seeded.invitation_id]
