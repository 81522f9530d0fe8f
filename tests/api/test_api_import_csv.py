"""`POST /api/v1/events/<id>/guests` with a `text/csv` body, as spreadsheets export them."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.extensions import db
from app.models import Guest
from tests.support.constants import API_AUTH
from tests.support.guest_lists import post_csv, stored_guests


def test_bom_semicolons_and_names_in_any_script_survive_byte_exact(
    app: Flask, client: FlaskClient, event_id: int
) -> None:
    names = {
        "+966501234567": "عبد الرحمن بن خالد",
        "+34612345678": "José Ñúñez-Çelik",
        "+33612345678": "Zoë Ångström",
        "+14155550100": "Dũng 🎉 Nguyễn",
        "+919876543210": "प्रिया शर्मा",
    }
    text = "Name;Phone;Table\r\n" + "".join(
        f"{name};{phone};{n}\r\n" for n, (phone, name) in enumerate(names.items())
    )
    response = post_csv(client, event_id, b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "imported": 5,
        "duplicates": 0,
        "errors": [],
        "error_count": 0,
        "repaired": [],
        "repaired_count": 0,
        "warnings": [],
        "warning_count": 0,
    }
    guests = stored_guests(app, event_id)
    assert {phone: guest.name for phone, guest in guests.items()} == names
    for phone, name in names.items():
        assert guests[phone].name.encode("utf-8") == name.encode("utf-8")
    assert guests["+34612345678"].variables == {"Table": "1"}
    listed = client.get(f"/api/v1/events/{event_id}/guests", headers=API_AUTH).get_json()["guests"]
    assert {g["phone"]: g["name"] for g in listed} == names


@pytest.mark.parametrize(
    "text",
    [
        "name,phone\nAda,+14155550100\n",
        "name;phone\nAda;+14155550100\n",
        "name\tphone\nAda\t+14155550100\n",
        "sep=;\nname;phone\nAda;+14155550100\n",
        "sep=,\r\nname,phone\r\nAda,+14155550100\r\n",
        " NAME , Phone \nAda,+14155550100",
        "name,phone\rAda,+14155550100\r",
        '"name","phone"\n"Ada","+1 415 555 0100"\n',
        "phone,name\n+14155550100,Ada\n",
        "name,phone,\nAda,+14155550100,\n",
    ],
)
def test_separators_line_endings_and_headers(
    app: Flask, client: FlaskClient, event_id: int, text: str
) -> None:
    response = post_csv(client, event_id, text)
    assert response.get_json()["imported"] == 1, response.get_json()
    guests = stored_guests(app, event_id)
    assert guests["+14155550100"].name == "Ada"
    assert guests["+14155550100"].variables == {}


def test_quoted_fields_with_separators_and_newlines_keep_physical_line_numbers(
    app: Flask, client: FlaskClient, event_id: int
) -> None:
    text = (
        "name,phone,address,note\n"  # line 1
        '"Smith, Ada",+14155550100,"1 Main St,\nApt 2","said ""yes"""\n'  # lines 2-3
        "Bob,not-a-phone,,\n"  # line 4
        '"Multi\nline\nName",+14155550101,,\n'  # lines 5-7
        "\n"  # line 8: blank, skipped
        "Cleo,+14155550102,,\n"  # line 9
        "Dee,,,\n"  # line 10
        ",,,\n"  # line 11: all blank, skipped
        "Eve,+14155550103,x,y,z\n"  # line 12: one field too many
        "Fay,+14155550104\n"  # line 13: short rows are padded
    )
    body = post_csv(client, event_id, text).get_json()
    assert body["imported"] == 3
    assert [(e["line"], e["reason"]) for e in body["errors"]] == [
        (4, "phone 'not-a-phone' is invalid: not a phone number"),
        (5, "name contains control characters"),
        (10, "phone is missing"),
        (12, "5 fields, but the header has 4"),
    ]
    assert body["errors"][3]["text"] == "Eve,+14155550103,x,y,z"  # the line as written
    guests = stored_guests(app, event_id)
    assert guests["+14155550100"].name == "Smith, Ada"
    assert guests["+14155550100"].variables == {
        "address": "1 Main St,\nApt 2",
        "note": 'said "yes"',
    }
    assert guests["+14155550104"].variables == {"address": "", "note": ""}


def test_duplicates_within_the_file_and_against_the_database(
    app: Flask, client: FlaskClient, event_id: int
) -> None:
    post_csv(client, event_id, "name,phone\nAda,+14155550100\n")
    body = post_csv(
        client,
        event_id,
        "name,phone\nAda 2,4155550100\nBob,+14155550101\nBob 2,+1 415-555-0101\n",
    ).get_json()
    assert body == {
        "imported": 1,
        "duplicates": 2,
        "errors": [],
        "error_count": 0,
        "repaired": [],
        "repaired_count": 0,
        "warnings": [],
        "warning_count": 0,
    }
    assert stored_guests(app, event_id)["+14155550100"].name == "Ada"
    assert stored_guests(app, event_id)["+14155550101"].name == "Bob"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"   \r\n", "empty"),
        (b"\n\nname,phone\nAda,+14155550100\n", "no header row"),
        (b"name,email\nAda,+14155550100\n", "must have a name and a phone column"),
        (b"phone\n+14155550100\n", "must have a name and a phone column"),
        (b"name,phone,Table,table\nA,+14155550100,1,2\n", "repeats the column 'table'"),
        (b"name,phone,Name\nA,+14155550100,1\n", "repeats the column 'name'"),
        (b"name,phone," + b"k" * 101 + b"\n", "must be 1 to 100 characters"),
        (b"name,phone," + b",".join(b"c%d" % n for n in range(51)) + b"\n", "more than 50"),
        (b"name,phone,\x00k\nA,+14155550100,1\n", "can't be stored"),
    ],
)
def test_unreadable_files_are_400_and_change_nothing(
    app: Flask, client: FlaskClient, event_id: int, data: bytes, message: str
) -> None:
    response = post_csv(client, event_id, data)
    assert response.status_code == 400
    assert response.is_json
    assert message in response.get_json()["message"]
    assert stored_guests(app, event_id) == {}


def test_a_field_over_a_cells_size_late_in_the_file_imports_nothing(
    app: Flask, client: FlaskClient, event_id: int
) -> None:
    good = "".join(f"G{n},+1415555{n:04d}\n" for n in range(2500))
    text = "name,phone\n" + good + '"' + "x" * 40_000 + '",+14155559999\n'
    response = post_csv(client, event_id, text)
    assert response.status_code == 413
    message = response.get_json()["message"]
    assert message == "line 2502 has a field longer than 32,767 characters"
    assert stored_guests(app, event_id) == {}


def test_too_many_rows_in_a_stream_is_413_and_changes_nothing(
    app: Flask, client: FlaskClient, event_id: int
) -> None:
    app.config["SETTINGS"] = replace(app.config["SETTINGS"], guest_import_max_rows=1500)
    text = "name,phone\n" + "".join(f"G{n},+1415555{n:04d}\n" for n in range(1501))
    response = post_csv(client, event_id, text)
    assert response.status_code == 413
    assert "at most 1500 rows" in response.get_json()["message"]
    assert stored_guests(app, event_id) == {}


@pytest.mark.parametrize(
    ("content_type", "status"),
    [
        ("text/csv; charset=utf-8", 200),
        ("text/csv; charset=UTF-8", 200),
        ("text/csv; charset=us-ascii", 200),
        ("text/csv; charset=iso-8859-1", 200),
        ("text/csv; charset=windows-1252", 200),
        ("text/csv; charset=klingon", 415),
    ],
)
def test_declared_charset(
    client: FlaskClient, event_id: int, content_type: str, status: int
) -> None:
    response = post_csv(
        client, event_id, "name,phone\nA,+14155550100\n", **{"Content-Type": content_type}
    )
    assert response.status_code == status
    assert response.is_json


def test_nul_in_a_value_is_a_row_error(app: Flask, client: FlaskClient, event_id: int) -> None:
    text = "name,phone,note\nA,+14155550100,ok\nB,+14155550101,bad\x00\nC\x00,+14155550102,\n"
    body = post_csv(client, event_id, text).get_json()
    assert body["imported"] == 1
    assert [e["line"] for e in body["errors"]] == [3, 4]
    assert "'note' contains characters that can't be stored" in body["errors"][0]["reason"]


def test_fifty_thousand_rows(app: Flask, client: FlaskClient, event_id: int) -> None:
    rows = [f"Guest {n} Ñandú,+1 (415) 555-{n % 10000:04d},{n}\n" for n in range(10_000)]
    rows += [f"Invitado {n},+34 612 {n:06d},{n}\n" for n in range(40_000)]
    text = "name,phone,seat\n" + "".join(rows)
    response = post_csv(client, event_id, text)
    assert response.status_code == 200
    body = response.get_json()
    assert body["errors"] == []
    assert body["error_count"] == 0
    assert body["imported"] == 50_000
    assert body["duplicates"] == 0
    with app.app_context():
        count = db.session.scalar(
            select(func.count()).select_from(Guest).where(Guest.event_id == event_id)
        )
        sample = db.session.scalars(
            select(Guest).where(Guest.phone == "+34612039999", Guest.event_id == event_id)
        ).one()
    assert count == body["imported"]
    assert sample.name == "Invitado 39999"
    assert sample.variables == {"seat": "39999"}


def test_concurrent_imports_of_the_same_numbers_never_fail(app: Flask, event_id: int) -> None:
    text = "name,phone\n" + "".join(f"G{n},+1415555{n:04d}\n" for n in range(3000))
    results: list[Any] = []

    def upload() -> None:
        results.append(post_csv(app.test_client(), event_id, text))

    threads = [threading.Thread(target=upload) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [r.status_code for r in results] == [200, 200, 200]
    bodies = [r.get_json() for r in results]
    assert sum(b["imported"] for b in bodies) == 3000
    assert sum(b["duplicates"] for b in bodies) == 6000
    assert len(stored_guests(app, event_id)) == 3000
