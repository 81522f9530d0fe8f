"""The emulator's guests answer a seat offer by tapping Claim or Pass, at the claim rate, and a
question asked with buttons by tapping one of them."""

from __future__ import annotations

import random
from typing import Any

from app.emulator.config import EmulatorConfig
from app.emulator.content import StoredContent
from app.emulator.guests import ANSWERS, offer_move, question_tap


def test_guests_tap_claim_or_pass_at_the_claim_rate() -> None:
    config = EmulatorConfig().patched({"auto_reply_claim_rate": "0.8"})
    rng = random.Random(7)
    taps = [offer_move(config, rng) for _ in range(1000)]
    claims = sum(move.button == "claim" for move in taps)
    assert 740 <= claims <= 860
    assert {(move.button, move.button_text) for move in taps} == {
        ("claim", "Claim"),
        ("pass", "Pass"),
    }


def test_offer_templates_are_a_list_of_content_sids() -> None:
    sid = "HX" + "a" * 32
    config = EmulatorConfig().patched({"offer_templates": f"{sid}, "})
    assert config.offer_templates == frozenset({sid})
    assert EmulatorConfig().auto_reply_claim_rate == 0.8


def stored(types: dict[str, Any]) -> StoredContent:
    """A content of these types, as the emulator keeps it."""
    return StoredContent("HX" + "b" * 32, "AC" + "c" * 32, "asked", "es", {}, types)


def test_a_question_with_buttons_is_answered_by_a_tap_on_one_of_them() -> None:
    actions = [{"type": "QUICK_REPLY", "title": str(n), "id": f"party_{n}"} for n in (1, 2, 3)]
    asked = stored({"twilio/quick-reply": {"body": "¿Cuántos?", "actions": actions}})
    taps = {question_tap(asked, "yes", random.Random(seed)) for seed in range(40)}
    assert {(tap.said, tap.button) for tap in taps if tap} == {
        ("yes", "party_1"),
        ("yes", "party_2"),
        ("yes", "party_3"),
    }


def test_an_invitations_yes_no_maybe_buttons_are_no_question() -> None:
    actions = [{"type": "QUICK_REPLY", "title": title, "id": title} for title in ANSWERS]
    invitation = stored({"twilio/quick-reply": {"body": "¿Vendrás?", "actions": actions}})
    text = stored({"twilio/text": {"body": "Hola"}})
    assert question_tap(invitation, None, random.Random(1)) is None
    assert question_tap(text, None, random.Random(1)) is None
    assert question_tap(None, "yes", random.Random(1)) is None
