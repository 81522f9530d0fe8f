"""Correct and delete guests through `PATCH` and `DELETE /api/v1/guests/<id>`."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.models import DeliveryStatus, Rsvp, SendState
from tests.support.constants import API_AUTH
from tests.support.database import execute, query, scalar
from tests.support.factories import (
    invite,
    make_campaign,
    make_event,
    make_guests,
    make_inbound,
    make_opt_out,
)
from tests.support.guest_lists import post_guests

ANA, BO = ("Ana", "+34612345678"), ("Bo", "+34612345679")


def patch(client: FlaskClient, guest_id: int, body: Any, **kwargs: Any) -> Any:
    return client.patch(f"/api/v1/guests/{guest_id}", json=body, headers=API_AUTH, **kwargs)


def delete(client: FlaskClient, guest_id: int) -> Any:
    return client.delete(f"/api/v1/guests/{guest_id}", headers=API_AUTH)


def spanish_event(app: Flask) -> tuple[int, list[int]]:
    """An event in Spain with Ana and Bo; its id and theirs."""
    event_id = make_event(app, "Boda", country="ES", time_zone="Europe/Madrid")
    ana, bo = make_guests(app, event_id, [ANA, BO], variables={"Mesa": "3"}, language="es")
    return event_id, [ana, bo]


def guests_of(app: Flask) -> list[Any]:
    """Every guest as stored, by id."""
    return query(
        app,
        "SELECT id, event_id, name, phone, language, variables, unreachable_code,"
        " unreachable_reason FROM guests ORDER BY id",
    )


def snapshot(app: Flask) -> tuple[object, ...]:
    """What a correction or a deletion could change: guests, messages and every count."""
    return (
        guests_of(app),
        query(app, "SELECT id, guest_id, event_id, send_state FROM invitations ORDER BY id"),
        query(app, "SELECT event_id, sum(n) FROM guest_tallies GROUP BY 1 ORDER BY 1"),
        query(
            app,
            "SELECT event_id, campaign_id, send_state, sum(n) FROM invitation_tallies"
            " GROUP BY 1, 2, 3 HAVING sum(n) <> 0 ORDER BY 1, 2, 3",
        ),
    )


def test_a_guest_is_corrected_field_by_field(app: Flask, client: FlaskClient) -> None:
    _, (ana, bo) = spanish_event(app)
    response = patch(client, ana, {"name": "  Ana María  ", "phone": "611 22 33 44"})
    assert response.status_code == 200
    assert response.get_json() == {
        "id": ana,
        "event_id": response.get_json()["event_id"],
        "name": "Ana María",
        "phone": "+34611223344",  # a national number, read in the event's country
        "language": "es",
        "variables": {"Mesa": "3"},
        "opted_out": False,
        "unreachable_code": None,
        "unreachable_reason": None,
        "plus_ones": None,
        "party_size": None,
    }
    body = patch(client, ana, {"language": "pt", "variables": {"Mesa": 7, "Menú": "vegano"}})
    assert body.get_json()["variables"] == {"Mesa": "7", "Menú": "vegano"}  # stored as text
    stored = {row.id: row for row in guests_of(app)}
    assert (stored[ana].name, stored[ana].phone, stored[ana].language) == (
        "Ana María",
        "+34611223344",
        "pt",
    )
    assert stored[ana].variables == {"Mesa": "7", "Menú": "vegano"}
    assert (stored[bo].name, stored[bo].phone) == BO  # nobody else changed


def test_the_old_phone_may_be_given_again_and_other_events_may_share_it(
    app: Flask, client: FlaskClient
) -> None:
    _, (ana, _) = spanish_event(app)
    other_event = make_event(app, "Otra", country="ES")
    (elsewhere,) = make_guests(app, other_event, [("Ana", "+34611223344")])
    assert patch(client, ana, {"phone": ANA[1]}).status_code == 200  # unchanged: fine
    assert patch(client, ana, {"phone": "+34 611 22 33 44"}).status_code == 200
    assert {row.id: row.phone for row in guests_of(app)}[elsewhere] == "+34611223344"


def test_a_new_number_brings_what_is_known_of_it_and_leaves_the_old_ones(
    app: Flask, client: FlaskClient
) -> None:
    _, (ana, bo) = spanish_event(app)
    execute(
        app,
        "UPDATE guests SET unreachable_code = 63024, unreachable_reason = 'not on WhatsApp'"
        " WHERE id = :id",
        id=ana,
    )
    other_event = make_event(app, "Otra")
    make_guests(
        app,
        other_event,
        [("Cy", "+34622000111")],
        unreachable_code=63024,
        unreachable_reason="Not a WhatsApp number",
    )
    make_opt_out(app, "+34633000222")

    fixed = patch(client, ana, {"phone": "+34 644 000 333"}).get_json()
    assert (fixed["unreachable_code"], fixed["opted_out"]) == (None, False)
    known = patch(client, bo, {"phone": "622 000 111"}).get_json()
    assert (known["unreachable_code"], known["unreachable_reason"]) == (
        63024,
        "Not a WhatsApp number",
    )
    opted = patch(client, ana, {"phone": "633 000 222"}).get_json()
    assert (opted["opted_out"], opted["unreachable_code"]) == (True, None)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "nothing to change"),
        ({"email": "ana@example.org"}, "unknown field 'email'"),
        ({"name": None}, "'name' can't be null"),
        ({"phone": None}, "'phone' can't be null"),
        ({"language": None}, "'language' can't be null"),
        ({"variables": None}, "'variables' can't be null"),
        ({"name": 42}, "name must be text"),
        ({"name": "   "}, "name is missing"),
        ({"name": "x" * 201}, "longer than 200"),
        ({"name": "a\x00b"}, "control characters"),
        ({"phone": ["+34611223344"]}, "phone must be text"),
        ({"phone": "12"}, "phone '12' is invalid"),
        ({"phone": "+999 123"}, "is invalid"),
        ({"language": "xx"}, "language must be one of"),
        ({"language": 5}, "language must be one of"),
        ({"variables": "Mesa=3"}, "variables must be an object"),
        ({"variables": ["Mesa"]}, "variables must be an object"),
        ({"variables": {"Mesa": {"n": 3}}}, "'Mesa' must be text, a number or a boolean"),
        ({"variables": {"": "3"}}, "field name"),
        ({"variables": {"Mesa": "x" * 1001}}, "longer than 1000"),
        ({"name": "Ana", "phone": "12"}, "phone '12' is invalid"),  # nothing half-applied
    ],
)
def test_a_bad_value_is_a_400_and_changes_nothing(
    app: Flask, client: FlaskClient, body: dict[str, Any], message: str
) -> None:
    _, (ana, _) = spanish_event(app)
    before = snapshot(app)
    response = patch(client, ana, body)
    assert response.status_code == 400, response.get_json()
    assert message in response.get_json()["message"]
    assert snapshot(app) == before


@pytest.mark.parametrize(
    ("data", "content_type", "status"),
    [
        (b"[1, 2]", "application/json", 400),
        (b"{not json", "application/json", 400),
        (b"", "application/json", 400),
        (b'{"name": "Ana"}', "text/plain", 415),
    ],
)
def test_a_body_that_is_not_a_json_object_is_refused(
    app: Flask, client: FlaskClient, data: bytes, content_type: str, status: int
) -> None:
    _, (ana, _) = spanish_event(app)
    before = snapshot(app)
    response = client.patch(
        f"/api/v1/guests/{ana}", data=data, headers={**API_AUTH, "Content-Type": content_type}
    )
    assert response.status_code == status
    assert snapshot(app) == before


def test_a_phone_of_another_guest_of_the_event_is_a_409_naming_them(
    app: Flask, client: FlaskClient
) -> None:
    _, (ana, bo) = spanish_event(app)
    before = snapshot(app)
    response = patch(client, ana, {"name": "Ana B", "phone": "612 34 56 79"})
    assert response.status_code == 409
    assert (
        response.get_json()["message"] == f"+34612345679 is already the number of guest {bo} (Bo)"
    )
    assert snapshot(app) == before


def test_the_number_of_a_guest_with_a_message_in_flight_does_not_change(
    app: Flask, client: FlaskClient
) -> None:
    _, (ana, _) = spanish_event(app)
    invite(app, ana, send_state=SendState.SENDING)
    before = snapshot(app)
    response = patch(client, ana, {"phone": "+34611223344"})
    assert response.status_code == 409
    assert "being sent" in response.get_json()["message"]
    assert snapshot(app) == before
    assert patch(client, ana, {"name": "Ana María"}).status_code == 200  # the name may


def test_an_unknown_guest_is_a_404(client: FlaskClient) -> None:
    for guest_id in (999_999, 2**31, 0):
        assert patch(client, guest_id, {"name": "Ana"}).status_code == 404
        assert delete(client, guest_id).status_code == 404


def campaign_json(client: FlaskClient, campaign_id: int) -> Any:
    return client.get(f"/api/v1/campaigns/{campaign_id}", headers=API_AUTH).get_json()


def stats(client: FlaskClient, event_id: int) -> Any:
    return client.get(f"/api/v1/events/{event_id}/stats", headers=API_AUTH).get_json()


def test_a_deleted_guest_leaves_the_event_and_stays_counted_in_its_campaign(
    app: Flask, client: FlaskClient
) -> None:
    event_id = make_event(app)
    answered = {
        "send_state": SendState.ACCEPTED,
        "delivery_status": DeliveryStatus.DELIVERED,
        "rsvp": Rsvp.CONFIRMED,
    }
    campaign_id = make_campaign(
        app, event_id, [answered, answered, {"send_state": SendState.PENDING}]
    )
    confirmed, _, queued = [row.id for row in guests_of(app)]
    make_inbound(app, guest_id=confirmed, event_id=event_id, body="¿Hay parking?")
    progress_before = campaign_json(client, campaign_id)

    assert delete(client, confirmed).status_code == 204
    assert delete(client, queued).status_code == 204

    after = stats(client, event_id)
    assert after["guests"] == 1
    assert after["rsvp"] == {"confirmed": 1, "declined": 0, "maybe": 0, "no_answer": 0}
    assert after["delivery"]["delivered"] == 1 and after["delivery"]["pending"] == 0
    listed = client.get(f"/api/v1/events/{event_id}/guests", headers=API_AUTH).get_json()
    assert [guest["name"] for guest in listed["guests"]] == [f"Guest {campaign_id}-1"]
    progress = campaign_json(client, campaign_id)
    assert progress["total"] == progress_before["total"] == 3
    assert (progress["accepted"], progress["pending"], progress["canceled"]) == (2, 0, 1)
    assert progress["delivery"]["delivered"] == 2
    # The guest's message stays in the inbox, from a number no guest has.
    assert query(app, "SELECT guest_id, event_id FROM inbound_messages") == [(None, event_id)]


def test_a_deleted_guest_may_be_imported_and_invited_again(app: Flask, client: FlaskClient) -> None:
    event_id, (ana, _) = spanish_event(app)
    invite(app, ana, send_state=SendState.FAILED, error_code=63024)
    assert delete(client, ana).status_code == 204
    assert scalar(app, "SELECT count(*) FROM invitations") == 0  # no campaign counted it
    report = post_guests(client, event_id, {"guests": [{"name": "Ana", "phone": ANA[1]}]})
    assert report.get_json()["imported"] == 1


def test_a_guest_with_a_message_in_flight_is_not_deleted(app: Flask, client: FlaskClient) -> None:
    event_id = make_event(app)
    make_campaign(app, event_id, [{"send_state": SendState.SENDING}])
    (guest,) = [row.id for row in guests_of(app)]
    before = snapshot(app)
    response = delete(client, guest)
    assert response.status_code == 409
    assert "being sent" in response.get_json()["message"]
    assert snapshot(app) == before


def test_a_national_number_is_read_in_the_events_country_and_hinted_at_when_refused(
    app: Flask, client: FlaskClient
) -> None:
    madrid = make_event(app, "Boda", time_zone="Europe/Madrid")  # no country: its zone's
    (ana,) = make_guests(app, madrid, [ANA])
    assert patch(client, ana, {"phone": "611 22 33 44"}).get_json()["phone"] == "+34611223344"
    new_york = make_event(app, "Wedding", time_zone="America/New_York", country="US")
    (bo,) = make_guests(app, new_york, [("Bo", "+12025550101")])
    refused = patch(client, bo, {"phone": "631 93 14 91"})
    assert refused.status_code == 400
    assert "Spanish number? +34 631 93 14 91" in refused.get_json()["message"]
