"""Guests at the door: a party who said yes and holds a pass; a picture of the pass's QR code."""

from __future__ import annotations

from pathlib import Path

import segno
from flask import Flask

from app.models import Rsvp
from app.services.pass_codes import shown
from tests.support.factories import invite, make_guests

# Codes of the pass alphabet (no 0/O, 1/I/L), stored as the service stores them.
CODES = ("K7QM2XDP", "R4TW9HBC", "J3NZ8FUE", "M5PQ6VYA")


def make_party(
    app: Flask,
    event_id: int,
    name: str,
    phone: str,
    *,
    party_size: int | None = 3,
    code: str | None = CODES[0],
    rsvp: Rsvp | None = Rsvp.CONFIRMED,
) -> int:
    """A guest who answered `rsvp` for a party of `party_size`, holding the pass `code`
    (None: no pass); return their id."""
    fields = {"party_size": party_size, "pass_code": code}
    (guest_id,) = make_guests(app, event_id, [(name, phone)], **fields)
    if rsvp is not None:
        invite(app, guest_id, rsvp=rsvp)
    return guest_id


def draw_pass(code: str, path: Path) -> Path:
    """A PNG of the pass's QR code as the service draws it (the shown code, "K7QM-2XDP")."""
    segno.make_qr(shown(code)).save(str(path), kind="png", scale=10, border=4)
    return path
