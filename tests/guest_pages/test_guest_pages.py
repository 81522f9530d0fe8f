"""Guests' own pages (`/e/<token>`) and calendar entries (`.ics`): in the guest's language and
the event's zone, with the map and the answer; the calendar parsed back with `icalendar`
(zone, time, SEQUENCE raised by a move); private, rate-limited, and nothing for a wrong
token."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar

from app import guest_pages
from tests.support.constants import API_AUTH
from tests.support.database import execute, scalar, sql_statements
from tests.support.factories import invite, make_event, make_guests

SPANISH = "+34612345678"
ARABIC = "+971501234567"


def create_event(client: FlaskClient, **body: Any) -> dict[str, Any]:
    """POST an event to the API; its JSON."""
    fields = {
        "name": "Boda de Lucía",
        "starts_at": "2027-03-20T19:00",
        "time_zone": "Europe/Madrid",
    }
    response = client.post("/api/v1/events", json={**fields, **body}, headers=API_AUTH)
    assert response.status_code == 201, response.get_json()
    event: dict[str, Any] = response.get_json()
    return event


def guest_of(client: FlaskClient, event_id: int) -> dict[str, Any]:
    """The event's first guest as the API lists it."""
    listed = client.get(f"/api/v1/events/{event_id}/guests", headers=API_AUTH).get_json()
    guest: dict[str, Any] = listed["guests"][0]
    return guest


def path_of(guest: dict[str, Any]) -> str:
    """The path of a guest's page, from its `page_url`."""
    url: str = guest["page_url"]
    return url[url.index("/e/") :]


def test_a_guest_page_shows_the_event_in_their_language(app: Flask, client: FlaskClient) -> None:
    event = create_event(client, venue="Finca El Olivar", latitude=40.4168, longitude=-3.7038)
    [guest_id] = make_guests(app, event["id"], [("Ana", SPANISH)], party_size=3)
    invite(app, guest_id, rsvp="confirmed")
    execute(app, "UPDATE events SET plus_ones = 2")
    guest = guest_of(client, event["id"])
    assert guest["page_url"].startswith("http://localhost/e/")
    assert len(path_of(guest)) == len("/e/") + 64
    page = client.get(path_of(guest))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<html lang="es" dir="ltr">' in html
    assert "Estás invitado/a, Ana" in html
    assert "20 mar 2027" in html and "hora de España (Madrid)" in html
    assert "Finca El Olivar" in html
    assert "https://www.openstreetmap.org/?mlat=40.416800&amp;mlon=-3.703800" in html
    assert "Sí · 3 personas, contándote a ti" in html
    assert page.headers["Cache-Control"] == "private, no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "Set-Cookie" not in page.headers


def test_an_arabic_page_reads_right_to_left(app: Flask, client: FlaskClient) -> None:
    event = create_event(client, venue="قاعة الورود", time_zone="Asia/Dubai")
    make_guests(app, event["id"], [("ليلى", ARABIC)])
    html = client.get(path_of(guest_of(client, event["id"]))).get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html
    assert "لم ترد بعد" in html
    assert "https://www.openstreetmap.org/search?query=" in html  # the venue's words


def test_the_calendar_entry_has_the_zone_and_moves_with_the_event(
    app: Flask, client: FlaskClient
) -> None:
    event = create_event(client, venue="Finca El Olivar")
    make_guests(app, event["id"], [("Ana", SPANISH)])
    path = path_of(guest_of(client, event["id"]))
    first = client.get(path + ".ics")
    assert first.status_code == 200
    assert first.headers["Content-Type"] == "text/calendar; charset=utf-8"
    parsed = Calendar.from_ical(first.data)
    assert [tz["TZID"] for tz in parsed.walk("VTIMEZONE")] == ["Europe/Madrid"]
    [entry] = parsed.walk("VEVENT")
    start = entry["DTSTART"].dt
    assert (str(start.tzinfo), start.hour, start.minute) == ("Europe/Madrid", 19, 0)
    assert entry["SEQUENCE"] == 0
    assert str(entry["LOCATION"]) == "Finca El Olivar"
    assert str(entry["URL"]).endswith(path)

    moved = client.patch(
        f"/api/v1/events/{event['id']}", json={"starts_at": "2027-03-20T21:00"}, headers=API_AUTH
    )
    assert moved.status_code == 200
    client.patch(f"/api/v1/events/{event['id']}", json={"name": "Boda"}, headers=API_AUTH)
    [entry] = Calendar.from_ical(client.get(path + ".ics").data).walk("VEVENT")
    assert entry["DTSTART"].dt.hour == 21
    assert entry["SEQUENCE"] == 1  # the name alone does not move the entry


def test_a_canceled_event_says_so_on_the_page_and_in_the_calendar(
    app: Flask, client: FlaskClient
) -> None:
    event = create_event(client)
    make_guests(app, event["id"], [("Ana", SPANISH)])
    path = path_of(guest_of(client, event["id"]))
    [entry] = Calendar.from_ical(client.get(path + ".ics").data).walk("VEVENT")
    assert str(entry["STATUS"]) == "CONFIRMED" and entry["SEQUENCE"] == 0
    assert "cancelado" not in client.get(path).get_data(as_text=True)

    canceled = client.post(f"/api/v1/events/{event['id']}/cancel", headers=API_AUTH)

    assert canceled.status_code == 200 and canceled.get_json()["cancellation"] is None
    [entry] = Calendar.from_ical(client.get(path + ".ics").data).walk("VEVENT")
    assert str(entry["STATUS"]) == "CANCELLED" and entry["SEQUENCE"] == 1
    assert "Este evento se ha cancelado." in client.get(path).get_data(as_text=True)


@pytest.mark.parametrize("token", ["0" * 64, "not-a-token", "A" * 64, "0" * 63])
def test_a_wrong_token_opens_nothing(app: Flask, client: FlaskClient, token: str) -> None:
    event_id = make_event(app)
    make_guests(app, event_id, [("Ana", SPANISH)])
    with sql_statements(app) as statements:
        page = client.get(f"/e/{token}")
        calendar = client.get(f"/e/{token}.ics")
    assert (page.status_code, calendar.status_code) == (404, 404)
    assert "Ana" not in page.get_data(as_text=True)
    assert "no abre ninguna invitación" in page.get_data(as_text=True)
    looked_up = [statement for statement in statements if "FROM guests" in statement]
    assert bool(looked_up) == (token == "0" * 64)  # a malformed token is not looked up


def test_pages_are_rate_limited_per_address(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(guest_pages, "PAGES_PER_MINUTE", 3)
    codes = [client.get(f"/e/{'0' * 64}").status_code for _ in range(5)]
    assert codes == [404, 404, 404, 429, 429]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"latitude": 91}, "'latitude' must be between -90 and 90"),
        ({"longitude": -180.5}, "'longitude' must be between -180 and 180"),
        ({"latitude": "40.4"}, "'latitude' must be a number"),
        ({"latitude": True}, "'latitude' must be a number"),
    ],
)
def test_bad_coordinates_are_refused(client: FlaskClient, body: dict[str, Any], says: str) -> None:
    response = client.post("/api/v1/events", json={"name": "Gala", **body}, headers=API_AUTH)
    assert response.status_code == 400
    assert says in response.get_json()["message"]


def test_coordinates_are_kept_and_cleared(client: FlaskClient) -> None:
    event = create_event(client, latitude=40.4168, longitude=-3.7038)
    assert (event["latitude"], event["longitude"]) == (40.4168, -3.7038)
    url = f"/api/v1/events/{event['id']}"
    cleared = client.patch(url, json={"latitude": None}, headers=API_AUTH).get_json()
    assert (cleared["latitude"], cleared["longitude"]) == (None, -3.7038)


def test_every_guest_has_a_token_of_its_own(app: Flask) -> None:
    event_id = make_event(app)
    make_guests(app, event_id, [(f"G{n}", f"+3461234{5600 + n}") for n in range(50)])
    assert scalar(app, "SELECT count(DISTINCT page_token) FROM guests") == 50
    assert scalar(app, "SELECT min(length(page_token)) FROM guests") == 64
