"""`POST /api/v1/events/<id>/guests` with a JSON body."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from tests.support.constants import API_AUTH
from tests.support.guest_lists import post_guests, stored_guests


def test_good_bad_and_duplicate_rows(app: Flask, client: FlaskClient, event_id: int) -> None:
    rows = [
        {"name": "Ada", "phone": "+1 (415) 555-0100", "table": 4, "vip": True},
        {"name": "Bob", "phone": "415.555.0101"},
        {"name": "", "phone": "+14155550102"},
        {"name": "Cleo", "phone": "12"},
        {"name": "Ada again", "phone": "(415) 555-0100"},
        {"phone": "+14155550103"},
        {"name": "Dee"},
        "not an object",
        {"name": "Eve", "phone": "+34 612 345 678", "note": None},
    ]
    response = post_guests(client, event_id, {"guests": rows})
    assert response.status_code == 200
    body = response.get_json()
    assert body["imported"] == 3
    assert body["duplicates"] == 1
    assert body["error_count"] == 5
    reasons = {error["line"]: error["reason"] for error in body["errors"]}
    assert reasons == {
        3: "name is missing",
        4: "phone '12' is invalid: too short",
        6: "name is missing",
        7: "phone is missing",
        8: "each guest must be a JSON object with name and phone",
    }
    guests = stored_guests(app, event_id)
    assert set(guests) == {"+14155550100", "+14155550101", "+34612345678"}
    # The first row with a number wins; a later duplicate changes nothing.
    assert guests["+14155550100"].name == "Ada"
    assert guests["+14155550100"].variables == {"table": "4", "vip": "true"}
    assert guests["+34612345678"].variables == {}


def test_duplicates_against_the_database_keep_the_existing_guest(
    app: Flask, client: FlaskClient, event_id: int
) -> None:
    first = post_guests(client, event_id, {"guests": [{"name": "Ada", "phone": "+14155550100"}]})
    assert first.get_json()["imported"] == 1
    second = post_guests(
        client,
        event_id,
        {
            "guests": [
                {"name": "Ada Lovelace", "phone": "4155550100", "table": "9"},
                {"name": "Bob", "phone": "+14155550101"},
            ]
        },
    )
    assert second.get_json() == {
        "imported": 1,
        "duplicates": 1,
        "errors": [],
        "error_count": 0,
        "repaired": [],
        "repaired_count": 0,
        "warnings": [],
        "warning_count": 0,
    }
    guests = stored_guests(app, event_id)
    assert guests["+14155550100"].name == "Ada"
    assert guests["+14155550100"].variables == {}


def test_same_phone_in_two_events_is_two_guests(app: Flask, client: FlaskClient) -> None:
    ids = []
    for name in ("One", "Two"):
        ids.append(
            client.post("/api/v1/events", json={"name": name}, headers=API_AUTH).get_json()["id"]
        )
    for event_id in ids:
        body = post_guests(client, event_id, {"guests": [{"name": "A", "phone": "+14155550100"}]})
        assert body.get_json()["imported"] == 1


def test_default_region_reads_national_numbers(migrated: dict[str, str]) -> None:
    app = create_app({**migrated, "DEFAULT_PHONE_REGION": "gb"})
    client = app.test_client()
    event_id = client.post("/api/v1/events", json={"name": "E"}, headers=API_AUTH).get_json()["id"]
    body = post_guests(client, event_id, {"guests": [{"name": "A", "phone": "07400 123456"}]})
    assert body.get_json()["imported"] == 1
    assert set(stored_guests(app, event_id)) == {"+447400123456"}


def test_phone_given_as_a_json_number(app: Flask, client: FlaskClient, event_id: int) -> None:
    body = post_guests(client, event_id, {"guests": [{"name": "A", "phone": 14155550100}]})
    assert body.get_json()["imported"] == 1
    assert set(stored_guests(app, event_id)) == {"+14155550100"}


@pytest.mark.parametrize(
    "name",
    [
        "Admin\u202egnp.exe",  # shown with its control marked, stored as written
        "Z\u0351\u0351\u0351\u0351\u0351\u0351\u0351algo",
        "\u0645\u064f\u062d\u064e\u0645\u0651\u064e\u062f",  # Arabic with its harakat
        "Nguy\u1ec5n Th\u1ecb",
        "\u200bAna\u200b",
        "\U0001f468\u200d\U0001f469\u200d\U0001f467",
    ],
)
def test_names_are_stored_as_written(
    app: Flask, client: FlaskClient, event_id: int, name: str
) -> None:
    response = post_guests(client, event_id, {"guests": [{"name": name, "phone": "+14155550100"}]})
    assert response.get_json()["imported"] == 1
    assert stored_guests(app, event_id)["+14155550100"].name == name


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ({"name": 5, "phone": "+14155550100"}, "name must be text"),
        ({"name": None, "phone": "+14155550100"}, "name is missing"),
        ({"name": "  ", "phone": "+14155550100"}, "name is missing"),
        ({"name": "x" * 201, "phone": "+14155550100"}, "name is longer than 200 characters"),
        ({"name": "a\tb", "phone": "+14155550100"}, "name contains control characters"),
        ({"name": "a\x00", "phone": "+14155550100"}, "name contains control characters"),
        ({"name": "\ud800", "phone": "+14155550100"}, "name contains control characters"),
        ({"name": "\u200b\u200b", "phone": "+14155550100"}, "name has no visible characters"),
        ({"name": "\u202e\u2066\ufeff\u2060", "phone": "+14155550100"}, "no visible characters"),
        ({"name": "\u200d \u3164\u2800", "phone": "+14155550100"}, "no visible characters"),
        ({"name": "\u0301\u0301\u034f", "phone": "+14155550100"}, "no visible characters"),
        ({"name": "A", "phone": True}, "phone must be text"),
        ({"name": "A", "phone": 1.5}, "phone must be text"),
        ({"name": "A", "phone": ["+14155550100"]}, "phone must be text"),
        ({"name": "A", "phone": ""}, "phone is missing"),
        ({"name": "A", "phone": "call me"}, "phone 'call me' is invalid: not a phone number"),
        ({"name": "A", "phone": "+999 1234567"}, "is invalid: unknown country code"),
        ({"name": "A", "phone": "+1 415 555 01000"}, "is invalid: too long"),
        ({"name": "A", "phone": "+1 555 555 0100"}, "not a valid number for its country"),
        ({"name": "A", "phone": "5" * 100}, "is invalid: too long"),
        ({"name": "A", "phone": "+14155550100", "x": {"a": 1}}, "'x' must be text, a number"),
        ({"name": "A", "phone": "+14155550100", "x": [1]}, "'x' must be text, a number"),
        ({"name": "A", "phone": "+14155550100", "x": "v" * 1001}, "longer than 1000"),
        ({"name": "A", "phone": "+14155550100", "x": "a\x00"}, "can't be stored"),
        ({"name": "A", "phone": "+14155550100", "k" * 101: "v"}, "must be 1 to 100 characters"),
        ({"name": "A", "phone": "+14155550100", " ": "v"}, "must be 1 to 100 characters"),
        (
            {"name": "A", "phone": "+14155550100", **{f"v{n}": "x" for n in range(51)}},
            "more than 50 extra fields",
        ),
    ],
)
def test_row_validation_matrix(
    app: Flask, client: FlaskClient, event_id: int, row: dict[str, Any], reason: str
) -> None:
    good = {"name": "Good", "phone": "+14155550199"}
    response = post_guests(client, event_id, {"guests": [good, row]})
    assert response.status_code == 200
    body = response.get_json()
    assert body["imported"] == 1
    assert len(body["errors"]) == 1
    assert body["errors"][0]["line"] == 2
    assert reason in body["errors"][0]["reason"]
    assert set(stored_guests(app, event_id)) == {"+14155550199"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, '{"guests": [...]}'),
        ({"guests": None}, '{"guests": [...]}'),
        ({"guests": "Ada,+14155550100"}, '{"guests": [...]}'),
        ({"guests": {"name": "Ada"}}, '{"guests": [...]}'),
        ([{"name": "Ada", "phone": "+14155550100"}], '{"guests": [...]}'),
        ({"guests": [], "event": 3}, "unknown field 'event'"),
    ],
)
def test_wrong_json_shapes_are_400(
    client: FlaskClient, event_id: int, body: Any, message: str
) -> None:
    response = post_guests(client, event_id, body)
    assert response.status_code == 400
    assert message in response.get_json()["message"]


def test_empty_list_imports_nothing(client: FlaskClient, event_id: int) -> None:
    response = post_guests(client, event_id, {"guests": []})
    assert response.get_json() == {
        "imported": 0,
        "duplicates": 0,
        "errors": [],
        "error_count": 0,
        "repaired": [],
        "repaired_count": 0,
        "warnings": [],
        "warning_count": 0,
    }


@pytest.mark.parametrize(
    ("data", "content_type", "status", "message"),
    [
        (b"", "application/json", 400, "empty"),
        (b'{"guests": [', "application/json", 400, "malformed JSON"),
        (b"\xc3\x28", "application/json", 400, "malformed JSON"),
        (b'{"guests": [' + b"[" * 50_000 + b"]", "application/json", 400, "malformed JSON"),
        (b"1" * 5000, "application/json", 400, "malformed JSON"),
        (b"name,phone\n", "text/plain", 415, "text/csv"),
        (b"name,phone\n", "application/octet-stream", 415, "text/csv"),
        (b"name,phone\n", None, 415, "application/json"),
        (b"name,phone\n", "multipart/form-data; boundary=x", 415, "text/csv"),
    ],
)
def test_malformed_bodies_and_wrong_content_types(
    client: FlaskClient,
    event_id: int,
    data: bytes,
    content_type: str | None,
    status: int,
    message: str,
) -> None:
    headers = dict(API_AUTH)
    if content_type:
        headers["Content-Type"] = content_type
    response = client.post(f"/api/v1/events/{event_id}/guests", data=data, headers=headers)
    assert response.status_code == status
    assert response.is_json
    assert message in response.get_json()["message"]


def test_more_rows_than_allowed_is_413_and_imports_nothing(
    app: Flask, client: FlaskClient, event_id: int
) -> None:
    app.config["SETTINGS"] = replace(app.config["SETTINGS"], guest_import_max_rows=3)
    rows = [{"name": f"G{n}", "phone": f"+1415555010{n}"} for n in range(4)]
    response = post_guests(client, event_id, {"guests": rows})
    assert response.status_code == 413
    assert "at most 3 rows" in response.get_json()["message"]
    assert stored_guests(app, event_id) == {}
    assert post_guests(client, event_id, {"guests": rows[:3]}).get_json()["imported"] == 3


def test_body_over_max_content_length_is_413_json(migrated: dict[str, str]) -> None:
    app = create_app({**migrated, "MAX_CONTENT_LENGTH": "2048"})
    client = app.test_client()
    event_id = client.post("/api/v1/events", json={"name": "E"}, headers=API_AUTH).get_json()["id"]
    rows = [{"name": "Guest " * 5, "phone": f"+1415555{n:04d}"} for n in range(100)]
    response = post_guests(client, event_id, {"guests": rows})
    assert response.status_code == 413
    assert response.is_json
    assert response.get_json()["error"] == "Request Entity Too Large"
    csv_body = "name,phone\n" + "".join(f"G,+1415555{n:04d}\n" for n in range(200))
    response = client.post(
        f"/api/v1/events/{event_id}/guests",
        data=csv_body,
        headers={**API_AUTH, "Content-Type": "text/csv"},
    )
    assert response.status_code == 413
    assert response.is_json
    assert stored_guests(app, event_id) == {}


def test_errors_listed_are_capped_but_all_counted(client: FlaskClient, event_id: int) -> None:
    rows = [{"name": "", "phone": "+14155550100"}] * 1500
    body = post_guests(client, event_id, {"guests": rows}).get_json()
    assert body["error_count"] == 1500
    assert len(body["errors"]) == 1000
    assert body["errors"][-1]["line"] == 1000
