"""Fixtures for the `/api/v1` tests: an event to import into."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.support.constants import API_AUTH


@pytest.fixture
def event_id(client: FlaskClient) -> int:
    """An event created through the API."""
    response = client.post("/api/v1/events", json={"name": "Launch party"}, headers=API_AUTH)
    assert response.status_code == 201, response.get_json()
    event: int = response.get_json()["id"]
    return event
