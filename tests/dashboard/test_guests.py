"""Importing guests through the form, exporting them as CSV, and single invitations."""

from __future__ import annotations

import csv
import io

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.dashboard.guests import EXPORT_CHUNK, EXPORT_HEADER
from app.extensions import db
from app.models import DeliveryStatus, Guest, Invitation, Rsvp, SendState
from app.services.sheets.limits import Budget
from app.services.sheets.xlsx import xlsx_records
from tests.support.dashboard import text_of
from tests.support.database import sql_statements
from tests.support.factories import invite, make_event, make_guests, make_opt_out


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


def read_export(client: FlaskClient, url: str) -> tuple[bytes, list[list[str]]]:
    """Download an export; return the raw bytes and the parsed rows."""
    response = client.get(url)
    assert response.status_code == 200
    assert response.content_type == "text/csv; charset=utf-8"
    assert response.is_streamed
    data = response.get_data()
    return data, list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_csv_export_round_trips_names_and_statuses(app: Flask, user: FlaskClient) -> None:
    event_id = make_event(app)
    ada, laila, _ = make_guests(
        app,
        event_id,
        [
            ("Ada Lovelace", "+12025550101"),
            ("ليلى أحمد", "+971501234567"),
            ("=HYPERLINK(1)", "+12025550103"),
        ],
    )
    invite(app, ada, delivery_status=DeliveryStatus.READ, rsvp=Rsvp.CONFIRMED)
    invite(
        app, laila, send_state=SendState.FAILED, error_code=63024, error_reason="not on WhatsApp"
    )
    data, rows = read_export(user, f"/events/{event_id}/guests.csv")
    assert data.startswith(b"\xef\xbb\xbfname,phone,rsvp,")  # UTF-8 with BOM, for Excel
    header, *body = rows
    assert header == [
        "name",
        "phone",
        "rsvp",
        "rsvp_at",
        "delivery_status",
        "send_state",
        "error_code",
        "error_reason",
        "opted_out",
    ]
    assert [row[:2] for row in body] == [
        ["Ada Lovelace", "+12025550101"],
        ["ليلى أحمد", "+971501234567"],
        ["'=HYPERLINK(1)", "+12025550103"],  # quoted, so a spreadsheet shows it as text
    ]
    assert body[0][2] == "confirmed" and body[0][4] == "read" and body[0][5] == "accepted"
    assert body[1][4:8] == ["failed", "failed", "63024", "not on WhatsApp"]
    assert body[2][4:6] == ["not_sent", ""]
    response = user.get(f"/events/{event_id}/guests.csv")
    assert (
        response.headers["Content-Disposition"]
        == f'attachment; filename="event-{event_id}-guests.csv"'
    )
    response.close()


def test_csv_export_applies_the_filters_and_streams_many_rows(
    app: Flask, user: FlaskClient
) -> None:
    event_id = make_event(app)
    ids = make_guests(app, event_id, [(f"Guest {n:04d}", f"+1202555{n:04d}") for n in range(1100)])
    invite(app, ids[1050], rsvp=Rsvp.MAYBE)
    _, rows = read_export(user, f"/events/{event_id}/guests.csv")
    assert len(rows) == 1101
    _, maybe = read_export(user, f"/events/{event_id}/guests.csv?rsvp=maybe")
    assert [row[0] for row in maybe[1:]] == ["Guest 1050"]
    _, found = read_export(user, f"/events/{event_id}/guests.csv?q=guest+105")
    assert [row[0] for row in found[1:]] == [f"Guest 105{n}" for n in range(10)]
    _, phones = read_export(user, f"/events/{event_id}/guests.csv?q=%2B1+202+555+108")
    assert [row[0] for row in phones[1:]] == [f"Guest 108{n}" for n in range(10)]
    _, both = read_export(user, f"/events/{event_id}/guests.csv?q=guest+105&delivery=not_sent")
    assert len(both) == 1 + 9  # Guest 1050 was invited
    _, none = read_export(user, f"/events/{event_id}/guests.csv?q=nobody&rsvp=maybe")
    assert none == [list(EXPORT_HEADER)]


def test_csv_export_streams_one_page_per_query(app: Flask, user: FlaskClient) -> None:
    event_id = make_event(app)
    count = 2 * EXPORT_CHUNK + 10
    make_guests(app, event_id, [(f"Guest {n:04d}", f"+1202555{n:04d}") for n in range(count)])
    with sql_statements(app) as statements:
        response = user.get(f"/events/{event_id}/guests.csv")
        chunks = iter(response.response)
        first = next(chunks)
        pages = [s for s in statements if "FROM guests" in s and "jsonb_object_keys" not in s]
        pages_read_first = len(pages)
        rest = list(chunks)
        response.close()
    pages_read = sum(
        "FROM guests" in statement and "jsonb_object_keys" not in statement
        for statement in statements
    )
    # The first chunk goes out after one page is read, with the header and that page.
    assert pages_read_first == 1
    assert len(list(csv.reader(io.StringIO(first.decode("utf-8-sig"))))) == 1 + EXPORT_CHUNK
    assert pages_read == 3
    rows = list(csv.reader(io.StringIO(b"".join([first, *rest]).decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == [f"Guest {n:04d}" for n in range(count)]


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


def test_exports_keep_every_imported_column_in_csv_and_xlsx(app: Flask, user: FlaskClient) -> None:
    event_id = make_event(app)
    pasted = "name;phone;Mesa;Nota\nAna;+34612345678;7;=1+1\nليلى;+971501234567;;VIP\n"
    user.post(f"/events/{event_id}/guests", data={"pasted": pasted})
    user.post(f"/events/{event_id}/guests", data={"pasted": "name,phone,Extra\nBo,+12025550101,x"})
    data, rows = read_export(user, f"/events/{event_id}/guests.csv")
    assert data.startswith(b"\xef\xbb\xbfname,phone,Mesa,Nota,Extra,rsvp,")
    assert [row[:5] for row in rows[1:]] == [
        ["Ana", "+34612345678", "7", "'=1+1", ""],
        ["ليلى", "+971501234567", "", "VIP", ""],
        ["Bo", "+12025550101", "", "", "x"],
    ]
    response = user.get(f"/events/{event_id}/guests.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith('guests.xlsx"')
    cells = [record for _, record in xlsx_records(response.data, Budget())]  # as imported
    assert cells[0][:6] == ["name", "phone", "Mesa", "Nota", "Extra", "rsvp"]
    assert cells[1][:5] == ["Ana", "+34612345678", "7", "=1+1", ""]  # text, not a formula
    assert cells[2][:4] == ["ليلى", "+971501234567", "", "VIP"]
