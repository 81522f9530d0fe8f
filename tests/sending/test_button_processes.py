"""Questions with buttons through real processes (gunicorn, `python -m worker`, PostgreSQL,
Redis, the emulator): a guest taps yes, gets "how many of you?" as quick replies, taps 3,
gets the event's choice question as a list and taps one; and when the Content API cannot be
reached, the same question arrives as text, once."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine

from tests.support.database import execute, query, scalar
from tests.support.factories import add_question, insert_guests, invite_all, phone
from tests.support.polling import eventually
from tests.support.sending import CampaignStack
from tests.support.webhooks import INBOUND

pytestmark = pytest.mark.slow

GUEST = f"whatsapp:{phone(0)}"
MAIN = ["Fish", "Meat", "Pasta", "Salad"]  # four: more than 3 quick replies, a list


def tap(stack: CampaignStack, button: str, original_sid: str | None = None) -> str | None:
    """The guest taps `button` (of `original_sid`, else their latest message); the text of
    the webhook's TwiML answer."""
    body = {"from": GUEST, "button": button, "url": stack.web_url + INBOUND}
    if original_sid:
        body["original_sid"] = original_sid
    answer = stack.emulator.control("/reply", body)
    assert answer["status"] == 200, answer
    message = ET.fromstring(answer["body"]).find("Message")
    return None if message is None else message.text


def sent_by_api(stack: CampaignStack) -> list[dict[str, Any]]:
    """The messages the REST API created (not the webhook's TwiML answers)."""
    return [m for m in stack.emulator.messages() if m["direction"] == "outbound-api"]


def arrives(stack: CampaignStack, check: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """Wait for the one message to the guest that `check` accepts; return it."""
    found: list[dict[str, Any]] = []

    def sent() -> bool:
        found[:] = [m for m in sent_by_api(stack) if m["to"] == GUEST and check(m)]
        return bool(found)

    assert eventually(sent, timeout=30, interval=0.2), stack.diagnose()
    assert len(found) == 1, found
    return found[0]


def invited(engine: Engine, send_app: Flask) -> int:
    """One invited guest who may bring two, of an event asking a choice question; its id."""
    event_id = insert_guests(engine, 1, "Launch party")
    invite_all(engine, event_id)
    execute(engine, "UPDATE events SET plus_ones = 2 WHERE id = :e", e=event_id)
    return add_question(send_app, event_id, "Main course?", MAIN)


def test_a_guest_taps_yes_then_how_many_then_a_choice(
    stack: CampaignStack, engine: Engine, send_app: Flask
) -> None:
    question_id = invited(engine, send_app)
    stack.start_worker()

    assert tap(stack, "yes") == "Thanks, Guest 0! You're confirmed for Launch party."
    how_many = arrives(stack, lambda m: bool(m["content_sid"]))
    assert how_many["body"].startswith("How many of you are coming")

    said = tap(stack, "party_3", how_many["sid"])
    assert said == "Thanks, Guest 0! We've noted 3 people for Launch party."
    assert scalar(engine, "SELECT party_size FROM guests") == 3
    main = arrives(stack, lambda m: m["body"].startswith("Question 1 of 1: Main course?"))
    assert main["content_sid"] and main["content_sid"] != how_many["content_sid"]

    assert tap(stack, f"answer_{question_id}_2", main["sid"]) == (
        "Thanks, that was our last question."
    )
    [answer] = query(engine, "SELECT choices, answered_at FROM answers")
    assert answer.choices == [2] and answer.answered_at is not None
    contents = stack.emulator.get("/contents")["contents"]
    assert len(contents) == 2  # one content each, created once
    # Each question went once, with its buttons; the engine owns both sends.
    assert [m["content_sid"] is not None for m in sent_by_api(stack)] == [True, True]
    replies = (
        "SELECT count(*) FROM invitations WHERE kind = 'reply'"
        " AND send_state = 'accepted' AND content_key IS NOT NULL"
    )
    assert scalar(engine, replies) == 2


def test_when_the_content_api_fails_the_text_question_arrives_once(
    stack: CampaignStack, engine: Engine, send_app: Flask
) -> None:
    invited(engine, send_app)
    stack.start_worker({"TWILIO_CONTENT_BASE_URL": "http://127.0.0.1:9"})  # nothing listens

    tap(stack, "yes")
    asked = arrives(stack, lambda m: m["body"].startswith("How many of you are coming"))
    assert asked["content_sid"] is None
    assert asked["body"].endswith("Reply with a number from 1 to 3.")
    # Typed, the number is read as it always was; the question then follows as text too.
    answer = stack.emulator.control(
        "/reply", {"from": GUEST, "text": "3", "url": stack.web_url + INBOUND}
    )
    assert "3 people" in answer["body"]
    main = arrives(stack, lambda m: m["body"].startswith("Question 1 of 1"))
    assert main["content_sid"] is None and "2. Meat" in main["body"]
    assert len(sent_by_api(stack)) == 2
    assert scalar(engine, "SELECT count(*) FROM button_contents WHERE content_sid IS NULL") == 2
