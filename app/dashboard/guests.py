"""An event's guests: the filtered table, CSV export, and one guest's invitation."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from flask import (
    Response,
    current_app,
    flash,
    redirect,
    request,
    stream_with_context,
    url_for,
)
from flask.typing import ResponseReturnValue
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from werkzeug.exceptions import NotFound

from app.dashboard import bp
from app.dashboard.auth import safe_next
from app.dashboard.charts import STAGES
from app.models import Event
from app.services import campaigns, events
from app.services.campaigns import ConflictError
from app.services.guest_search import clean_search
from app.services.user_text import plain_text

PAGE_SIZE = 50
RSVP_FILTERS = {
    "confirmed": "Confirmed",
    "declined": "Declined",
    "maybe": "Maybe",
    "no_answer": "No answer",
}
BUCKET_LABELS = {
    "not_sent": "Not sent",
    "pending": "Waiting to send",
    "sending": "Sending",
    "scheduled": "Scheduled",
    "accepted": "Accepted by Twilio",
    "queued": "Queued at Twilio",
    "sent": "Sent",
    "delivered": "Delivered",
    "read": "Read",
    "undelivered": "Undelivered",
    "failed": "Failed",
    "canceled": "Canceled",
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Guests per query and per chunk of a CSV export (keyset pages of the listing).
EXPORT_CHUNK = 1000
# Spreadsheet apps run a cell starting with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
EXPORT_HEADER = (
    "name",
    "phone",
    "rsvp",
    "rsvp_at",
    "delivery_status",
    "send_state",
    "error_code",
    "error_reason",
    "opted_out",
)


@dataclass(frozen=True)
class GuestFilters:
    """The guest table's filters, read leniently from the query string."""

    rsvp: str = ""
    delivery: str = ""
    search: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> GuestFilters:
        """Keep known values only; an unknown filter value shows every guest."""
        rsvp = args.get("rsvp", "")
        delivery = args.get("delivery", "")
        return cls(
            rsvp=rsvp if rsvp in RSVP_FILTERS else "",
            delivery=delivery if delivery in STAGES or delivery in BUCKET_LABELS else "",
            search=clean_search(args.get("q", "")),
        )

    @property
    def delivery_buckets(self) -> list[str]:
        """The delivery buckets the listing service filters on."""
        if self.delivery in STAGES:
            return list(STAGES[self.delivery][1])
        return [self.delivery] if self.delivery else []

    def args(self) -> dict[str, str]:
        """The non-empty filters as query parameters."""
        return {
            key: value
            for key, value in (("rsvp", self.rsvp), ("delivery", self.delivery), ("q", self.search))
            if value
        }

    def listing(self) -> dict[str, Any]:
        """The filters as the listing service takes them."""
        return {
            "rsvp": [self.rsvp] if self.rsvp else [],
            "delivery": self.delivery_buckets,
            "search": self.search,
        }


def guest_page(
    event_id: int, filters: GuestFilters, after_id: int | None
) -> tuple[list[Any], int | None]:
    """One page of the table, and the cursor of the next page (None on the last)."""
    rows = events.list_guests(event_id, PAGE_SIZE + 1, after_id=after_id, **filters.listing())
    more = len(rows) > PAGE_SIZE
    page = list(rows[:PAGE_SIZE])
    return page, page[-1].Guest.id if more else None


def require_event(event_id: int) -> Event:
    """The event, or a 404 page."""
    event = events.find_event(event_id)
    if event is None:
        raise NotFound(f"Event {event_id} does not exist.")
    return event


def spreadsheet_safe(value: Any) -> str:
    """The cell text, with formula-like text quoted so spreadsheets show it as text."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def export_header(names: list[str]) -> list[str]:
    """The export's columns as stored: name, phone, every imported column, then the statuses."""
    return [*EXPORT_HEADER[:2], *names, *EXPORT_HEADER[2:]]


def export_record(row: Any, names: list[str]) -> list[str]:
    """One guest (a row of `events.guest_records`) as stored, one text per column."""
    variables = row.variables or {}
    return [
        row.name,
        row.phone,
        *(str(variables.get(name) or "") for name in names),
        row.rsvp.value if row.rsvp else "",
        row.rsvp_at.isoformat() if row.rsvp_at else "",
        row.bucket,
        row.send_state.value if row.send_state else "",
        str(row.error_code) if row.error_code else "",
        row.error_reason or "",
        "yes" if row.opted_out else "no",
    ]


def csv_safe(line: list[str]) -> list[str]:
    """A CSV record with every cell formula-escaped but the phone (column 2)."""
    # E.164: a leading + is a number to spreadsheets, never a formula.
    return [cell if index == 1 else spreadsheet_safe(cell) for index, cell in enumerate(line)]


def export_chunks(
    rows: Iterable[Any], names: list[str], chunk_rows: int = EXPORT_CHUNK
) -> Iterator[str]:
    """The CSV text in chunks: a byte-order mark (for Excel) and the header, then the rows.

    Every cell, titles included, is formula-escaped. The first chunk goes out with the first
    `chunk_rows` rows (one page of the listing), each later chunk with the next ones: the
    file is never built in memory.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(csv_safe(export_header(names)))
    for count, row in enumerate(rows, start=1):
        writer.writerow(csv_safe(export_record(row, names)))
        if count % chunk_rows == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def text_cells(sheet: Any, line: list[str]) -> list[WriteOnlyCell]:
    """A sheet row of text cells holding the stored text: "=1+1" stays text, phones "+...".

    Control characters a cell can't hold (XML 1.0 has no place for them) become U+FFFD.
    """
    cells = []
    for value in line:
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("\ufffd", value) or None)
        cell.data_type = "s"  # an inline string: never a formula, whatever it starts with
        if value.startswith(FORMULA_PREFIXES):
            cell.quotePrefix = True  # Excel's own mark for such text: editing keeps it text
        cells.append(cell)
    return cells


def export_workbook(rows: Iterable[Any], names: list[str]) -> bytes:
    """The same table as an Excel workbook; every cell, titles included, is text."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Guests")
    sheet.append(text_cells(sheet, export_header(names)))
    for row in rows:
        sheet.append(text_cells(sheet, export_record(row, names)))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_rows(event_id: int, filters: GuestFilters) -> Iterator[Any]:
    """The guests an export holds: the table's filters apply, read page by page."""
    return events.guest_records(event_id, page_size=EXPORT_CHUNK, **filters.listing())


@bp.get("/events/<int:event_id>/guests.csv")
def export_guests(event_id: int) -> Response:
    """Stream the event's guests (the table's filters apply) with every imported column,
    their RSVP and delivery status; UTF-8 with a byte-order mark, for Excel."""
    event = require_event(event_id)
    filters = GuestFilters.from_args(request.args)
    chunks = export_chunks(export_rows(event.id, filters), events.variable_names(event.id))
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
    data = export_workbook(export_rows(event.id, filters), events.variable_names(event.id))
    response = current_app.response_class(data, content_type=XLSX)
    response.headers["Content-Disposition"] = f'attachment; filename="event-{event.id}-guests.xlsx"'
    return response


@bp.post("/guests/<int:guest_id>/invite")
def invite_guest(guest_id: int) -> ResponseReturnValue:
    """Queue one guest's invitation on its own, then go back to the page it came from."""
    back = request.form.get("next")
    try:
        invitation = campaigns.send_invitation(guest_id)
    except ConflictError as error:
        flash(f"Not sent: {error}.", "error")
        return redirect(safe_next(back))
    flash(f"Invitation to {plain_text(invitation.guest.name)} queued.", "success")
    return redirect(
        safe_next(back or url_for("dashboard.event_page", event_id=invitation.event_id))
    )
