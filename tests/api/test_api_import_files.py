"""Guest files as organisers have them: Windows code pages, Excel, mojibake, odd phones."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support.constants import API_AUTH
from tests.support.guest_lists import post_csv, stored_guests
from tests.support.workbooks import xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NAMES = {"+34612345678": "José Álvarez", "+5511987654321": "João Simões"}
ARABIC = {"+971501234569": "أحمد علي", "+966501234567": "ليلى حسن"}


def lines(guests: dict[str, str], separator: str = ",", newline: str = "\n") -> str:
    return newline.join(
        [f"name{separator}phone", *(f"{n}{separator}{p}" for p, n in guests.items())]
    )


@pytest.mark.parametrize(
    ("data", "guests"),
    [
        (lines(NAMES).encode("cp1252"), NAMES),  # Excel "CSV" on Windows, Western Europe
        (lines(ARABIC).encode("cp1256"), ARABIC),  # Excel "CSV" on Windows, Arabic
        (lines(ARABIC, "\t", "\r\n").encode("utf-16"), ARABIC),  # Excel "Unicode Text"
        (b"\xef\xbb\xbf" + lines(NAMES, ";").encode(), NAMES),  # "CSV UTF-8" with a BOM
    ],
)
def test_files_in_common_encodings_keep_every_name(
    app: Flask, client: FlaskClient, event_id: int, data: bytes, guests: dict[str, str]
) -> None:
    response = post_csv(client, event_id, data)
    assert response.status_code == 200, response.get_json()
    assert {phone: guest.name for phone, guest in stored_guests(app, event_id).items()} == guests


def test_an_excel_workbook_with_localised_titles_and_numeric_phones(
    app: Flask, client: FlaskClient, event_id: int
) -> None:
    data = xlsx(
        [
            ["Nombre", "Teléfono", "Mesa"],
            ["María Núñez", 4155550100, 7],  # a national phone typed as a number
            [None, None, None],  # a blank row: skipped, line numbers kept
            ["أحمد", "00971 50 123 4569", "VIP"],
            ["Sin número", None, 2],
        ]
    )
    response = client.post(
        f"/api/v1/events/{event_id}/guests", data=data, headers={**API_AUTH, "Content-Type": XLSX}
    )
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["imported"] == 2
    assert [(e["line"], e["reason"]) for e in body["errors"]] == [(5, "phone is missing")]
    guests = stored_guests(app, event_id)
    assert guests["+14155550100"].name == "María Núñez"
    assert guests["+14155550100"].variables == {"Mesa": "7"}
    assert guests["+971501234569"].name == "أحمد"


def test_a_broken_workbook_is_400_and_changes_nothing(
    app: Flask, client: FlaskClient, event_id: int
) -> None:
    response = client.post(
        f"/api/v1/events/{event_id}/guests",
        data=b"PK\x03\x04 not really a zip",
        headers={**API_AUTH, "Content-Type": XLSX},
    )
    assert response.status_code == 400
    assert ".xlsx file can't be read" in response.get_json()["message"]
    assert stored_guests(app, event_id) == {}


def test_mojibake_is_repaired_and_reported(app: Flask, client: FlaskClient, event_id: int) -> None:
    text = (
        "name,phone,note\n"
        "Ø£Ø\xadÙ…Ø¯,+971501234569,\n"  # "أحمد" as UTF-8 read as cp1252
        "JosÃ© Ãlvarez,+34612345678,cafÃ©\n"
        "Ada,+14155550100,ok\n"
    )
    body = post_csv(client, event_id, text).get_json()
    assert body["imported"] == 3
    assert body["repaired_count"] == 3
    assert body["repaired"][0] == {"line": 2, "before": "Ø£Ø\xadÙ…Ø¯", "after": "أحمد"}
    assert {r["line"] for r in body["repaired"]} == {2, 3}
    guests = stored_guests(app, event_id)
    assert guests["+971501234569"].name == "أحمد"
    assert guests["+34612345678"].variables == {"note": "café"}
    assert guests["+14155550100"].name == "Ada"


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("00971 50 123 4569", "+971501234569"),
        ("011 44 7911 123456", "+447911123456"),
        ("٠٠٩٧١ ٥٠ ١٢٣ ٤٥٦٩", "+971501234569"),  # noqa: RUF001 - Arabic-Indic digits
        ("۰۰۹۶۶۵۰۱۲۳۴۵۶۷", "+966501234567"),  # Persian digits
        ("(415) 555.0100", "+14155550100"),
        ("+34.612.345.678", "+34612345678"),
    ],
)
def test_phones_as_people_write_them(
    app: Flask, client: FlaskClient, event_id: int, raw: str, e164: str
) -> None:
    body = post_csv(client, event_id, f"name,phone\nGuest,{raw}\n").get_json()
    assert body["errors"] == []
    assert list(stored_guests(app, event_id)) == [e164]


def test_guest_language_from_a_column_or_the_phone_and_editable(
    app: Flask, client: FlaskClient, event_id: int
) -> None:
    text = (
        "Nombre,Teléfono,Idioma\n"
        "Ana,+34612345678,\n"  # Spain: es
        "João,+5511987654321,\n"  # Brazil: pt
        "Omar,+971501234569,\n"  # UAE: ar
        "Ada,+14155550100,\n"  # elsewhere: en
        "Sara,+447911123456,Español\n"  # the column wins
        "Odd,+447911123457,klingon\n"  # unknown: imported all the same
        "Yasmine,+212612345678,Francés\n"  # Morocco, French by the column
        "Karim,+212612345679,Darija\n"  # unknown: the phone's country's
        "Léa,+33612345678,\n"  # France: fr
        "Awa,+221771234567,\n"  # Senegal: fr
    )
    body = post_csv(client, event_id, text).get_json()
    assert (body["imported"], body["errors"]) == (10, [])
    assert [(w["line"], w["reason"]) for w in body["warnings"]] == [
        (7, "language 'klingon' is not one of en, es, pt, ar, fr: imported in en (the default)"),
        (
            9,
            "language 'Darija' is not one of en, es, pt, ar, fr: imported in ar"
            " (from the phone's country)",
        ),
    ]
    assert body["warnings"][0]["text"] == "Odd,+447911123457,klingon"
    assert body["warning_count"] == 2
    languages = {phone: guest.language for phone, guest in stored_guests(app, event_id).items()}
    assert languages == {
        "+34612345678": "es",
        "+5511987654321": "pt",
        "+971501234569": "ar",
        "+14155550100": "en",
        "+447911123456": "es",
        "+447911123457": "en",
        "+212612345678": "fr",
        "+212612345679": "ar",
        "+33612345678": "fr",
        "+221771234567": "fr",
    }
    assert "Idioma" not in stored_guests(app, event_id)["+447911123456"].variables
    guest_id = stored_guests(app, event_id)["+14155550100"].id
    changed = client.patch(f"/api/v1/guests/{guest_id}", json={"language": "pt"}, headers=API_AUTH)
    assert changed.get_json()["language"] == "pt"
    bad = client.patch(f"/api/v1/guests/{guest_id}", json={"language": "xx"}, headers=API_AUTH)
    assert bad.status_code == 400
    assert (
        client.patch("/api/v1/guests/999999", json={"language": "es"}, headers=API_AUTH).status_code
        == 404
    )
    assert stored_guests(app, event_id)["+14155550100"].language == "pt"
