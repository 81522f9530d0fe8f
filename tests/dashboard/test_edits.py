"""Correcting and deleting guests and events in the dashboard: forms, refusals, confirmations."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.models import CampaignState, MessageKind, SendState
from tests.support.dashboard import text_of
from tests.support.database import query, scalar
from tests.support.factories import invite, make_campaign, make_event, make_guests

MADRID = "Europe/Madrid"


def in_madrid(days: int, hour: int, minute: int = 0) -> datetime:
    """A time `days` from today in Madrid, at `hour`:`minute` there."""
    day = datetime.now(ZoneInfo(MADRID)) + timedelta(days=days)
    return day.replace(hour=hour, minute=minute, second=0, microsecond=0)


def typed(moment: datetime) -> str:
    """A Madrid time as the organiser types it (datetime-local, no offset)."""
    return moment.strftime("%Y-%m-%dT%H:%M")


START = in_madrid(30, 19, 30)


def boda(app: Flask) -> tuple[int, int, int]:
    """An event in Madrid with Ana (table 3) and Bo; its id and theirs."""
    starts = START.astimezone(UTC)
    event_id = make_event(
        app, "Boda", starts_at=starts, time_zone=MADRID, venue="Finca", country="ES"
    )
    ana, bo = make_guests(
        app,
        event_id,
        [("Ana", "+34612345678"), ("Bo", "+34612345679")],
        variables={"Mesa": "3"},
        language="es",
    )
    return event_id, ana, bo


def guest_row(app: Flask, guest_id: int) -> Any:
    rows = query(
        app, "SELECT name, phone, language, variables FROM guests WHERE id = :id", id=guest_id
    )
    return rows[0] if rows else None


def guest_form(**fields: str) -> dict[str, str]:
    """A posted guest form: Ana's as stored, with `fields` changed."""
    return {
        "name": "Ana",
        "phone": "+34612345678",
        "language": "es",
        "columns-0-key": "Mesa",
        "columns-0-value": "3",
        "columns-1-key": "",
        "columns-1-value": "",
        **fields,
    }


def test_the_guest_form_shows_the_guest_and_every_column(app: Flask, user: FlaskClient) -> None:
    event_id, ana, _ = boda(app)
    response = user.get(f"/guests/{ana}/edit?next=/events/{event_id}?q=Ana")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'value="Ana"' in html and 'value="+34612345678"' in html
    assert re.search(r'<option (selected )?value="es"( selected)?>', html)
    assert 'name="columns-0-key" type="hidden" value="Mesa"' in html
    assert f'name="next" value="/events/{event_id}?q=Ana"' in html
    assert "read as a number of Spain" in text_of(html)
    assert f"/guests/{ana}/delete" in html


def test_a_guest_is_corrected_and_the_list_shows_it(app: Flask, user: FlaskClient) -> None:
    event_id, ana, _ = boda(app)
    response = user.post(
        f"/guests/{ana}/edit",
        data=guest_form(
            name="Ana María",
            phone="611 22 33 44",
            language="pt",
            **{"columns-0-value": "", "columns-1-key": "Menú", "columns-1-value": "vegano"},
            next=f"/events/{event_id}",
        ),
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/events/{event_id}"
    stored = guest_row(app, ana)
    assert (stored.name, stored.phone, stored.language) == ("Ana María", "+34611223344", "pt")
    assert stored.variables == {"Menú": "vegano"}  # Mesa emptied, Menú added
    page = text_of(user.get(f"/events/{event_id}").get_data(as_text=True))
    assert "Ana María saved." in page and "+34611223344" in page


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"phone": "12"}, 400, "Phone '12' is invalid"),
        ({"name": " "}, 400, "Name is missing"),
        ({"language": "xx"}, 400, "Not a valid choice"),
        ({"phone": "612 345 679"}, 409, "+34612345679 is already the number of guest"),
        ({"columns-1-key": "x" * 101, "columns-1-value": "1"}, 400, "Field name"),
    ],
)
def test_a_refused_correction_says_why_beside_the_field_and_changes_nothing(
    app: Flask, user: FlaskClient, fields: dict[str, str], status: int, message: str
) -> None:
    _, ana, _ = boda(app)
    before = guest_row(app, ana)
    response = user.post(f"/guests/{ana}/edit", data=guest_form(**{"name": "Ana B", **fields}))
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert message in text_of(html)
    assert 'value="Ana B"' in html or fields.get("name") == " "  # what was typed stays
    assert guest_row(app, ana) == before


def test_a_guest_is_deleted_after_a_confirmation(app: Flask, user: FlaskClient) -> None:
    event_id, ana, bo = boda(app)
    confirm = user.get(f"/guests/{ana}/delete?next=/events/{event_id}")
    assert confirm.status_code == 200
    text = text_of(confirm.get_data(as_text=True))
    assert "Delete Ana ?" in text and "stays counted in those campaigns" in text
    assert guest_row(app, ana) is not None  # asking deletes nothing
    response = user.post(f"/guests/{ana}/delete", data={"next": f"/events/{event_id}"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/events/{event_id}"
    assert guest_row(app, ana) is None and guest_row(app, bo) is not None
    assert "Ana deleted." in text_of(user.get(f"/events/{event_id}").get_data(as_text=True))


def test_a_guest_with_a_message_in_flight_is_kept_and_the_page_says_why(
    app: Flask, user: FlaskClient
) -> None:
    event_id, ana, _ = boda(app)
    invite(app, ana, send_state=SendState.SENDING)
    response = user.post(f"/guests/{ana}/delete", data={"next": f"/events/{event_id}"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"/guests/{ana}/delete")
    assert guest_row(app, ana) is not None
    page = text_of(user.get(response.headers["Location"]).get_data(as_text=True))
    assert "Ana was not deleted: a message to this guest is being sent" in page


def test_unknown_guests_and_events_are_404_pages(user: FlaskClient) -> None:
    for path in ("/guests/999999/edit", "/guests/999999/delete", "/events/999999/edit"):
        assert user.get(path).status_code == 404, path
    assert user.post("/guests/999999/delete").status_code == 404
    assert user.post("/events/999999/delete").status_code == 404


def event_form(**fields: str) -> dict[str, str]:
    """The posted event form: the Boda as stored, with `fields` changed."""
    return {
        "name": "Boda",
        "starts_at": typed(START),
        "time_zone": MADRID,
        "venue": "Finca",
        "country": "ES",
        **fields,
    }


def test_the_event_form_shows_the_start_in_the_events_zone(app: Flask, user: FlaskClient) -> None:
    event_id, _, _ = boda(app)
    html = user.get(f"/events/{event_id}/edit").get_data(as_text=True)
    assert f'value="{typed(START)}"' in html
    assert f'value="{MADRID}"' in html and 'value="Finca"' in html
    assert re.search(r'<option (selected )?value="ES"( selected)?>Spain', html)
    assert f"/events/{event_id}/delete" in html


def test_an_event_is_corrected_and_its_reminder_moves_with_it(
    app: Flask, user: FlaskClient
) -> None:
    event_id, _, _ = boda(app)
    reminder = make_campaign(
        app,
        event_id,
        [],
        state=CampaignState.SCHEDULED,
        kind=MessageKind.REMINDER,
        send_at=(START - timedelta(days=1)).astimezone(UTC),
        lead_seconds=86400,
    )
    later = in_madrid(37, 20)
    response = user.post(
        f"/events/{event_id}/edit",
        data=event_form(
            name="Boda de Ana",
            starts_at=typed(later),
            venue="",
            country="PT",
            language_from_replies="y",
        ),
    )
    assert response.status_code == 302, text_of(response.get_data(as_text=True))
    assert response.headers["Location"] == f"/events/{event_id}"
    event = query(app, "SELECT * FROM events WHERE id = :id", id=event_id)[0]
    assert (event.name, event.venue, event.country) == ("Boda de Ana", None, "PT")
    assert event.language_from_replies is True
    assert event.starts_at == later  # 20:00 in Madrid
    send_at = scalar(app, "SELECT send_at FROM campaigns WHERE id = :id", id=reminder)
    assert send_at == later - timedelta(days=1)
    page = text_of(user.get(f"/events/{event_id}").get_data(as_text=True))
    assert "Event “Boda de Ana” saved." in page
    assert f"The reminder (campaign #{reminder}) moved with the start" in page


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"name": ""}, 400, "This field is required"),
        ({"starts_at": "next week"}, 400, "Not a valid datetime value"),
        ({"time_zone": "Mars/Olympus"}, 400, "Pick an IANA time zone"),
        ({"starts_at": ""}, 409, "The event has no start time, and its reminder"),
    ],
)
def test_a_refused_event_correction_says_why_and_changes_nothing(
    app: Flask, user: FlaskClient, fields: dict[str, str], status: int, message: str
) -> None:
    event_id, _, _ = boda(app)
    make_campaign(
        app,
        event_id,
        [],
        state=CampaignState.SCHEDULED,
        kind=MessageKind.REMINDER,
        send_at=(START - timedelta(days=1)).astimezone(UTC),
        lead_seconds=86400,
    )
    before = query(app, "SELECT * FROM events"), query(app, "SELECT * FROM campaigns")
    response = user.post(f"/events/{event_id}/edit", data=event_form(**fields))
    assert response.status_code == status
    assert message in text_of(response.get_data(as_text=True))
    assert (query(app, "SELECT * FROM events"), query(app, "SELECT * FROM campaigns")) == before


def test_an_event_is_deleted_after_a_confirmation(app: Flask, user: FlaskClient) -> None:
    event_id, _, _ = boda(app)
    scheduled = make_campaign(
        app,
        event_id,
        [],
        state=CampaignState.SCHEDULED,
        send_at=datetime.now(UTC) + timedelta(days=2),
    )
    confirm = text_of(user.get(f"/events/{event_id}/delete").get_data(as_text=True))
    assert "Delete Boda ?" in confirm and "2 guests" in confirm
    assert f"campaign #{scheduled}) is canceled" in confirm
    response = user.post(f"/events/{event_id}/delete")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert scalar(app, "SELECT count(*) FROM events") == 0
    page = text_of(user.get("/").get_data(as_text=True))
    assert "Event “Boda” deleted. Scheduled campaigns canceled: 1." in page


def test_an_event_with_a_running_campaign_is_not_deleted(app: Flask, user: FlaskClient) -> None:
    event_id, _, _ = boda(app)
    running = make_campaign(app, event_id, [{"send_state": SendState.PENDING}])
    confirm = text_of(user.get(f"/events/{event_id}/delete").get_data(as_text=True))
    assert f"Not now: campaign #{running} is running" in confirm
    assert "Delete the event" not in confirm.replace("Delete the event…", "")
    response = user.post(f"/events/{event_id}/delete")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/events/{event_id}/delete"
    assert scalar(app, "SELECT count(*) FROM events") == 1
    page = text_of(user.get(response.headers["Location"]).get_data(as_text=True))
    assert f"“Boda” was not deleted: campaign {running} is running" in page


def test_the_event_page_links_to_every_correction(app: Flask, user: FlaskClient) -> None:
    event_id, ana, bo = boda(app)
    html = user.get(f"/events/{event_id}?q=Ana").get_data(as_text=True)
    assert f'href="/events/{event_id}/edit"' in html
    assert f'href="/guests/{ana}/edit?next=/events/{event_id}?q%3DAna"' in html
    assert f"/guests/{bo}/edit" not in html  # filtered out
