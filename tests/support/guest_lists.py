"""Guest lists sent to `POST /api/v1/events/<id>/guests`, and the guests they left stored."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.models import Guest
from tests.support.constants import API_AUTH

CSV = {**API_AUTH, "Content-Type": "text/csv"}


def post_csv(client: FlaskClient, event_id: int, data: bytes | str, **headers: str) -> Any:
    """POST a CSV guest list (text is sent as UTF-8)."""
    if isinstance(data, str):
        data = data.encode()
    return client.post(f"/api/v1/events/{event_id}/guests", data=data, headers={**CSV, **headers})


def post_guests(client: FlaskClient, event_id: int, body: Any) -> Any:
    """POST a JSON guest list."""
    return client.post(f"/api/v1/events/{event_id}/guests", json=body, headers=API_AUTH)


def stored_guests(app: Flask, event_id: int) -> dict[str, Guest]:
    """The event's stored guests by phone."""
    with app.app_context():
        rows = db.session.scalars(select(Guest).where(Guest.event_id == event_id)).all()
        return {guest.phone: guest for guest in rows}
