"""An event's guests: the filtered table, import, CSV export, and one guest's invitation."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from itertools import islice
from typing import Any

from flask import (
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import NotFound

from app.dashboard import bp
from app.dashboard.auth import safe_next
from app.dashboard.charts import STAGES
from app.dashboard.forms import ImportForm
from app.models import Event
from app.services import campaigns, events, guest_upload, guests
from app.services.campaigns import ConflictError

PAGE_SIZE = 50
# Rows read per query while searching or exporting (keyset pages of the guest listing).
SCAN_CHUNK = 500
SEARCH_MAX_LENGTH = 100
# A search that looks like a phone number (at least this many digits) matches phone numbers.
PHONE_SEARCH = re.compile(r"[\d\s+().-]*\d{3}[\d\s+().-]*")
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
            search=" ".join(args.get("q", "").split())[:SEARCH_MAX_LENGTH],
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

    def matches(self, row: Any) -> bool:
        """Whether a listed guest matches the search (name, or digits of the phone)."""
        if not self.search:
            return True
        guest = row.Guest
        if self.search.casefold() in guest.name.casefold():
            return True
        if not PHONE_SEARCH.fullmatch(self.search):
            return False
        return re.sub(r"\D", "", self.search) in guest.phone


def filtered_guests(event_id: int, filters: GuestFilters, after_id: int | None) -> Iterator[Any]:
    """Yield the event's guests matching the filters, by id, after `after_id`.

    RSVP and delivery filters run in the listing service's query; the name or phone search
    is applied to its pages here.
    """
    rsvp = [filters.rsvp] if filters.rsvp else []
    cursor = after_id
    while True:
        rows = events.list_guests(
            event_id, SCAN_CHUNK, after_id=cursor, rsvp=rsvp, delivery=filters.delivery_buckets
        )
        yield from (row for row in rows if filters.matches(row))
        if len(rows) < SCAN_CHUNK:
            return
        cursor = rows[-1].Guest.id


def guest_page(
    event_id: int, filters: GuestFilters, after_id: int | None
) -> tuple[list[Any], int | None]:
    """One page of the table, and the cursor of the next page (None on the last)."""
    rows = list(islice(filtered_guests(event_id, filters, after_id), PAGE_SIZE + 1))
    more = len(rows) > PAGE_SIZE
    page = rows[:PAGE_SIZE]
    return page, page[-1].Guest.id if more else None


def require_event(event_id: int) -> Event:
    """The event, or a 404 page."""
    event = events.find_event(event_id)
    if event is None:
        raise NotFound(f"Event {event_id} does not exist.")
    return event


def pasted_rows(text: str) -> Iterator[guest_upload.RawRow | guest_upload.RowError]:
    """Read pasted lines: CSV with a name/phone header, or bare `name, phone` lines.

    Lines copied from a spreadsheet are tab separated; line numbers stay those of the text.
    """
    lines = re.split(r"\r\n|\r|\n", text)
    blank = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    first = lines[blank] if blank < len(lines) else ""
    titles = {title.strip().lower() for title in re.split(r"[,;\t]", first)}
    if {"name", "phone"} <= titles:
        rows = guest_upload.csv_rows("\n".join(lines[blank:]))
        shift = blank
    else:
        delimiter = max(guest_upload.DELIMITERS, key=first.count)
        rows = guest_upload.csv_rows(f"name{delimiter}phone\n" + "\n".join(lines[blank:]))
        shift = blank - 1
    return (replace(row, line=row.line + shift) for row in rows)


def uploaded_rows(form: ImportForm) -> Iterable[guest_upload.RawRow | guest_upload.RowError]:
    """The rows of the uploaded file or the pasted text."""
    if form.file.data and form.file.data.filename:
        data = form.file.data.read()
        if not data.strip():
            raise guest_upload.MalformedUpload("the file is empty")
        return guest_upload.csv_rows(guest_upload.decode_csv(data))
    return pasted_rows(form.pasted.data or "")


@bp.post("/events/<int:event_id>/guests")
def import_guests(event_id: int) -> ResponseReturnValue:
    """Import guests from the form; show what was imported and which lines were refused."""
    event = require_event(event_id)
    form = ImportForm()
    if not form.validate_on_submit():
        return render_template("dashboard/import.html", event=event, form=form), 400
    settings = current_app.config["SETTINGS"]
    try:
        report = guests.import_guests(
            event.id,
            uploaded_rows(form),
            region=settings.default_phone_region,
            max_rows=settings.guest_import_max_rows,
        )
    except guest_upload.GuestImportError as error:
        form.pasted.errors = [f"Nothing was imported: {error}."]
        return render_template("dashboard/import.html", event=event, form=form), 400
    return render_template("dashboard/import.html", event=event, form=form, report=report)


def spreadsheet_safe(value: Any) -> str:
    """The cell text, with formula-like text quoted so spreadsheets show it as text."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def export_line(row: Any) -> list[str]:
    """One guest as a CSV record."""
    invitation = row.Invitation
    return [
        spreadsheet_safe(row.Guest.name),
        row.Guest.phone,  # E.164: a leading + is a number to spreadsheets, never a formula
        (invitation.rsvp.value if invitation and invitation.rsvp else ""),
        (invitation.rsvp_at.isoformat() if invitation and invitation.rsvp_at else ""),
        row.bucket,
        invitation.send_state.value if invitation else "",
        str(invitation.error_code) if invitation and invitation.error_code else "",
        spreadsheet_safe(invitation.error_reason if invitation else ""),
        "yes" if row.opted_out else "no",
    ]


def export_chunks(rows: Iterable[Any]) -> Iterator[str]:
    """The CSV text in chunks: a byte-order mark (for Excel), the header, then the rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(EXPORT_HEADER)
    for count, row in enumerate(rows, start=1):
        writer.writerow(export_line(row))
        if count % SCAN_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


@bp.get("/events/<int:event_id>/guests.csv")
def export_guests(event_id: int) -> Response:
    """Stream the event's guests (the table's filters apply) with RSVP and delivery status."""
    event = require_event(event_id)
    filters = GuestFilters.from_args(request.args)
    chunks = export_chunks(filtered_guests(event.id, filters, None))
    # The generator runs after this returns: keep the app context (and the session) alive.
    response = current_app.response_class(
        stream_with_context(chunks), content_type="text/csv; charset=utf-8"
    )
    response.headers["Content-Disposition"] = f'attachment; filename="event-{event.id}-guests.csv"'
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
    flash(f"Invitation to {invitation.guest.name} queued.", "success")
    return redirect(
        safe_next(back or url_for("dashboard.event_page", event_id=invitation.event_id))
    )
