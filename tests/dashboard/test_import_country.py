"""The new-event form's country and reply setting; the import preview's country, encoding,
languages and warnings (issue 19, items 1, 2 and 5)."""

from __future__ import annotations

import io

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import Event, Guest
from tests.support.dashboard import text_of
from tests.support.factories import make_event
from tests.support.workbooks import xlsx


def stored(app: Flask, event_id: int) -> dict[str, tuple[str, str | None]]:
    """The event's guests: phone -> (name, language)."""
    with app.app_context():
        rows = db.session.scalars(db.select(Guest).where(Guest.event_id == event_id))
        return {guest.phone: (guest.name, guest.language) for guest in rows}


def stat(html: str, key: str) -> str:
    """One number of an import report ("imported", "errors", "warnings", ...)."""
    return html.split(f'data-stat="{key}">')[1].split("<", maxsplit=1)[0]


def token_of(html: str) -> str:
    """The preview's token."""
    return html.split('name="token" value="', 1)[1].split('"', 1)[0]


def selected(html: str, select_id: str) -> str:
    """The value of the selected option of a <select>."""
    select = html.split(f'id="{select_id}"', 1)[1].split("</select>", 1)[0]
    return select.split(" selected", 1)[0].rsplit('value="', 1)[1].split('"', 1)[0]


def preview_file(user: FlaskClient, event_id: int, data: bytes, filename: str) -> str:
    """POST a file to the import preview; the page."""
    response = user.post(
        f"/events/{event_id}/guests/preview",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200, text_of(html)
    return html


@pytest.mark.parametrize(
    ("fields", "country", "follows"),
    [
        ({"time_zone": "Europe/Madrid"}, None, False),  # none of its own: its zone's, ES
        ({"time_zone": "Europe/Madrid", "country": "MA", "language_from_replies": "y"}, "MA", True),
    ],
)
def test_the_new_event_form_takes_a_country_and_the_reply_setting(
    app: Flask, user: FlaskClient, fields: dict[str, str], country: str | None, follows: bool
) -> None:
    form = user.get("/").get_data(as_text=True)
    assert 'name="country"' in form and 'name="language_from_replies"' in form
    response = user.post("/events", data={"name": "Boda", **fields})
    assert response.status_code == 302
    with app.app_context():
        event = db.session.scalars(db.select(Event)).one()
        assert (event.country, event.language_from_replies) == (country, follows)
    page = text_of(user.get(response.headers["Location"]).get_data(as_text=True))
    expected = "Morocco" if country else "Spain"
    assert f"Numbers without a country code are read as numbers of {expected}" in page


def test_an_unknown_country_is_refused(app: Flask, user: FlaskClient) -> None:
    response = user.post("/events", data={"name": "Boda", "country": "XX"})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalars(db.select(Event)).all() == []


def test_a_madrid_workbook_previews_spanish_numbers_and_french_guests(
    app: Flask, user: FlaskClient
) -> None:
    event_id = make_event(app, "Boda", time_zone="Europe/Madrid")
    data = xlsx(
        [
            ["Nombre", "Teléfono", "Idioma", "Mesa"],
            ["María Núñez", 631931491, "Español", 7],
            ["Jorge Gil", "651 850 671", "", 2],
            ["Yasmine Alaoui", "+212 612 345 678", "Francés", 4],
            ["Omar Haddad", "+212 612 345 679", "Bereber", 4],
        ]
    )
    html = preview_file(user, event_id, data, "invitados.xlsx")
    assert (stat(html, "imported"), stat(html, "errors"), stat(html, "warnings")) == ("4", "0", "1")
    page = text_of(html)
    assert "Read now as numbers of Spain , the event's country" in page
    assert selected(html, "country") == "ES"
    assert 'id="encoding"' not in html  # a workbook has no encoding to choose
    assert "Yasmine Alaoui +212612345678 Français" in page
    assert "language 'Bereber' is not one of en, es, pt, ar, fr: imported in ar" in page
    done = user.post(f"/events/{event_id}/guests", data={"token": token_of(html)})
    assert stat(done.get_data(as_text=True), "imported") == "4"
    assert stored(app, event_id) == {
        "+34631931491": ("María Núñez", "es"),
        "+34651850671": ("Jorge Gil", "es"),
        "+212612345678": ("Yasmine Alaoui", "fr"),
        "+212612345679": ("Omar Haddad", "ar"),
    }


def test_the_preview_switches_the_country_of_national_numbers(
    app: Flask, user: FlaskClient
) -> None:
    event_id = make_event(app)  # UTC: the default region, US
    data = b"name,phone\nAna,631931491\nJorge,651 850 671\n"
    html = preview_file(user, event_id, data, "guests.csv")
    assert (stat(html, "imported"), stat(html, "errors")) == ("0", "2")
    assert selected(html, "country") == "US"
    assert "a Spanish number? +34 631 93 14 91" in text_of(html)
    switched = {"token": token_of(html), "country": "ES"}
    again = user.post(f"/events/{event_id}/guests/preview", data=switched).get_data(as_text=True)
    assert (stat(again, "imported"), stat(again, "errors")) == ("2", "0")
    assert selected(again, "country") == "ES"
    assert "Read now as numbers of Spain ." in text_of(again)
    user.post(f"/events/{event_id}/guests", data=switched)
    assert set(stored(app, event_id)) == {"+34631931491", "+34651850671"}


def test_a_one_row_arabic_file_and_the_encoding_switch(app: Flask, user: FlaskClient) -> None:
    event_id = make_event(app, "Boda", time_zone="Europe/Madrid")
    data = "name,phone\r\nأحمد علي,+212 612 345 678\r\n".encode("cp1256")
    html = preview_file(user, event_id, data, "arabe.csv")
    assert "CP1256 text" in text_of(html) and "أحمد علي" in text_of(html)
    assert selected(html, "encoding") == ""  # detected
    latin = {"token": token_of(html), "encoding": "cp1252"}
    misread = user.post(f"/events/{event_id}/guests/preview", data=latin).get_data(as_text=True)
    assert selected(misread, "encoding") == "cp1252"
    assert "CP1252 text" in text_of(misread) and "أحمد" not in text_of(misread)
    detected = {"token": token_of(html), "encoding": ""}
    user.post(f"/events/{event_id}/guests", data=detected)
    assert stored(app, event_id) == {"+212612345678": ("أحمد علي", "ar")}


def test_an_unknown_encoding_choice_is_detection(app: Flask, user: FlaskClient) -> None:
    event_id = make_event(app, "Boda", time_zone="Europe/Madrid")
    data = "name,phone\r\nJosé,612345678\r\n".encode("cp1252")
    html = preview_file(user, event_id, data, "g.csv")
    odd = {"token": token_of(html), "encoding": "rot13"}
    again = user.post(f"/events/{event_id}/guests/preview", data=odd).get_data(as_text=True)
    assert "José" in text_of(again) and selected(again, "encoding") == ""


def test_the_guest_table_offers_french(app: Flask, user: FlaskClient) -> None:
    event_id = make_event(app)
    user.post(f"/events/{event_id}/guests", data={"pasted": "Léa, +33 6 12 34 56 78"})
    page = user.get(f"/events/{event_id}").get_data(as_text=True)
    assert '<option value="fr" selected>Français</option>' in page
    assert "Bonjour Ana, vous êtes invité(e) à Summer gala" in text_of(page)
