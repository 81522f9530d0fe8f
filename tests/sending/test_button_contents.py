"""A drain's side of questions with buttons, against the emulator: one content created for
every guest asked the same words, and a content Twilio refuses falls back to the text
question, once per guest."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.emulator.config import DEFAULT_AUTH_TOKEN
from app.extensions import db
from app.tasks.sending import send_due_invitations
from tests.support.apps import fresh_app
from tests.support.database import execute, query, scalar
from tests.support.emulator import Emulator
from tests.support.factories import insert_guests, invite_all, phone
from tests.support.webhooks import INBOUND, inbound_form, signed_post

PUBLIC = "https://invites.example.org"
GUESTS = 4
ASKED = "How many of you are coming, yourself included? Reply with a number from 1 to 3."


@pytest.fixture
def app(send_env: dict[str, str], sending_knobs: dict[str, str]) -> Iterator[Flask]:
    """An app in an app context; tables and Redis emptied afterwards."""
    with fresh_app({**send_env, "PUBLIC_BASE_URL": PUBLIC}) as app, app.app_context():
        yield app


def everyone_says_yes(client: FlaskClient) -> None:
    """Guests who may bring two each write "yes" (signed inbound webhooks)."""
    event_id = insert_guests(db.engine, GUESTS)
    invite_all(db.engine, event_id)
    execute(db.engine, "UPDATE events SET plus_ones = 2")
    for n in range(GUESTS):
        form = inbound_form(phone(n), "yes")
        response = signed_post(
            client, INBOUND, form, token=DEFAULT_AUTH_TOKEN, url=PUBLIC + INBOUND
        )
        assert response.status_code == 200
        assert b"How many" not in response.data  # the question goes apart, with buttons


def api_messages(emulator: Emulator) -> list[dict[str, str | None]]:
    """What the REST API sent: (to, content SID, body) of each message."""
    return [m for m in emulator.messages() if m["direction"] == "outbound-api"]


def test_guests_asked_the_same_words_share_one_content(app: Flask, emulator: Emulator) -> None:
    everyone_says_yes(app.test_client())
    send_due_invitations()

    sent = api_messages(emulator)
    assert sorted(m["to"] for m in sent) == [f"whatsapp:{phone(n)}" for n in range(GUESTS)]
    assert len({m["content_sid"] for m in sent}) == 1
    assert [m["body"] for m in sent] == [ASKED] * GUESTS
    [content] = emulator.get("/contents")["contents"]
    assert scalar(db.engine, "SELECT content_sid FROM button_contents") == content["sid"]


def test_a_content_twilio_refuses_goes_as_the_text_question(app: Flask, emulator: Emulator) -> None:
    everyone_says_yes(app.test_client())
    # A list with no items: Twilio's Content API refuses it (400, 20001).
    execute(
        db.engine,
        "UPDATE button_contents SET request = jsonb_set(request, '{types}',"
        ' \'{"twilio/list-picker": {"body": "?", "button": "Choose", "items": []}}\')',
    )
    send_due_invitations()

    sent = api_messages(emulator)
    assert len(sent) == GUESTS and all(m["content_sid"] is None for m in sent)
    assert {m["body"] for m in sent} == {ASKED}
    [row] = query(db.engine, "SELECT content_sid, failed_at, error FROM button_contents")
    assert row.content_sid is None and row.failed_at is not None and "20001" in row.error
    assert emulator.get("/contents")["contents"] == []
