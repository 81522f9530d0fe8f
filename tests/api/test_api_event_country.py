"""An event's country: numbers read as the organiser means them (issue 19, items 1 and 2).

A Madrid wedding's list of Spanish mobiles written without +34, a refused number that says
what it probably is, French guests, a language the service does not know, and a one-row
Arabic file saved by Excel in Windows-1256.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support.constants import API_AUTH
from tests.support.guest_lists import post_csv, post_guests, stored_guests
from tests.support.workbooks import xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MADRID = "Europe/Madrid"
# Spanish mobiles as the issue's organiser typed them, and what they are.
SPANISH = {
    "631931491": "+34631931491",
    "651 850 671": "+34651850671",
    "612-345-678": "+34612345678",
    "+34 699 123 456": "+34699123456",
    "0034 622 111 333": "+34622111333",
}


def create(client: FlaskClient, **fields: Any) -> Any:
    """POST an event named "Boda" with `fields`."""
    return client.post("/api/v1/events", json={"name": "Boda", **fields}, headers=API_AUTH)


def new_event(client: FlaskClient, **fields: Any) -> int:
    """An event created with `fields`; its id."""
    response = create(client, **fields)
    assert response.status_code == 201, response.get_json()
    event_id: int = response.get_json()["id"]
    return event_id


@pytest.mark.parametrize(
    ("fields", "country"),
    [
        ({"time_zone": MADRID}, "ES"),  # from its zone
        ({"time_zone": "America/Sao_Paulo"}, "BR"),
        ({"time_zone": "Asia/Riyadh"}, "SA"),
        ({}, "US"),  # UTC has no country: DEFAULT_PHONE_REGION
        ({"time_zone": MADRID, "country": "ma"}, "MA"),  # its own wins, in any case
        ({"country": " fr "}, "FR"),
    ],
)
def test_an_event_has_a_country(client: FlaskClient, fields: dict[str, Any], country: str) -> None:
    response = create(client, **fields)
    assert response.status_code == 201
    assert response.get_json()["country"] == country
    again = client.get(response.headers["Location"], headers=API_AUTH).get_json()
    assert again["country"] == country
    assert again["language_from_replies"] is False


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"country": "Spain"}, "'country' must be an ISO 3166 country code"),
        ({"country": "XX"}, "'country' must be an ISO 3166 country code"),
        ({"country": 34}, "'country' must be an ISO 3166 country code"),
        ({"language_from_replies": "yes"}, "'language_from_replies' must be true or false"),
    ],
)
def test_a_bad_country_or_setting_is_refused(
    client: FlaskClient, fields: dict[str, Any], reason: str
) -> None:
    response = create(client, **fields)
    assert response.status_code == 400
    assert reason in response.get_json()["message"]
    assert client.get("/api/v1/events", headers=API_AUTH).get_json()["events"] == []


def test_an_event_may_let_replies_change_a_guests_language(client: FlaskClient) -> None:
    response = create(client, language_from_replies=True)
    assert response.get_json()["language_from_replies"] is True


def test_spanish_national_numbers_in_a_madrid_event_are_all_imported(
    app: Flask, client: FlaskClient
) -> None:
    event_id = new_event(client, time_zone=MADRID)
    rows = "\n".join(f"Invitado {i},{raw}" for i, raw in enumerate(SPANISH))
    body = post_csv(client, event_id, f"Nombre,Teléfono\n{rows}\n").get_json()
    assert (body["imported"], body["errors"]) == (len(SPANISH), [])
    assert set(stored_guests(app, event_id)) == set(SPANISH.values())


def test_the_issues_workbook_in_a_madrid_event(app: Flask, client: FlaskClient) -> None:
    event_id = new_event(client, time_zone=MADRID)
    data = xlsx(
        [
            ["Nombre", "Teléfono", "Idioma", "Mesa"],
            ["María Núñez", 631931491, "Español", 7],  # a number cell, as Excel keeps it
            ["Jorge Gil", "651 850 671", "", 2],
            ["Yasmine Alaoui", "+212 612 345 678", "Francés", 4],
            ["Léa Martin", "+33 6 12 34 56 78", "français", 4],
            ["Tom Lee", "+44 7911 123456", "Inglés", 5],
            ["Omar Haddad", "+212 612 345 679", "Bereber", 4],
        ]
    )
    response = client.post(
        f"/api/v1/events/{event_id}/guests", data=data, headers={**API_AUTH, "Content-Type": XLSX}
    )
    body = response.get_json()
    assert (body["imported"], body["errors"]) == (6, [])
    assert [w["line"] for w in body["warnings"]] == [7]
    guests = stored_guests(app, event_id)
    assert {phone: guest.language for phone, guest in guests.items()} == {
        "+34631931491": "es",
        "+34651850671": "es",
        "+212612345678": "fr",
        "+33612345678": "fr",
        "+447911123456": "en",
        "+212612345679": "ar",  # "Bereber": unknown, so the phone's country's
    }
    assert guests["+34631931491"].variables == {"Mesa": "7"}


def test_a_refused_national_number_says_what_it_probably_is(
    app: Flask, client: FlaskClient
) -> None:
    event_id = new_event(client)  # UTC: read in the default region, US
    text = "name,phone\nAna,631931491\nLéa,06 12 34 56 78\nBob,12\nSam,+34 631\n"
    body = post_csv(client, event_id, text).get_json()
    assert [(e["line"], e["reason"]) for e in body["errors"]] == [
        (
            2,
            "phone '631931491' is invalid: too short (read as a US number);"
            " a Spanish number? +34 631 93 14 91",
        ),
        (
            3,
            "phone '06 12 34 56 78' is invalid: not a valid number for its country"
            " (read as a US number); a French number? +33 6 12 34 56 78",
        ),
        (4, "phone '12' is invalid: too short"),  # nothing it could be
        (5, "phone '+34 631' is invalid: too short"),  # international: it is what it says
    ]
    assert stored_guests(app, event_id) == {}


def test_a_hint_prefers_the_countries_of_the_lists_other_numbers(client: FlaskClient) -> None:
    event_id = new_event(client)
    # 0612345678 is a mobile in France and in Morocco: the list's other numbers decide.
    text = "name,phone\nA,+212 612 345 670\nB,+212 612 345 671\nC,0612345678\n"
    body = post_csv(client, event_id, text).get_json()
    assert body["errors"][0]["reason"].endswith("a Moroccan number? +212 6 12 34 56 78")


def test_json_guests_are_read_in_the_events_country_too(app: Flask, client: FlaskClient) -> None:
    event_id = new_event(client, country="BR")
    guests = [{"name": "João", "phone": "(11) 98765-4321", "language": "Portuguese"}]
    body = post_guests(client, event_id, {"guests": guests}).get_json()
    assert body["imported"] == 1
    assert list(stored_guests(app, event_id)) == ["+5511987654321"]


@pytest.mark.parametrize(
    ("fields", "phone", "e164"),
    [
        ({"time_zone": MADRID}, "+212 612 345 678", "+212612345678"),  # the number says Arabic
        ({"time_zone": MADRID}, "612 345 678", "+34612345678"),  # nothing says it: still Arabic
        ({"time_zone": "Asia/Riyadh"}, "050 123 4567", "+966501234567"),  # the event says it
    ],
)
def test_a_one_row_arabic_file_from_windows_is_read_right(
    app: Flask, client: FlaskClient, fields: dict[str, Any], phone: str, e164: str
) -> None:
    event_id = new_event(client, **fields)
    data = f"name,phone\r\nأحمد علي,{phone}\r\n".encode("cp1256")
    body = post_csv(client, event_id, data).get_json()
    assert body["imported"] == 1, body
    assert stored_guests(app, event_id)[e164].name == "أحمد علي"


def test_a_declared_charset_still_wins(app: Flask, client: FlaskClient) -> None:
    event_id = new_event(client, time_zone=MADRID)
    data = "name,phone\r\nJosé,612345678\r\n".encode("cp1252")
    response = post_csv(client, event_id, data, **{"Content-Type": "text/csv; charset=latin-1"})
    assert response.get_json()["imported"] == 1
    assert stored_guests(app, event_id)["+34612345678"].name == "José"


def test_a_french_list_in_a_paris_event(app: Flask, client: FlaskClient) -> None:
    event_id = new_event(client, time_zone="Europe/Paris")
    text = "Nom;Téléphone;Langue\nLéa Martin;06 12 34 56 78;\nAmadou Diallo;+221 77 123 45 67;\n"
    body = post_csv(client, event_id, text).get_json()
    assert (body["imported"], body["errors"], body["warnings"]) == (2, [], [])
    guests = stored_guests(app, event_id)
    assert {phone: guest.language for phone, guest in guests.items()} == {
        "+33612345678": "fr",
        "+221771234567": "fr",  # Senegal
    }
