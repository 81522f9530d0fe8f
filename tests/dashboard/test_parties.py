"""Heads in the dashboard: people beside guests in the answers card, the guest table's party
column, and the plus-ones and party-size fields of the guest and event forms."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.models import Rsvp
from tests.support.dashboard import text_of
from tests.support.database import execute, query, scalar
from tests.support.factories import invite, make_event, make_guests


def party_event(app: Flask, plus_ones: int = 2) -> tuple[int, list[int]]:
    """An event whose guests may bring `plus_ones`: Ana (yes, 3 in all), Bo (yes, not said),
    Cy (maybe, 2), Dee (no), Eve (no answer), and Fay (yes, their own allowance 0)."""
    event_id = make_event(app, "Boda", plus_ones=plus_ones)
    people = [
        ("Ana", "+34612345670", 3, None, Rsvp.CONFIRMED),
        ("Bo", "+34612345671", None, None, Rsvp.CONFIRMED),
        ("Cy", "+34612345672", 2, None, Rsvp.MAYBE),
        ("Dee", "+34612345673", None, None, Rsvp.DECLINED),
        ("Eve", "+34612345674", None, None, None),
        ("Fay", "+34612345675", None, 0, Rsvp.CONFIRMED),
    ]
    ids = []
    for name, phone, party, own, answer in people:
        [guest] = make_guests(app, event_id, [(name, phone)], party_size=party, plus_ones=own)
        if answer is not None:
            invite(app, guest, rsvp=answer)
        ids.append(guest)
    return event_id, ids


def party_of(html: str, name: str) -> str:
    """The text of the party cell in the guest table's row of `name`."""
    [row] = [row for row in html.split("<tr>") if f">{name}</bdi></a></th>" in row]
    cell = re.search(r'<td data-label="Party"[^>]*>(.*?)</td>', row, re.S)
    assert cell, name
    return text_of(cell.group(1))


def test_the_answers_card_shows_people_beside_guests(app: Flask, user: FlaskClient) -> None:
    event_id, _ = party_event(app)
    html = user.get(f"/events/{event_id}").get_data(as_text=True)
    card = re.search(r'<dl class="stat-row heads".*?</dl>', html, re.S)
    assert card
    heads = text_of(card.group(0))
    # Ana 3 + Bo 1 + Fay 1; Cy 2.
    assert heads == "Confirmed 5 people 3 guests Maybe 2 people 1 guest"
    assert "Waitlisted" not in heads


def test_one_person_is_said_in_the_singular(app: Flask, user: FlaskClient) -> None:
    event_id = make_event(app, "Cena")
    [guest] = make_guests(app, event_id, [("Ana", "+34612345670")])
    invite(app, guest, rsvp=Rsvp.CONFIRMED)
    html = user.get(f"/events/{event_id}").get_data(as_text=True)
    assert re.search(r'data-heads="confirmed">1 person<span class="sub">1 guest<', html)
    assert re.search(r'data-heads="maybe">0 people<span class="sub">0 guests<', html)


def test_the_guest_table_shows_each_party_as_an_organiser_reads_it(
    app: Flask, user: FlaskClient
) -> None:
    event_id, _ = party_event(app)
    [alone] = make_guests(app, event_id, [("Gil", "+34612345676")], party_size=4, plus_ones=2)
    invite(app, alone, rsvp=Rsvp.CONFIRMED)
    html = user.get(f"/events/{event_id}").get_data(as_text=True)
    assert '<th scope="col">Party</th>' in html
    assert party_of(html, "Ana") == "3 of 3"
    assert party_of(html, "Bo") == "1 of 3 Not said yet"
    assert party_of(html, "Cy") == "2 of 3"
    assert party_of(html, "Dee") == "—"
    assert party_of(html, "Eve") == "Up to 3"
    assert party_of(html, "Fay") == "1"  # their own allowance: none
    assert party_of(html, "Gil") == "4 Over the limit of 3"  # stored before a lower allowance


def test_an_event_without_plus_ones_shows_dashes_and_ones(app: Flask, user: FlaskClient) -> None:
    event_id, _ = party_event(app, plus_ones=0)
    html = user.get(f"/events/{event_id}").get_data(as_text=True)
    assert party_of(html, "Bo") == "1"
    assert party_of(html, "Eve") == "—"
    assert party_of(html, "Ana") == "3 Over the limit of 1"


def guest_row(app: Flask, guest_id: int) -> Any:
    return query(app, "SELECT * FROM guests WHERE id = :id", id=guest_id)[0]


def guest_form(**fields: str) -> dict[str, str]:
    """Ana's guest form as stored (3 in all, the event's allowance), `fields` changed."""
    return {
        "name": "Ana",
        "phone": "+34612345670",
        "language": "es",
        "plus_ones": "",
        "party_size": "3",
        **fields,
    }


def test_the_guest_form_shows_the_party(app: Flask, user: FlaskClient) -> None:
    _, (ana, *_) = party_event(app)
    html = user.get(f"/guests/{ana}/edit").get_data(as_text=True)
    assert re.search(
        r'<input[^>]*id="plus_ones"[^>]*placeholder="Event&#39;s: 2"[^>]*value=""', html
    )
    assert re.search(r'<input[^>]*id="party_size"[^>]*value="3"', html)
    page = text_of(html)
    assert "Empty: the event's (2)." in page
    assert "How many are coming, them included: 1 to 3. Empty: not said yet." in page


@pytest.mark.parametrize(
    ("fields", "plus_ones", "party_size"),
    [
        ({"party_size": "2"}, None, 2),
        ({"party_size": " 1 "}, None, 1),
        ({"party_size": ""}, None, None),  # not said
        ({"plus_ones": "4", "party_size": "5"}, 4, 5),
        ({"plus_ones": "0", "party_size": "1"}, 0, 1),
        ({"plus_ones": "2.0"}, 2, 3),
    ],
)
def test_a_party_is_corrected(
    app: Flask, user: FlaskClient, fields: dict[str, str], plus_ones: Any, party_size: Any
) -> None:
    event_id, (ana, *_) = party_event(app)
    response = user.post(
        f"/guests/{ana}/edit", data=guest_form(**fields, next=f"/events/{event_id}")
    )
    assert response.status_code == 302, text_of(response.get_data(as_text=True))
    stored = guest_row(app, ana)
    assert (stored.plus_ones, stored.party_size) == (plus_ones, party_size)


def test_a_party_over_a_lowered_allowance_never_holds_up_a_name_change(
    app: Flask, user: FlaskClient
) -> None:
    event_id, (ana, *_) = party_event(app)
    execute(app, "UPDATE events SET plus_ones = 0 WHERE id = :id", id=event_id)

    response = user.post(f"/guests/{ana}/edit", data=guest_form(name="Ana María"))

    assert response.status_code == 302, text_of(response.get_data(as_text=True))
    stored = guest_row(app, ana)
    assert (stored.name, stored.party_size) == ("Ana María", 3)


PARTY_RANGE = "Enter a whole number from 1 to 3 (them and up to 2 others), or leave it empty."
TOO_MANY = "Too many: their invitation is for up to 3 people, them included."
PLUS_ONES_RANGE = "Enter a whole number from 0 to 99 or leave it empty."


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"party_size": "0"}, "party_size", PARTY_RANGE),
        ({"party_size": "-1"}, "party_size", PARTY_RANGE),
        ({"party_size": "1.5"}, "party_size", PARTY_RANGE),
        ({"party_size": "two"}, "party_size", PARTY_RANGE),
        ({"party_size": "300"}, "party_size", PARTY_RANGE),
        ({"party_size": "4"}, "party_size", TOO_MANY),
        ({"plus_ones": "1", "party_size": "3"}, "party_size", "up to 2 people"),
        (
            {"plus_ones": "0", "party_size": "2"},
            "party_size",
            "Their invitation is for them alone: enter 1, or give them plus-ones first.",
        ),
        ({"plus_ones": "-1"}, "plus_ones", PLUS_ONES_RANGE),
        ({"plus_ones": "0.5"}, "plus_ones", PLUS_ONES_RANGE),
        ({"plus_ones": "lots"}, "plus_ones", PLUS_ONES_RANGE),
        ({"plus_ones": "100"}, "plus_ones", PLUS_ONES_RANGE),
    ],
)
def test_a_refused_party_says_why_beside_its_field_and_changes_nothing(
    app: Flask, user: FlaskClient, fields: dict[str, str], field: str, message: str
) -> None:
    _, (ana, *_) = party_event(app)
    before = guest_row(app, ana)
    response = user.post(f"/guests/{ana}/edit", data=guest_form(name="Ana B", **fields))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    error = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', html, re.S)
    assert error and message in text_of(error.group(1))
    assert re.search(rf'<input[^>]*aria-invalid="true"[^>]*id="{field}"', html)
    assert f'value="{fields[field]}"' in html  # what was typed stays
    assert guest_row(app, ana) == before  # the name did not change either


def event_form(**fields: str) -> dict[str, str]:
    """A posted event form (no start), `fields` changed."""
    return {"name": "Boda", "time_zone": "Europe/Madrid", "country": "", **fields}


def test_a_new_event_takes_its_plus_ones(app: Flask, user: FlaskClient) -> None:
    form = user.get("/").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="plus_ones"[^>]*inputmode="numeric"[^>]*value="0"', form)
    assert user.post("/events", data=event_form(plus_ones="2")).status_code == 302
    assert user.post("/events", data=event_form(name="Cena", plus_ones="")).status_code == 302
    stored = query(app, "SELECT name, plus_ones FROM events ORDER BY id")
    assert [tuple(row) for row in stored] == [("Boda", 2), ("Cena", 0)]


@pytest.mark.parametrize("typed", ["-1", "1.5", "two", "100"])
def test_a_new_event_with_bad_plus_ones_is_refused(
    app: Flask, user: FlaskClient, typed: str
) -> None:
    response = user.post("/events", data=event_form(plus_ones=typed))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert (
        '<p class="field-error" id="plus_ones-error">Enter a whole number from 0 to 99.</p>' in html
    )
    assert scalar(app, "SELECT count(*) FROM events") == 0


def test_an_events_plus_ones_are_corrected(app: Flask, user: FlaskClient) -> None:
    event_id, _ = party_event(app)
    html = user.get(f"/events/{event_id}/edit").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="plus_ones"[^>]*value="2"', html)
    response = user.post(f"/events/{event_id}/edit", data=event_form(plus_ones="5"))
    assert response.status_code == 302
    assert scalar(app, "SELECT plus_ones FROM events WHERE id = :id", id=event_id) == 5
    page = user.get(f"/events/{event_id}").get_data(as_text=True)
    assert party_of(page, "Eve") == "Up to 6"


@pytest.mark.parametrize("typed", ["-3", "0.5", "many", "1000"])
def test_bad_plus_ones_leave_the_event_as_it_was(app: Flask, user: FlaskClient, typed: str) -> None:
    event_id, _ = party_event(app)
    before = query(app, "SELECT * FROM events")
    response = user.post(
        f"/events/{event_id}/edit", data=event_form(name="Boda 2", plus_ones=typed)
    )
    assert response.status_code == 400
    assert "Enter a whole number from 0 to 99." in text_of(response.get_data(as_text=True))
    assert query(app, "SELECT * FROM events") == before
