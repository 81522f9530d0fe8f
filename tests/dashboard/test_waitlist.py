"""Capacity and the waitlist in the dashboard: the capacity and offer-hold fields of the event
forms (checked as the API checks them, refused beside the field), people against the
capacity in the answers card, a waitlisted guest's place and open offer in the guest table,
the Waitlisted filter, and a seat offer and its answer in the guest's conversation."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.models import InboundKind, MessageKind, Rsvp, SendState
from app.models.base import utcnow
from app.services.wording import format_start
from tests.support.dashboard import text_of
from tests.support.database import execute, query, scalar
from tests.support.factories import ago, invite, make_event, make_guests, make_inbound

ZONE = "Asia/Dubai"


def event_form(**fields: str) -> dict[str, str]:
    """A posted event form (no start), `fields` changed."""
    return {"name": "Boda", "time_zone": ZONE, "country": "", "plus_ones": "2", **fields}


def field_error(html: str, field: str) -> str:
    """The text of the error shown beside `field`, or "" when none is."""
    found = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', html, re.S)
    return text_of(found.group(1)) if found else ""


CAPACITY_ERROR = (
    "Enter a whole number of people from 0 to 1,000,000, or leave it empty for no limit."
)
HOURS_ERROR = "Enter a number of hours above 0 and at most 720, such as 24 or 1.5."
BAD_CAPACITIES = ["-1", "2.5", "ten", "1000001", "1e3"]
BAD_HOURS = ["0", "-2", "", "a day", "721", "1,5", "nan", "inf", "1e2"]


def test_a_new_event_takes_a_capacity_and_an_offer_hold(app: Flask, user: FlaskClient) -> None:
    form = user.get("/").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="capacity"[^>]*inputmode="numeric"[^>]*value=""', form)
    assert re.search(r'<input[^>]*id="offer_hours"[^>]*inputmode="decimal"[^>]*value="24"', form)
    assert "Empty: no limit." in text_of(form)
    created = user.post("/events", data=event_form(capacity="80", offer_hours="1.5"))
    assert created.status_code == 302
    assert user.post("/events", data=event_form(name="Cena", capacity=" ")).status_code == 302
    assert user.post("/events", data=event_form(name="Aforo", capacity="0")).status_code == 302
    stored = query(app, "SELECT name, capacity, offer_hours FROM events ORDER BY id")
    assert [(row.name, row.capacity, float(row.offer_hours)) for row in stored] == [
        ("Boda", 80, 1.5),
        ("Cena", None, 24.0),
        ("Aforo", 0, 24.0),
    ]


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [*(("capacity", t, CAPACITY_ERROR) for t in BAD_CAPACITIES)]
    + [("offer_hours", t, HOURS_ERROR) for t in BAD_HOURS],
)
def test_a_new_event_with_a_bad_capacity_or_hold_is_refused_beside_the_field(
    app: Flask, user: FlaskClient, field: str, typed: str, message: str
) -> None:
    response = user.post("/events", data=event_form(**{field: typed}))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, field) == message
    assert re.search(rf'<input[^>]*aria-invalid="true"[^>]*id="{field}"', html)
    assert f'value="{typed}"' in html  # what was typed stays
    assert scalar(app, "SELECT count(*) FROM events") == 0


def test_an_events_capacity_and_hold_are_corrected(app: Flask, user: FlaskClient) -> None:
    event_id = make_event(app, "Boda", time_zone=ZONE, capacity=10, offer_hours=24)
    html = user.get(f"/events/{event_id}/edit").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="capacity"[^>]*value="10"', html)
    assert re.search(r'<input[^>]*id="offer_hours"[^>]*value="24"', html)  # not 24.0000
    response = user.post(
        f"/events/{event_id}/edit", data=event_form(capacity="12", offer_hours=".25")
    )
    assert response.status_code == 302
    row = query(app, "SELECT capacity, offer_hours FROM events WHERE id = :id", id=event_id)[0]
    assert (row.capacity, float(row.offer_hours)) == (12, 0.25)
    assert re.search(
        r'id="offer_hours"[^>]*value="0.25"',
        user.get(f"/events/{event_id}/edit").get_data(as_text=True),
    )
    cleared = user.post(f"/events/{event_id}/edit", data=event_form(capacity=""))
    assert cleared.status_code == 302
    assert scalar(app, "SELECT capacity FROM events WHERE id = :id", id=event_id) is None


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [("capacity", "-5", CAPACITY_ERROR), ("capacity", "8.5", CAPACITY_ERROR)]
    + [("offer_hours", t, HOURS_ERROR) for t in ("0", "1000", "soon")],
)
def test_a_bad_capacity_or_hold_leaves_the_event_as_it_was(
    app: Flask, user: FlaskClient, field: str, typed: str, message: str
) -> None:
    event_id = make_event(app, "Boda", time_zone=ZONE, capacity=10)
    before = query(app, "SELECT * FROM events")
    response = user.post(
        f"/events/{event_id}/edit", data=event_form(name="Boda 2", **{field: typed})
    )
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), field) == message
    assert query(app, "SELECT * FROM events") == before


def full_wedding(app: Flask) -> tuple[int, dict[str, int]]:
    """A wedding for 6 whose guests may bring two: Ana (3) and Bo (1) seated, Cy (maybe, 2),
    then Dee (2, offered a seat until tomorrow) and Eve (1) waitlisted, in that order."""
    event_id = make_event(app, "Boda", time_zone=ZONE, plus_ones=2, capacity=6)
    people = [
        ("Ana", "+34612345670", 3, None, Rsvp.CONFIRMED),
        ("Bo", "+34612345671", None, None, Rsvp.CONFIRMED),
        ("Cy", "+34612345672", 2, None, Rsvp.MAYBE),
        ("Dee", "+34612345673", 2, ago(hours=3), Rsvp.CONFIRMED),
        ("Eve", "+34612345674", None, ago(hours=2), Rsvp.CONFIRMED),
    ]
    ids = {}
    for name, phone, party, waiting, answer in people:
        [guest] = make_guests(
            app, event_id, [(name, phone)], party_size=party, waitlisted_at=waiting
        )
        invite(app, guest, rsvp=answer)
        ids[name] = guest
    return event_id, ids


def offer_seat(app: Flask, event_id: int, guest_id: int, party: int) -> int:
    """An open offer of a seat to a waitlisted guest, held for a day, with its message (sent
    as a template); the message's id."""
    message_id = invite(app, guest_id, kind=MessageKind.OFFER, send_state=SendState.ACCEPTED)
    execute(
        app,
        "INSERT INTO offers (event_id, guest_id, invitation_id, party, hold_until)"
        " VALUES (:event_id, :guest_id, :message_id, :party, :until)",
        event_id=event_id,
        guest_id=guest_id,
        message_id=message_id,
        party=party,
        until=HOLD_UNTIL,
    )
    return message_id


HOLD_UNTIL = (utcnow() + timedelta(days=1)).replace(second=0, microsecond=0)


def answer_cell(html: str, name: str) -> str:
    """The text of the Answer cell in the guest table's row of `name`."""
    [row] = [row for row in html.split("<tr>") if f">{name}</bdi></a></th>" in row]
    cell = re.search(r'<td data-label="Answer">(.*?)</td>', row, re.S)
    assert cell, name
    return text_of(cell.group(1))


def test_people_are_counted_against_the_capacity_and_the_waitlist_apart(
    app: Flask, user: FlaskClient
) -> None:
    event_id, _ = full_wedding(app)
    html = user.get(f"/events/{event_id}").get_data(as_text=True)
    card = re.search(r'<dl class="stat-row heads".*?</dl>', html, re.S)
    assert card
    assert text_of(card.group(0)) == (
        "Confirmed 4 people 2 guests · of 6 seats Maybe 2 people 1 guest"
        " Waitlisted 3 people 2 guests"
    )


def test_an_event_with_a_capacity_and_no_waitlist_says_so(app: Flask, user: FlaskClient) -> None:
    event_id = make_event(app, "Cena", capacity=1)
    [guest] = make_guests(app, event_id, [("Ana", "+34612345670")])
    invite(app, guest, rsvp=Rsvp.CONFIRMED)
    html = user.get(f"/events/{event_id}").get_data(as_text=True)
    assert re.search(r'data-heads="confirmed">1 person<span class="sub">1 guest · of 1 seat<', html)
    assert re.search(r'data-heads="waitlisted">0 people<span class="sub">0 guests<', html)


def test_a_waitlisted_guest_shows_their_place_and_open_offer(app: Flask, user: FlaskClient) -> None:
    event_id, ids = full_wedding(app)
    offer_seat(app, event_id, ids["Dee"], 2)
    html = user.get(f"/events/{event_id}").get_data(as_text=True)
    until = text_of(format_start(HOLD_UNTIL, ZONE) or "")
    assert answer_cell(html, "Dee") == f"Waitlist #1 Offered a seat until {until}"
    assert answer_cell(html, "Eve") == "Waitlist #2"
    assert answer_cell(html, "Ana") == "Confirmed"
    assert answer_cell(html, "Cy") == "Maybe"


def test_the_waitlisted_filter_keeps_the_waiting_guests(app: Flask, user: FlaskClient) -> None:
    event_id, _ = full_wedding(app)
    html = user.get(f"/events/{event_id}?rsvp=waitlisted").get_data(as_text=True)
    assert '<option value="waitlisted" selected>Waitlisted</option>' in html
    listed = re.findall(r">([A-Za-z]+)</bdi></a></th>", html)
    assert listed == ["Dee", "Eve"]
    export = user.get(f"/events/{event_id}/guests.csv?rsvp=waitlisted").get_data(as_text=True)
    assert "Dee" in export and "Eve" in export and "Ana" not in export


def test_a_seat_offer_and_its_claim_are_named_in_the_conversation(
    app: Flask, user: FlaskClient
) -> None:
    event_id, ids = full_wedding(app)
    offer_seat(app, event_id, ids["Dee"], 2)
    make_inbound(
        app,
        from_phone="whatsapp:+34612345673",
        body="Claim",
        button_payload="claim",
        kind=InboundKind.RSVP,
        rsvp=Rsvp.CONFIRMED,
        guest_id=ids["Dee"],
        event_id=event_id,
        received_at=utcnow(),
    )
    page = text_of(user.get(f"/guests/{ids['Dee']}/conversation").get_data(as_text=True))
    assert "Seat offer" in page
    assert "The approved template offering a freed seat, with Claim and Pass buttons" in page
    assert "Claimed the seat Accepted" not in page  # the tap is not a message status
    assert re.search(r"Claimed the seat .*Claim", page)


def test_a_pass_is_named_in_the_conversation(app: Flask, user: FlaskClient) -> None:
    event_id, ids = full_wedding(app)
    make_inbound(
        app,
        from_phone="whatsapp:+34612345674",
        body="Pass",
        button_payload="PASS",
        guest_id=ids["Eve"],
        event_id=event_id,
    )
    page = text_of(user.get(f"/guests/{ids['Eve']}/conversation").get_data(as_text=True))
    assert re.search(r"Passed on the seat .*Pass", page)
