"""Capacity and offer hours through the API: set on creation and by PATCH, validated with
clear 400s, shown with the event; guests carry their waitlist position."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.support.constants import API_AUTH


def create(client: FlaskClient, **body: Any) -> Any:
    """POST an event."""
    return client.post("/api/v1/events", json={"name": "Gala", **body}, headers=API_AUTH)


def test_an_event_has_no_cap_and_a_day_of_hold_by_default(client: FlaskClient) -> None:
    event = create(client).get_json()
    assert event["capacity"] is None
    assert event["offer_hours"] == 24.0


def test_capacity_and_offer_hours_are_set_and_changed(client: FlaskClient) -> None:
    event = create(client, capacity=80, offer_hours=0.5).get_json()
    assert (event["capacity"], event["offer_hours"]) == (80, 0.5)
    url = f"/api/v1/events/{event['id']}"
    changed = client.patch(url, json={"capacity": 10, "offer_hours": 36}, headers=API_AUTH)
    assert changed.status_code == 200
    assert (changed.get_json()["capacity"], changed.get_json()["offer_hours"]) == (10, 36.0)
    cleared = client.patch(url, json={"capacity": None}, headers=API_AUTH).get_json()
    assert cleared["capacity"] is None
    assert client.get(url, headers=API_AUTH).get_json()["capacity"] is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("capacity", -1),
        ("capacity", 2.5),
        ("capacity", "80"),
        ("capacity", True),
        ("capacity", 1_000_001),
        ("offer_hours", 0),
        ("offer_hours", -2),
        ("offer_hours", "24"),
        ("offer_hours", None),
        ("offer_hours", False),
        ("offer_hours", 721),
    ],
)
def test_bad_values_are_clear_400s(client: FlaskClient, field: str, value: Any) -> None:
    response = create(client, **{field: value})
    assert response.status_code == 400
    assert field in response.get_json()["message"]
    event = create(client).get_json()
    patched = client.patch(f"/api/v1/events/{event['id']}", json={field: value}, headers=API_AUTH)
    assert patched.status_code == 400
    assert field in patched.get_json()["message"]


def test_guests_carry_a_waitlist_position(client: FlaskClient) -> None:
    event = create(client, capacity=5).get_json()
    client.post(
        f"/api/v1/events/{event['id']}/guests",
        json={"guests": [{"name": "Ana", "phone": "+14155550100"}]},
        headers=API_AUTH,
    )
    listed = client.get(f"/api/v1/events/{event['id']}/guests", headers=API_AUTH).get_json()
    assert [guest["waitlist_position"] for guest in listed["guests"]] == [None]
