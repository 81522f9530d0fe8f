"""Create, list and read events through `/api/v1/events`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.support.constants import API_AUTH


def create(client: FlaskClient, body: Any) -> Any:
    return client.post("/api/v1/events", json=body, headers=API_AUTH)


def test_create_returns_201_with_location_and_the_event(client: FlaskClient) -> None:
    response = create(
        client,
        {"name": "  Gala  ", "starts_at": "2030-06-01T18:30:00+02:00", "venue": "Hall A"},
    )
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {
        "id",
        "name",
        "starts_at",
        "time_zone",
        "starts_at_text",
        "venue",
        "country",
        "language_from_replies",
        "plus_ones",
        "capacity",
        "offer_hours",
        "latitude",
        "longitude",
        "passes",
        "approval_above",
        "calendar_sequence",
        "canceled_at",
        "created_at",
    }
    assert body["name"] == "Gala"
    assert body["venue"] == "Hall A"
    assert datetime.fromisoformat(body["starts_at"]) == datetime(2030, 6, 1, 16, 30, tzinfo=UTC)
    assert datetime.fromisoformat(body["created_at"]).tzinfo is not None
    assert response.headers["Location"].endswith(f"/api/v1/events/{body['id']}")
    again = client.get(response.headers["Location"], headers=API_AUTH).get_json()
    assert again["name"] == "Gala"
    assert again["starts_at"] == body["starts_at"]


@pytest.mark.parametrize(
    ("starts_at", "expected"),
    [
        ("2030-01-02T03:04:05", datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2030-01-02T03:04:05Z", datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2030-01-02T03:04:05-05:00", datetime(2030, 1, 2, 8, 4, 5, tzinfo=UTC)),
        ("2030-01-02", datetime(2030, 1, 2, tzinfo=UTC)),
        (None, None),
    ],
)
def test_starts_at_is_stored_in_utc_and_naive_means_utc(
    client: FlaskClient, starts_at: str | None, expected: datetime | None
) -> None:
    body = create(client, {"name": "E", "starts_at": starts_at}).get_json()
    got = body["starts_at"]
    assert (datetime.fromisoformat(got) if got else None) == expected


def test_name_in_any_script_is_kept_exactly(client: FlaskClient) -> None:
    name = "حفل زفاف ليلى و José 🎉 Ünïcödé"
    body = create(client, {"name": name}).get_json()
    assert body["name"] == name
    assert client.get(f"/api/v1/events/{body['id']}", headers=API_AUTH).get_json()["name"] == name


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "'name' is required"),
        ({"name": None}, "'name' is required"),
        ({"name": ""}, "'name' is empty"),
        ({"name": "   "}, "'name' is empty"),
        ({"name": "x" * 201}, "longer than 200"),
        ({"name": 42}, "'name' must be a string"),
        ({"name": ["a"]}, "'name' must be a string"),
        ({"name": "a\x00b"}, "control characters"),
        ({"name": "line\nbreak"}, "control characters"),
        ({"name": "E", "starts_at": "tomorrow"}, "ISO 8601"),
        ({"name": "E", "starts_at": "2030-13-01T00:00:00"}, "ISO 8601"),
        ({"name": "E", "starts_at": 1700000000}, "ISO 8601 string"),
        ({"name": "E", "starts_at": "0001-01-01T00:00:00+01:00"}, "between the years"),
        ({"name": "E", "starts_at": "9999-12-31T23:59:59-01:00"}, "between the years"),
        ({"name": "E", "venue": 3}, "'venue' must be a string"),
        ({"name": "E", "venue": "v" * 301}, "at most 300"),
        ({"name": "E", "venue": "a\x00"}, "can't be stored"),
        ({"name": "E", "strats_at": "2030-01-01"}, "unknown field 'strats_at'"),
    ],
)
def test_invalid_event_bodies_are_400_with_the_reason(
    client: FlaskClient, body: dict[str, Any], message: str
) -> None:
    response = create(client, body)
    assert response.status_code == 400, response.get_json()
    assert message in response.get_json()["message"]
    assert client.get("/api/v1/events", headers=API_AUTH).get_json()["events"] == []


@pytest.mark.parametrize(
    ("data", "content_type", "status", "message"),
    [
        (b"", "application/json", 400, "empty"),
        (b"{", "application/json", 400, "malformed JSON"),
        (b'{"name": "x",}', "application/json", 400, "malformed JSON"),
        (b"[1, 2]", "application/json", 400, "must be a JSON object, not an array"),
        (b'"text"', "application/json", 400, "not a string"),
        (b"\xff\xfe\x00", "application/json", 400, "malformed JSON"),
        (b"[" * 100_000, "application/json", 400, "malformed JSON"),
        (b"name=x", "application/x-www-form-urlencoded", 415, "application/json"),
        (b'{"name": "x"}', "text/plain", 415, "application/json"),
        (b'{"name": "x"}', None, 415, "application/json"),
    ],
)
def test_malformed_or_wrongly_typed_bodies(
    client: FlaskClient, data: bytes, content_type: str | None, status: int, message: str
) -> None:
    headers = dict(API_AUTH)
    if content_type:
        headers["Content-Type"] = content_type
    response = client.post("/api/v1/events", data=data, headers=headers)
    assert response.status_code == status
    assert response.is_json
    assert message in response.get_json()["message"]


def test_list_pages_newest_first_with_guest_counts(client: FlaskClient) -> None:
    ids = [create(client, {"name": f"Event {n}"}).get_json()["id"] for n in range(5)]
    client.post(
        f"/api/v1/events/{ids[0]}/guests",
        json={"guests": [{"name": "A", "phone": "+14155550100"}]},
        headers=API_AUTH,
    )
    seen: list[dict[str, Any]] = []
    cursor = None
    for _ in range(5):
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/events", query_string=query, headers=API_AUTH).get_json()
        seen += page["events"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [e["id"] for e in seen] == sorted(ids, reverse=True)
    assert {e["id"]: e["guests"] for e in seen}[ids[0]] == 1
    assert {e["id"]: e["guests"] for e in seen}[ids[1]] == 0


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"limit": "0"}, "between 1 and 500"),
        ({"limit": "501"}, "between 1 and 500"),
        ({"limit": "ten"}, "must be an integer"),
        ({"cursor": "not-a-cursor"}, "not a cursor"),
        ({"cursor": "WyJ4Il0"}, "not a cursor"),  # ["x"]: the wrong shape
        ({"cursor": "Wzk5OTk5OTk5OTk5OV0"}, "not a cursor"),  # an id beyond any row
    ],
)
def test_list_rejects_bad_paging(client: FlaskClient, query: dict[str, str], message: str) -> None:
    response = client.get("/api/v1/events", query_string=query, headers=API_AUTH)
    assert response.status_code == 400
    assert message in response.get_json()["message"]


def test_get_event_includes_stats(client: FlaskClient, event_id: int) -> None:
    body = client.get(f"/api/v1/events/{event_id}", headers=API_AUTH).get_json()
    assert body["id"] == event_id
    assert body["name"] == "Launch party"
    assert body["stats"]["guests"] == 0
    assert body["stats"]["rsvp"] == {"confirmed": 0, "declined": 0, "maybe": 0, "no_answer": 0}


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/events/999",
        "/api/v1/events/0",
        "/api/v1/events/99999999999999999999",
        "/api/v1/events/999/stats",
        "/api/v1/events/999/guests",
        "/api/v1/events/abc",
    ],
)
def test_unknown_events_are_404_json(client: FlaskClient, path: str) -> None:
    response = client.get(path, headers=API_AUTH)
    assert response.status_code == 404
    assert response.is_json


def test_import_into_unknown_event_is_404(client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/events/4242/guests",
        json={"guests": [{"name": "A", "phone": "+14155550100"}]},
        headers=API_AUTH,
    )
    assert response.status_code == 404
    assert "4242" in response.get_json()["message"]


def test_an_event_in_its_own_time_zone(client: FlaskClient) -> None:
    # The API event at 18:00+01:00 (Lisbon in June): announced at 18:00, Lisbon time.
    body = {
        "name": "Jantar",
        "starts_at": "2027-06-23T18:00:00+01:00",
        "time_zone": "Europe/Lisbon",
    }
    event = client.post("/api/v1/events", json=body, headers=API_AUTH).get_json()
    assert event["starts_at"] == "2027-06-23T17:00:00+00:00"
    assert event["time_zone"] == "Europe/Lisbon"
    assert event["starts_at_text"] == "Wed, Jun 23, 2027, 6:00\u202fPM · Portugal (Lisbon) Time"
    # Without an offset, the time is read in the event's zone.
    naive = {"name": "Cena", "starts_at": "2027-06-23T19:30", "time_zone": "Europe/Madrid"}
    event = client.post("/api/v1/events", json=naive, headers=API_AUTH).get_json()
    assert event["starts_at"] == "2027-06-23T17:30:00+00:00"


@pytest.mark.parametrize("zone", ["Not/A_Zone", "../../etc/passwd", 7, ""])
def test_an_unknown_time_zone_is_400(client: FlaskClient, zone: object) -> None:
    response = client.post(
        "/api/v1/events", json={"name": "X", "time_zone": zone}, headers=API_AUTH
    )
    assert response.status_code == 400
    assert "IANA time zone" in response.get_json()["message"]
    assert client.get("/api/v1/events", headers=API_AUTH).get_json()["events"] == []


def test_events_default_to_the_configured_zone(client: FlaskClient) -> None:
    event = client.post("/api/v1/events", json={"name": "X"}, headers=API_AUTH).get_json()
    assert event["time_zone"] == "UTC"
