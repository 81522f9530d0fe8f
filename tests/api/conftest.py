"""Fixtures for the `/api/v1` tests: an event to import into; an app with templates."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support.apps import fresh_app
from tests.support.constants import API_AUTH, TEMPLATE_SID


@pytest.fixture
def event_id(client: FlaskClient) -> int:
    """An event created through the API."""
    response = client.post("/api/v1/events", json={"name": "Launch party"}, headers=API_AUTH)
    assert response.status_code == 201, response.get_json()
    event: int = response.get_json()["id"]
    return event


@pytest.fixture
def templated(migrated: dict[str, str]) -> Iterator[Flask]:
    """An app with an approved reminder template: reminders can be scheduled and started."""
    with fresh_app({**migrated, "TWILIO_REMINDER_CONTENT_SID": TEMPLATE_SID}) as app:
        yield app
