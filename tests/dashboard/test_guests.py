"""Importing guests through the form, and single invitations (exports: test_exports)."""

from __future__ import annotations

import io

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import Guest, Invitation, SendState
from tests.support.dashboard import text_of
from tests.support.factories import make_event, make_guests, make_opt_out


def guest_rows(app: Flask, event_id: int) -> list[tuple[str, str]]:
    """The event's guests as (name, phone), by id."""
    with app.app_context():
        query = db.select(Guest).where(Guest.event_id == event_id).order_by(Guest.id)
        return [(guest.name, guest.phone) for guest in db.session.scalars(query)]


def report_of(html: str) -> dict[str, str]:
    """The imported / duplicates / errors numbers of an import report page."""
    stats = {}
    for key in ("imported", "duplicates", "errors"):
        stats[key] = html.split(f'data-stat="{key}">')[1].split("<", maxsplit=1)[0]
    return stats


def test_paste_lines_without_a_header(app: Flask, user: FlaskClient) -> None:
    event_id = make_event(app)
    pasted = (
        "Ada Lovelace, +1 202 555 0101\r\n"
        "ليلى أحمد, +971 50 123 4567\r\n"
        "\r\n"
        "Nobody, 12\r\n"
        "Ada again, (202) 555-0101\r\n"
        "Lovelace, Ada, +12025550102\r\n"
    )
    response = user.post(f"/events/{event_id}/guests", data={"pasted": pasted})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert report_of(html) == {"imported": "2", "duplicates": "1", "errors": "2"}
    page = text_of(html)
    # Line numbers are those of the pasted text (blank line 3 counts).
    # The line as written (each field isolated for right-to-left names), and why.
    assert "4 Nobody , 12 phone '12' is invalid" in page
    assert "6 Lovelace , Ada , +12025550102 3 fields, but the header has 2" in page
    assert guest_rows(app, event_id) == [
        ("Ada Lovelace", "+12025550101"),
        ("ليلى أحمد", "+971501234567"),
    ]


def test_paste_from_a_spreadsheet_is_tab_separated(app: Flask, user: FlaskClient) -> None:
    event_id = make_event(app)
    pasted = "José Álvarez\t+34 612 345 678\nZoë Ørsted\t+45 32 12 34 56"
    html = user.post(f"/events/{event_id}/guests", data={"pasted": pasted}).get_data(as_text=True)
    assert report_of(html) == {"imported": "2", "duplicates": "0", "errors": "0"}
    assert [name for name, _ in guest_rows(app, event_id)] == ["José Álvarez", "Zoë Ørsted"]


def test_paste_with_a_header_keeps_extra_columns(app: Flask, user: FlaskClient) -> None:
    event_id = make_event(app)
    pasted = "\n\nPhone;Name;Table\n+12025550101;Ada;7\n;Bob;8\n"
    html = user.post(f"/events/{event_id}/guests", data={"pasted": pasted}).get_data(as_text=True)
    assert report_of(html) == {"imported": "1", "duplicates": "0", "errors": "1"}
    assert "5 , Bob , 8 phone is missing" in text_of(html)
    with app.app_context():
        guest = db.session.scalars(db.select(Guest)).one()
        assert guest.variables == {"Table": "7"}


def test_upload_a_csv_file_with_a_byte_order_mark(app: Flask, user: FlaskClient) -> None:
    event_id = make_event(app)
    body = "\ufeffname,phone\nليلى أحمد,+971501234567\nAda,+12025550101\nAda twin,+12025550101\n"
    data = {"file": (io.BytesIO(body.encode()), "guests.csv", "text/csv")}
    response = user.post(
        f"/events/{event_id}/guests", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 200
    assert report_of(response.get_data(as_text=True)) == {
        "imported": "2",
        "duplicates": "1",
        "errors": "0",
    }
    assert guest_rows(app, event_id)[0] == ("ليلى أحمد", "+971501234567")
    # The same file again: everyone is a duplicate, nobody changes.
    again = user.post(
        f"/events/{event_id}/guests",
        data={"file": (io.BytesIO(body.encode()), "guests.csv", "text/csv")},
        content_type="multipart/form-data",
    )
    assert report_of(again.get_data(as_text=True))["duplicates"] == "3"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"file": (io.BytesIO(b"first,last\nA,B\n"), "g.csv")},
            "must have a name and a phone column",
        ),
        ({"file": (io.BytesIO(b"  \n"), "g.csv")}, "the file is empty"),
        ({"pasted": "name,phone,Name\nA,+12025550101,B"}, "Nothing was imported: the CSV header"),
        ({}, "Choose a file or paste at least one guest."),
        (
            {"pasted": "A, +12025550101", "file": (io.BytesIO(b"name,phone\n"), "g.csv")},
            "not both",
        ),
    ],
)
def test_unusable_uploads_change_nothing(
    app: Flask, user: FlaskClient, data: dict[str, object], message: str
) -> None:
    event_id = make_event(app)
    response = user.post(
        f"/events/{event_id}/guests", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 400
    assert message in text_of(response.get_data(as_text=True))
    assert guest_rows(app, event_id) == []


def test_an_oversized_upload_gets_a_clear_page(app: Flask, user: FlaskClient) -> None:
    event_id = make_event(app)
    app.config["MAX_CONTENT_LENGTH"] = 2048
    body = b"name,phone\n" + b"Guest,+12025550101\n" * 200
    response = user.post(
        f"/events/{event_id}/guests",
        data={"file": (io.BytesIO(body), "big.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert "The upload is too large" in response.get_data(as_text=True)


def test_send_one_invitation(app: Flask, user: FlaskClient) -> None:
    event_id = make_event(app)
    (guest_id,) = make_guests(app, event_id, [("Ada", "+12025550101")])
    back = f"/events/{event_id}?q=ada"
    response = user.post(f"/guests/{guest_id}/invite", data={"next": back})
    assert response.status_code == 302
    assert response.headers["Location"] == back
    with app.app_context():
        invitation = db.session.scalars(db.select(Invitation)).one()
        assert invitation.guest_id == guest_id
        assert invitation.send_state is SendState.PENDING
        assert invitation.campaign_id is None
    assert "Invitation to Ada queued." in user.get(back).get_data(as_text=True)
    # Twice is refused by the service, and said so.
    user.post(f"/guests/{guest_id}/invite", data={"next": back})
    assert "Not sent: the guest&#39;s invitation is already pending." in user.get(back).get_data(
        as_text=True
    )


def test_send_one_invitation_refuses_opted_out_guests(app: Flask, user: FlaskClient) -> None:
    event_id = make_event(app)
    (guest_id,) = make_guests(app, event_id, [("Stopped", "+12025550111")])
    make_opt_out(app, "+12025550111")
    response = user.post(f"/guests/{guest_id}/invite", data={"next": "https://evil.example/"})
    assert response.headers["Location"] == "/"  # not the foreign URL
    assert "Not sent: the guest opted out of messages." in user.get("/").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(db.select(Invitation)).all() == []


def test_send_one_invitation_to_an_unknown_guest_is_404(user: FlaskClient) -> None:
    assert user.post("/guests/4242/invite").status_code == 404


def test_paste_mixing_tabs_and_commas_keeps_refused_lines_in_the_box(
    app: Flask, user: FlaskClient
) -> None:
    event_id = make_event(app)
    pasted = "Ada Lovelace, +1 202 555 0101\nJosé Álvarez\t+34 612 345 678\nليلى أحمد, 12\n"
    html = user.post(f"/events/{event_id}/guests", data={"pasted": pasted}).get_data(as_text=True)
    assert report_of(html) == {"imported": "2", "duplicates": "0", "errors": "1"}
    # The refused line is shown as written, each field isolated (the phone keeps its order).
    field = '<bdi dir="auto" class="user-text-wrap">{}</bdi>'
    assert f"{field.format('ليلى أحمد')}, {field.format('12')}" in html
    box = html.split('name="pasted"', 1)[1].split(">", 1)[1].split("</textarea>", 1)[0]
    assert "ليلى أحمد, 12" in box and "Ada" not in box and "José" not in box


def test_preview_writes_nothing_then_imports_with_the_chosen_columns(
    app: Flask, user: FlaskClient
) -> None:
    event_id = make_event(app)
    body = (
        "Nombre;Móvil;Otro teléfono\n"
        "María;+34 612 345 678;+34 600 000 001\n"
        "Ø£Ø\xadÙ…Ø¯;00971 50 123 4569;\n"  # "أحمد" garbled by another tool
        "X;1;\n"
    )
    data = {"file": (io.BytesIO(body.encode("cp1252", errors="ignore")), "g.csv")}
    preview = user.post(
        f"/events/{event_id}/guests/preview", data=data, content_type="multipart/form-data"
    )
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200, text_of(html)
    page = text_of(html)
    assert report_of(html) == {"imported": "2", "duplicates": "0", "errors": "1"}
    assert "+971501234569" in page and "أحمد" in page  # repaired and normalised
    assert "phone '1' is invalid" in page
    assert guest_rows(app, event_id) == []  # a preview writes nothing
    token = html.split('name="token" value="', 1)[1].split('"', 1)[0]
    chosen = {"token": token, "name_column": "Nombre", "phone_column": "Otro teléfono"}
    again = user.post(f"/events/{event_id}/guests/preview", data=chosen).get_data(as_text=True)
    assert report_of(again)["imported"] == "1"
    done = user.post(f"/events/{event_id}/guests", data=chosen).get_data(as_text=True)
    assert report_of(done)["imported"] == "1"
    assert guest_rows(app, event_id) == [("María", "+34600000001")]
    expired = user.post(f"/events/{event_id}/guests", data=chosen)  # used up
    assert expired.status_code == 400
    assert "expired" in text_of(expired.get_data(as_text=True))


def test_preview_refuses_a_mapping_that_cannot_work(app: Flask, user: FlaskClient) -> None:
    event_id = make_event(app)
    preview = user.post(f"/events/{event_id}/guests/preview", data={"pasted": "Ada, +12025550101"})
    token = preview.get_data(as_text=True).split('name="token" value="', 1)[1].split('"', 1)[0]
    same = {"token": token, "name_column": "phone", "phone_column": "phone"}
    response = user.post(f"/events/{event_id}/guests/preview", data=same)
    assert response.status_code == 400
    assert "two different columns" in text_of(response.get_data(as_text=True))
    assert guest_rows(app, event_id) == []
