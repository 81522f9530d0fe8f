"""`POST /api/v1/events/<id>/checkins` (200, 409 when the party is in, 404 for an unknown or
void code, 400 for a bad count) and the guests' `checked_in` and `pass_code` in the listing,
read in a fixed number of queries."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.support.constants import API_AUTH
from tests.support.database import execute, scalar, sql_statements
from tests.support.door import CODES, make_party
from tests.support.factories import phone

CODE = CODES[0]


def check_in(client: FlaskClient, event_id: int, **body: Any) -> TestResponse:
    return client.post(f"/api/v1/events/{event_id}/checkins", json=body, headers=API_AUTH)


def test_a_party_of_three_comes_in_as_two_then_one(
    app: Flask, client: FlaskClient, event_id: int
) -> None:
    guest_id = make_party(app, event_id, "Ana García", "+34612345678")
    first = check_in(client, event_id, code="K7QM-2XDP", count=2, device="Door 1")
    assert first.status_code == 200, first.get_json()
    body = first.get_json()
    assert {k: body[k] for k in ("guest_id", "name", "party", "checked_in", "admitted")} == {
        "guest_id": guest_id,
        "name": "Ana García",
        "party": 3,
        "checked_in": 2,
        "admitted": 2,
    }
    assert body["first_at"] is not None and body["first_by"] == {"email": None, "device": "Door 1"}
    last = check_in(client, event_id, code="k7qm2xdp").get_json()  # everyone left
    assert (last["admitted"], last["checked_in"], last["left"]) == (1, 3, 0)
    refused = check_in(client, event_id, code=CODE)
    assert refused.status_code == 409
    complete = refused.get_json()
    assert complete["error"] == "Conflict"
    assert (complete["checked_in"], complete["first_at"]) == (3, body["first_at"])
    assert complete["completed_at"] == last["completed_at"] is not None


@pytest.mark.parametrize(
    ("count", "says"),
    [
        (0, "whole number of people"),
        (-1, "whole number of people"),
        (1.5, "whole number of people"),
        (True, "whole number of people"),
        ("two", "whole number of people"),
        (3, "1 of the party of 3 is left"),
    ],
)
def test_a_bad_count_is_a_400_saying_how_many_are_left(
    app: Flask, client: FlaskClient, event_id: int, count: object, says: str
) -> None:
    make_party(app, event_id, "Ana", "+34612345678")
    assert check_in(client, event_id, code=CODE, count=2).status_code == 200
    response = check_in(client, event_id, code=CODE, count=count)
    assert response.status_code == 400
    assert says in response.get_json()["message"]
    assert scalar(app, "SELECT sum(people) FROM checkins") == 2


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"code": "M5PQ-6VYA"}, 404),  # no guest has it
        ({"code": "not a code"}, 404),
        ({"code": CODES[1]}, 404),  # replaced: void
        ({}, 400),
        ({"code": 42}, 400),
        ({"code": CODE, "extra": 1}, 400),
        ({"code": CODE, "client_id": "has spaces"}, 400),
        ({"code": CODE, "scanned_at": "soon"}, 400),
    ],
)
def test_unknown_void_and_malformed_scans(
    app: Flask, client: FlaskClient, event_id: int, body: dict[str, Any], status: int
) -> None:
    guest_id = make_party(app, event_id, "Ana", "+34612345678", code=CODES[1])
    execute(app, "UPDATE guests SET pass_code = :c WHERE id = :id", c=CODE, id=guest_id)
    response = check_in(client, event_id, **body)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["message"]
    assert scalar(app, "SELECT count(*) FROM checkins") == 0


def test_a_check_in_kept_offline_records_what_is_left_and_how_many_more_came(
    app: Flask, client: FlaskClient, event_id: int
) -> None:
    make_party(app, event_id, "Ana", "+34612345678")
    assert check_in(client, event_id, code=CODE, count=2).status_code == 200
    kept = check_in(client, event_id, code=CODE, count=3, kept=True, client_id="kept-1")
    assert kept.status_code == 200, kept.get_json()
    body = kept.get_json()
    assert (body["admitted"], body["over"], body["checked_in"], body["left"]) == (1, 2, 3, 0)
    again = check_in(client, event_id, code=CODE, count=3, kept=True, client_id="kept-1")
    assert (again.get_json()["admitted"], again.get_json()["replayed"]) == (1, True)
    late = check_in(client, event_id, code=CODE, count=1, kept=True, client_id="kept-2")
    assert late.status_code == 409  # the party is complete: nothing to record
    assert scalar(app, "SELECT sum(people) FROM checkins") == 3


@pytest.mark.parametrize("kept", ["yes", 1, [True]])
def test_kept_is_true_or_false(
    app: Flask, client: FlaskClient, event_id: int, kept: object
) -> None:
    make_party(app, event_id, "Ana", "+34612345678")
    response = check_in(client, event_id, code=CODE, kept=kept)
    assert response.status_code == 400
    assert "kept must be true or false" in response.get_json()["message"]
    assert scalar(app, "SELECT count(*) FROM checkins") == 0


def test_an_unknown_event_is_a_404(client: FlaskClient) -> None:
    assert check_in(client, 999, code=CODE).status_code == 404


def test_the_same_client_id_again_is_the_first_answer(
    app: Flask, client: FlaskClient, event_id: int
) -> None:
    make_party(app, event_id, "Ana", "+34612345678")
    first = check_in(client, event_id, code=CODE, count=1, client_id="6f1c2e9a-scan")
    again = check_in(client, event_id, code=CODE, count=1, client_id="6f1c2e9a-scan")
    assert (first.status_code, again.status_code) == (200, 200)
    assert (again.get_json()["admitted"], again.get_json()["replayed"]) == (1, True)
    assert scalar(app, "SELECT count(*) FROM checkins") == 1


def listed(app: Flask, client: FlaskClient, event_id: int) -> tuple[list[dict[str, Any]], int]:
    """The event's guests, and how many SQL statements the listing ran."""
    with sql_statements(app) as statements:
        response = client.get(f"/api/v1/events/{event_id}/guests", headers=API_AUTH)
    assert response.status_code == 200
    return response.get_json()["guests"], len(statements)


def test_guests_carry_their_pass_and_arrivals_in_a_fixed_number_of_queries(
    app: Flask, client: FlaskClient, event_id: int
) -> None:
    make_party(app, event_id, "Guest 0", phone(0), party_size=2, code=CODES[0])
    check_in(client, event_id, code=CODES[0], count=1)
    few, queries_for_one = listed(app, client, event_id)
    for n in range(1, 4):
        make_party(app, event_id, f"Guest {n}", phone(n), party_size=2, code=CODES[n])
        check_in(client, event_id, code=CODES[n])
    many, queries_for_four = listed(app, client, event_id)
    assert queries_for_four == queries_for_one
    assert [(g["pass_code"], g["checked_in"]) for g in few] == [("K7QM-2XDP", 1)]
    assert [(g["pass_code"], g["checked_in"]) for g in many] == [
        ("K7QM-2XDP", 1),
        ("R4TW-9HBC", 2),
        ("J3NZ-8FUE", 2),
        ("M5PQ-6VYA", 2),
    ]
