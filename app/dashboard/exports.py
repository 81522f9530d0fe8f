"""An event's guests as files for people: CSV and Excel.

Each guest with their language, every imported column, their RSVP and delivery in words (the
dashboard's language) and as codes, how many of their party checked in and when the first
came, their answer to each of the event's questions, and times in the event's zone: ISO 8601
with the offset in CSV, date cells in Excel. Every text cell is formula-safe.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, current_app, request, stream_with_context
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from app.config import zone_or_utc
from app.dashboard import bp
from app.dashboard.guests import BUCKET_LABELS, RSVP_FILTERS, GuestFilters, require_event
from app.models import Question
from app.services import arrivals, event_questions, events
from app.services.arrivals import Arrival
from app.services.event_questions import GuestAnswer
from app.services.wording import guest_language

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Guests per query and per chunk of a CSV export (keyset pages of the listing).
EXPORT_CHUNK = 1000
# Spreadsheet apps run a cell starting with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# How an Excel date cell shows its time (the event's local time; the title names the zone).
DATE_FORMAT = "yyyy-mm-dd hh:mm:ss"
# Imported text an Excel cell holds as a number: digits, no sign, no leading zero (a zip code
# "08001" or a phone "0612..." stays text), at most 15 significant digits (Excel's precision).
NUMBER = re.compile(r"(?:0|[1-9][0-9]{0,14})(?:\.[0-9]{1,6})?")
# The guest's language as the dashboard says it (its code in the next column).
LANGUAGE_WORDS = {
    "en": "English",
    "es": "Spanish",
    "pt": "Portuguese",
    "ar": "Arabic",
    "fr": "French",
}
NO_ANSWER = "no_answer"
NOT_ARRIVED = Arrival()  # nobody of the party is in


@dataclass(frozen=True)
class Imported:
    """A value of an imported column, as stored: Excel reads it as a number when it is one."""

    text: str

    def number(self) -> int | float | None:
        """The value as a number, or None when it is text."""
        if NUMBER.fullmatch(self.text) is None:
            return None
        return float(self.text) if "." in self.text else int(self.text)


# One cell of an export, typed: each file writes it its own way.
Cell = str | int | datetime | Imported | None


@dataclass(frozen=True)
class Exported:
    """A guest of an export (a row of `events.guest_records`), their answers by question and
    their arrival at the door."""

    row: Any
    answers: dict[int, GuestAnswer]
    arrival: Arrival = NOT_ARRIVED


def export_header(
    names: Sequence[str], time_zone: str, asked: Sequence[Question] = ()
) -> list[str]:
    """The export's titles: the guest, every imported column (`names`), the statuses, then
    each question the event asks (`asked`)."""
    return [
        "Name",
        "Phone",
        "Language",
        "Language code",
        *names,
        "RSVP",
        "RSVP code",
        f"RSVP at ({time_zone})",
        "Party size",
        "Plus ones",
        "Checked in",
        f"Arrived at ({time_zone})",
        "Delivery",
        "Delivery code",
        "Error code",
        "Error reason",
        "Opted out",
        *(event_questions.worded(question.wording, "en") for question in asked),
    ]


def export_record(
    exported: Exported, names: Sequence[str], asked: Sequence[Question] = ()
) -> list[Cell]:
    """One guest, a cell per title of `export_header`."""
    row = exported.row
    language = guest_language(row.language, row.phone)
    variables = row.variables or {}
    rsvp = row.rsvp.value if row.rsvp else ""
    return [
        row.name,
        row.phone,
        LANGUAGE_WORDS.get(language, language),
        language,
        *(Imported(str(variables.get(name) or "")) for name in names),
        str(RSVP_FILTERS.get(rsvp or NO_ANSWER, rsvp)),
        rsvp,
        row.rsvp_at,
        row.party_size,  # as said (blank: not said, one head)
        row.allowance,  # how many they may bring: their own, else the event's
        exported.arrival.people,  # how many of the party are in
        exported.arrival.first_at,  # when the first of them came
        str(BUCKET_LABELS.get(row.bucket, row.bucket)),
        row.bucket,
        row.error_code,
        row.error_reason or "",
        "Yes" if row.opted_out else "No",
        *(
            event_questions.answer_words(question, exported.answers.get(question.id))
            for question in asked
        ),
    ]


def spreadsheet_safe(value: str) -> str:
    """The cell text, with formula-like text quoted so spreadsheets show it as text."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def csv_text(cell: Cell, zone: ZoneInfo) -> str:
    """A cell as CSV text: a time in the event's zone with its offset, the rest as stored."""
    if cell is None:
        return ""
    if isinstance(cell, datetime):
        return cell.astimezone(zone).isoformat(timespec="seconds")
    if isinstance(cell, Imported):
        return cell.text
    return str(cell)


def csv_line(record: Sequence[Cell], zone: ZoneInfo) -> list[str]:
    """A CSV record with every cell formula-escaped but the phone (column 2)."""
    # E.164: a leading + is a number to spreadsheets, never a formula.
    texts = [csv_text(cell, zone) for cell in record]
    return [text if index == 1 else spreadsheet_safe(text) for index, text in enumerate(texts)]


def export_chunks(
    rows: Iterable[Exported],
    names: Sequence[str],
    time_zone: str,
    asked: Sequence[Question] = (),
    chunk_rows: int = EXPORT_CHUNK,
) -> Iterator[str]:
    """The CSV text in chunks: a byte-order mark (for Excel) and the header, then the rows.

    Every cell, titles included, is formula-escaped. The first chunk goes out with the first
    `chunk_rows` rows (one page of the listing), each later chunk with the next ones: the
    file is never built in memory.
    """
    zone = zone_or_utc(time_zone)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(csv_line(export_header(names, time_zone, asked), zone))
    for count, row in enumerate(rows, start=1):
        writer.writerow(csv_line(export_record(row, names, asked), zone))
        if count % chunk_rows == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def text_cell(sheet: Any, value: str) -> WriteOnlyCell:
    """A text cell holding the stored text: "=1+1" stays text, phones "+...".

    Control characters a cell can't hold (XML 1.0 has no place for them) become U+FFFD.
    """
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("\ufffd", value) or None)
    cell.data_type = "s"  # an inline string: never a formula, whatever it starts with
    if value.startswith(FORMULA_PREFIXES):
        cell.quotePrefix = True  # Excel's own mark for such text: editing keeps it text
    return cell


def xlsx_cell(sheet: Any, cell: Cell, zone: ZoneInfo) -> WriteOnlyCell:
    """A sheet cell: a date in the event's local time, a number, or text."""
    if isinstance(cell, datetime):
        local = cell.astimezone(zone).replace(tzinfo=None, microsecond=0)
        written = WriteOnlyCell(sheet, value=local)
        written.number_format = DATE_FORMAT
        return written
    if isinstance(cell, Imported):
        number = cell.number()
        return text_cell(sheet, cell.text) if number is None else WriteOnlyCell(sheet, number)
    if isinstance(cell, int):
        return WriteOnlyCell(sheet, value=cell)
    return text_cell(sheet, cell or "")


def export_workbook(
    rows: Iterable[Exported], names: Sequence[str], time_zone: str, asked: Sequence[Question] = ()
) -> bytes:
    """The same table as an Excel workbook: text cells (titles included), numbers, dates."""
    zone = zone_or_utc(time_zone)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Guests")
    titles = export_header(names, time_zone, asked)
    sheet.append([text_cell(sheet, title) for title in titles])
    for row in rows:
        sheet.append([xlsx_cell(sheet, cell, zone) for cell in export_record(row, names, asked)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_rows(
    event_id: int, filters: GuestFilters, asked: Sequence[Question] = ()
) -> Iterator[Exported]:
    """The guests an export holds (the table's filters apply) with their answers to `asked`
    and their arrivals, read page by page (one query of each a page)."""
    rows = events.guest_records(event_id, page_size=EXPORT_CHUNK, **filters.listing())
    while page := list(islice(rows, EXPORT_CHUNK)):
        found = event_questions.answers_of(row.id for row in page) if asked else {}
        arrived = arrivals.arrivals_of(row.id for row in page)
        for row in page:
            answers = {answer.question_id: answer for answer in found.get(row.id, ())}
            yield Exported(row, answers, arrived[row.id])


@bp.get("/events/<int:event_id>/guests.csv")
def export_guests(event_id: int) -> Response:
    """Stream the event's guests (the table's filters apply) with every imported column,
    their RSVP and delivery status; UTF-8 with a byte-order mark, for Excel."""
    event = require_event(event_id)
    filters = GuestFilters.from_args(request.args)
    names = events.variable_names(event.id)
    asked = event_questions.list_questions(event.id)
    chunks = export_chunks(export_rows(event.id, filters, asked), names, event.time_zone, asked)
    # The generator runs after this returns: keep the app context (and the session) alive.
    response = current_app.response_class(
        stream_with_context(chunks), content_type="text/csv; charset=utf-8"
    )
    response.headers["Content-Disposition"] = f'attachment; filename="event-{event.id}-guests.csv"'
    return response


@bp.get("/events/<int:event_id>/guests.xlsx")
def export_guests_xlsx(event_id: int) -> Response:
    """The same export as an Excel workbook (built in memory: one event's guests)."""
    event = require_event(event_id)
    filters = GuestFilters.from_args(request.args)
    names = events.variable_names(event.id)
    asked = event_questions.list_questions(event.id)
    data = export_workbook(export_rows(event.id, filters, asked), names, event.time_zone, asked)
    response = current_app.response_class(data, content_type=XLSX)
    response.headers["Content-Disposition"] = f'attachment; filename="event-{event.id}-guests.xlsx"'
    return response
