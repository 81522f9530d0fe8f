"""Correct and delete events through `PATCH` and `DELETE /api/v1/events/<id>`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.models import CampaignState, DeliveryStatus, MessageKind, Rsvp, SendState
from tests.support.constants import API_AUTH
from tests.support.database import query, scalar
from tests.support.factories import invite, make_campaign, make_event, make_guests, make_inbound

MADRID = "Europe/Madrid"


def patch(client: FlaskClient, event_id: int, body: Any) -> Any:
    return client.patch(f"/api/v1/events/{event_id}", json=body, headers=API_AUTH)


def delete(client: FlaskClient, event_id: int) -> Any:
    return client.delete(f"/api/v1/events/{event_id}", headers=API_AUTH)


def soon(**delta: float) -> datetime:
    """A whole minute `delta` from now, in UTC."""
    return datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(**delta)


def snapshot(app: Flask) -> tuple[object, ...]:
    """Everything a correction or a deletion could change."""
    return (
        query(app, "SELECT * FROM events ORDER BY id"),
        query(app, "SELECT id, state, send_at FROM campaigns ORDER BY id"),
        query(app, "SELECT id, guest_id, event_id, send_state FROM invitations ORDER BY id"),
        scalar(app, "SELECT count(*) FROM guests"),
    )


def test_an_event_is_corrected_field_by_field(app: Flask, client: FlaskClient) -> None:
    event_id = make_event(app, "Boda", venue="Hall", time_zone="UTC")
    response = patch(
        client,
        event_id,
        {
            "name": " Boda de Ana ",
            "time_zone": MADRID,
            "starts_at": "2030-06-01T19:30:00",  # read in the new zone: 17:30 UTC
            "country": "es",
            "language_from_replies": True,
        },
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["name"] == "Boda de Ana" and body["venue"] == "Hall"
    assert (body["time_zone"], body["country"], body["language_from_replies"]) == (
        MADRID,
        "ES",
        True,
    )
    assert datetime.fromisoformat(body["starts_at"]) == datetime(2030, 6, 1, 17, 30, tzinfo=UTC)
    assert body["moved_reminders"] == []
    again = patch(client, event_id, {"starts_at": "2030-06-02T20:00:00", "venue": None}).get_json()
    # Read in the event's zone, now Madrid's.
    assert datetime.fromisoformat(again["starts_at"]) == datetime(2030, 6, 2, 18, 0, tzinfo=UTC)
    assert again["venue"] is None
    cleared = patch(client, event_id, {"starts_at": None, "country": None}).get_json()
    # No country of its own: its national numbers are read in its zone's (Madrid: ES).
    assert (cleared["starts_at"], cleared["country"]) == (None, "ES")
    stored = client.get(f"/api/v1/events/{event_id}", headers=API_AUTH).get_json()
    assert (stored["name"], stored["time_zone"], stored["starts_at"]) == (
        "Boda de Ana",
        MADRID,
        None,
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "nothing to change"),
        ({"location": "Hall"}, "unknown field 'location'"),
        ({"name": None}, "'name' can't be null"),
        ({"time_zone": None}, "'time_zone' can't be null"),
        ({"name": ""}, "'name' is empty"),
        ({"name": 7}, "'name' must be a string"),
        ({"venue": 7}, "'venue' must be a string or null"),
        ({"venue": "x" * 301}, "at most 300"),
        ({"starts_at": "next Friday"}, "ISO 8601"),
        ({"starts_at": 1_900_000_000}, "'starts_at' must be an ISO 8601 string"),
        ({"starts_at": "0001-01-01T00:00:00"}, "between the years"),
        ({"time_zone": "Mars/Olympus"}, "IANA time zone"),
        ({"time_zone": 1}, "IANA time zone"),
        ({"country": "XX"}, "ISO 3166"),
        ({"country": "Spain"}, "ISO 3166"),
        ({"country": 34}, "'country' must be an ISO 3166 country code"),
        ({"language_from_replies": "yes"}, "'language_from_replies' must be true or false"),
        ({"language_from_replies": None}, "'language_from_replies' can't be null"),
        ({"name": "Fine", "starts_at": "soon"}, "ISO 8601"),  # nothing half-applied
    ],
)
def test_a_bad_value_is_a_400_and_changes_nothing(
    app: Flask, client: FlaskClient, body: dict[str, Any], message: str
) -> None:
    event_id = make_event(app, "Boda", starts_at=soon(days=30))
    before = snapshot(app)
    response = patch(client, event_id, body)
    assert response.status_code == 400, response.get_json()
    assert message in response.get_json()["message"]
    assert snapshot(app) == before


def test_an_unknown_event_is_a_404(client: FlaskClient) -> None:
    for event_id in (999_999, 2**31, 0):
        assert patch(client, event_id, {"name": "Boda"}).status_code == 404
        assert delete(client, event_id).status_code == 404


def schedule_reminder(client: FlaskClient, event_id: int, hours_before: float = 24) -> Any:
    response = client.post(
        f"/api/v1/events/{event_id}/reminders",
        json={"hours_before": hours_before},
        headers=API_AUTH,
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def confirmed_event(app: Flask, starts_at: datetime) -> int:
    """An event in Madrid with one guest who confirmed."""
    event_id = make_event(app, "Boda", starts_at=starts_at, time_zone=MADRID)
    (guest,) = make_guests(app, event_id, [("Ana", "+34612345678")])
    invite(app, guest, delivery_status=DeliveryStatus.DELIVERED, rsvp=Rsvp.CONFIRMED)
    return event_id


def test_moving_the_start_moves_the_scheduled_reminder(templated: Flask) -> None:
    client = templated.test_client()
    event_id = confirmed_event(templated, soon(days=10))
    reminder = schedule_reminder(client, event_id)
    later = soon(days=12)
    response = patch(client, event_id, {"starts_at": later.isoformat()})
    assert response.status_code == 200
    send_at = later - timedelta(hours=24)
    assert response.get_json()["moved_reminders"] == [
        {"campaign_id": reminder["id"], "send_at": send_at.isoformat(), "started": False}
    ]
    moved = client.get(f"/api/v1/campaigns/{reminder['id']}", headers=API_AUTH).get_json()
    assert (moved["state"], datetime.fromisoformat(moved["send_at"])) == ("scheduled", send_at)
    # A new zone alone keeps the instant, and the reminder with it.
    assert (
        patch(client, event_id, {"time_zone": "America/Sao_Paulo"}).get_json()["moved_reminders"]
        == []
    )


def test_a_reminder_whose_time_has_passed_goes_now(templated: Flask) -> None:
    client = templated.test_client()
    event_id = confirmed_event(templated, soon(days=10))
    reminder = schedule_reminder(client, event_id)
    response = patch(client, event_id, {"starts_at": soon(hours=3).isoformat()})
    assert response.status_code == 200
    [moved] = response.get_json()["moved_reminders"]
    assert (moved["campaign_id"], moved["started"]) == (reminder["id"], True)
    started = client.get(f"/api/v1/campaigns/{reminder['id']}", headers=API_AUTH).get_json()
    assert (started["state"], started["total"]) == ("running", 1)


@pytest.mark.parametrize(
    ("starts_at", "message"),
    [(None, "has no start time"), ("2020-01-01T12:00:00Z", "would have started already")],
)
def test_a_start_removed_or_past_while_a_reminder_is_scheduled_is_a_409(
    templated: Flask, starts_at: str | None, message: str
) -> None:
    client = templated.test_client()
    event_id = confirmed_event(templated, soon(days=10))
    reminder = schedule_reminder(client, event_id)
    before = snapshot(templated)
    response = patch(client, event_id, {"name": "Boda nueva", "starts_at": starts_at})
    assert response.status_code == 409
    assert message in response.get_json()["message"]
    assert f"campaign {reminder['id']}" in response.get_json()["message"]
    assert snapshot(templated) == before


def test_a_deleted_event_takes_everything_of_it_and_cancels_what_was_scheduled(
    app: Flask, client: FlaskClient
) -> None:
    event_id = make_event(app, "Boda", starts_at=soon(days=10))
    kept = make_event(app, "Otra")
    (other_guest,) = make_guests(app, kept, [("Cy", "+34611000000")])
    make_campaign(app, event_id, [], state=CampaignState.SCHEDULED, send_at=soon(days=2))
    make_campaign(
        app,
        event_id,
        [{"send_state": SendState.ACCEPTED, "rsvp": Rsvp.CONFIRMED}] * 2,
        state=CampaignState.COMPLETED,
    )
    guests = [row.id for row in query(app, "SELECT id FROM guests WHERE event_id = :e", e=event_id)]
    make_inbound(app, guest_id=guests[0], event_id=event_id, body="¡Allí estaré!")
    # A deleted guest's row the completed campaign still counts goes with the event too.
    assert client.delete(f"/api/v1/guests/{guests[1]}", headers=API_AUTH).status_code == 204

    assert delete(client, event_id).status_code == 204
    assert client.get(f"/api/v1/events/{event_id}", headers=API_AUTH).status_code == 404
    assert scalar(app, "SELECT count(*) FROM invitations") == 0
    assert query(app, "SELECT id FROM campaigns") == []
    assert [row.id for row in query(app, "SELECT id FROM guests")] == [other_guest]
    assert query(app, "SELECT guest_id, event_id FROM inbound_messages") == [(None, None)]
    counts = query(
        app,
        "SELECT coalesce(sum(n), 0) FROM invitation_tallies UNION ALL"
        " SELECT coalesce(sum(n), 0) FROM guest_tallies WHERE event_id = :e",
        e=event_id,
    )
    assert [row[0] for row in counts] == [0, 0]


@pytest.mark.parametrize("state", [CampaignState.RUNNING, CampaignState.PAUSED])
def test_an_event_with_a_running_or_paused_campaign_is_not_deleted(
    app: Flask, client: FlaskClient, state: CampaignState
) -> None:
    event_id = make_event(app, "Boda")
    campaign_id = make_campaign(
        app, event_id, [{"send_state": SendState.PENDING}], state=state, kind=MessageKind.INVITATION
    )
    before = snapshot(app)
    response = delete(client, event_id)
    assert response.status_code == 409
    assert f"campaign {campaign_id} is {state.value}" in response.get_json()["message"]
    assert snapshot(app) == before


def test_an_event_with_a_message_in_flight_is_not_deleted(app: Flask, client: FlaskClient) -> None:
    event_id = make_event(app, "Boda")
    first, second = make_guests(app, event_id, [("Ana", "+34612345678"), ("Bo", "+34612345679")])
    invite(app, first, send_state=SendState.SENDING)  # sent on its own, no campaign
    invite(app, second, send_state=SendState.PENDING)
    before = snapshot(app)
    response = delete(client, event_id)
    assert response.status_code == 409
    assert "being sent" in response.get_json()["message"]
    assert snapshot(app) == before
