"""The emulator's guests answer a seat offer by tapping Claim or Pass, at the claim rate."""

from __future__ import annotations

import random

from app.emulator.config import EmulatorConfig
from app.emulator.guests import offer_move


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
