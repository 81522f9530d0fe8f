"""Guest import: a preview of what a file or paste would do, then the import itself.

The preview runs the whole import and rolls it back, so its numbers are the import's; the
upload waits in Redis (`pending_uploads`, a few per user, for 15 minutes) until the
organiser imports it, with the column mapping, the country of national numbers (the
event's unless switched) and the text encoding (detected unless switched) they chose.
Files are read in a child process within a budget (`app.services.sheets`): a file over it
is refused (413) with what was over.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.dashboard import bp
from app.dashboard.events import LANGUAGE_LABELS
from app.dashboard.forms import ImportForm
from app.dashboard.guests import require_event
from app.i18n import language
from app.models import Event
from app.services import countries, guest_upload, guests
from app.services.pending_uploads import PendingUpload, drop_upload, find_upload, keep_upload
from app.services.sheets.encodings import ENCODING_CHOICES
from app.services.sheets.limits import Budget, OverBudget, SheetError
from app.services.sheets.reader import Table

EXPIRED = _l(
    "this preview has expired (15 minutes after it was made, or after three newer ones);"
    " choose the file again"
)


def form_upload(form: ImportForm) -> PendingUpload:
    """The uploaded file or the pasted text of a validated form."""
    if form.file.data and form.file.data.filename:
        return PendingUpload(form.file.data.read(), form.file.data.filename, pasted=False)
    return PendingUpload((form.pasted.data or "").encode(), "", pasted=True)


def upload_table(upload: PendingUpload, country: str) -> Table:
    """Read an upload: pasted lines, a text file (in the encoding the organiser chose, else
    the one it reads in best for `country`), or an .xlsx workbook."""
    budget = Budget(max_rows=current_app.config["SETTINGS"].guest_import_max_rows)
    return guest_upload.read_upload(
        upload.data,
        budget,
        filename=upload.filename,
        pasted=upload.pasted,
        encoding=chosen_encoding(),
        countries=(country,),
    )


def default_region() -> str:
    """The service's DEFAULT_PHONE_REGION."""
    region: str = current_app.config["SETTINGS"].default_phone_region
    return region


def chosen_country(event: Event) -> str:
    """The country the preview reads national numbers in: the one chosen, else the event's."""
    picked = request.form.get("country", "").strip().upper()
    if countries.is_country(picked):
        return picked
    return countries.event_country(event, default_region())


def chosen_encoding() -> str | None:
    """The text encoding the organiser chose in the preview, or None to detect it."""
    picked = request.form.get("encoding", "")
    return picked if picked in ENCODING_CHOICES else None


def chosen_mapping() -> dict[str, str]:
    """The name and phone columns the organiser picked in the preview, if any."""
    picked = {field: request.form.get(f"{field}_column", "") for field in ("name", "phone")}
    return {field: title for field, title in picked.items() if title}


def run_import(
    event: Event, table: Table, mapping: dict[str, str], country: str, dry_run: bool
) -> guests.ImportReport:
    """Import (or try) a table into the event, reading national numbers in `country`, within
    the row limit."""
    settings = current_app.config["SETTINGS"]
    return guests.import_guests(
        event.id,
        guest_upload.table_rows(table, mapping),
        region=country,
        max_rows=settings.guest_import_max_rows,
        dry_run=dry_run,
        likely=countries.likely_countries(event, default_region()),
    )


def refused_lines(table: Table, errors: Iterable[guest_upload.RowError]) -> str:
    """The refused lines of a paste, under its header if it had one, to fix and send again."""
    lines = [error.text for error in errors]
    if lines and table.header != ["name", "phone"]:
        lines.insert(0, ", ".join(table.header))
    return "\n".join(lines)


def refused(
    event: Event, form: ImportForm, error: str | SheetError, upload: PendingUpload | None = None
) -> ResponseReturnValue:
    """The import page again, saying why nothing was imported, under the field the organiser
    used (413 for a file over budget)."""
    field = form.file if upload is not None and not upload.pasted else form.pasted
    field.errors = [_("Nothing was imported: %(reason)s.", reason=error)]
    status = 413 if isinstance(error, OverBudget) else 400
    return render_template("dashboard/import.html", event=event, form=form), status


def submitted_upload(
    event: Event, form: ImportForm, token: str
) -> tuple[PendingUpload | None, ResponseReturnValue]:
    """The upload a previewed `token` names, else the form's file or paste; else the page."""
    if token:
        upload = find_upload(current_user.id, event.id, token)
        if upload is None:
            return None, refused(event, ImportForm(formdata=None), str(EXPIRED))
        return upload, ""
    if form.validate_on_submit():
        return form_upload(form), ""
    return None, (render_template("dashboard/import.html", event=event, form=form), 400)


@bp.post("/events/<int:event_id>/guests/preview")
def preview_import(event_id: int) -> ResponseReturnValue:
    """Show what importing the file or paste would do: columns, first rows, refused lines."""
    event = require_event(event_id)
    form = ImportForm()
    token = request.form.get("token", "")
    upload, answer = submitted_upload(event, form, token)
    if upload is None:
        return answer
    country = chosen_country(event)
    try:
        table = upload_table(upload, country)
    except SheetError as error:
        return refused(event, form, error, upload)
    token = token or keep_upload(current_user.id, event.id, upload)
    mapping = {**guest_upload.guess_mapping(table.header), **chosen_mapping()}
    report, problem = None, None
    try:
        report = run_import(event, table, mapping, country, dry_run=True)
    except SheetError as error:
        problem = str(error)
    return render_template(
        "dashboard/import_preview.html",
        event=event,
        token=token,
        sheet=table,
        mapping=mapping,
        report=report,
        problem=problem,
        country=country,
        event_country=countries.event_country(event, default_region()),
        countries=countries.country_choices(language()),
        encoding=chosen_encoding(),
        encodings=ENCODING_CHOICES,
        languages=LANGUAGE_LABELS,
    ), (200 if report else 400)


@bp.post("/events/<int:event_id>/guests")
def import_guests(event_id: int) -> ResponseReturnValue:
    """Import guests from the form or a previewed upload; show what was imported and refused."""
    event = require_event(event_id)
    form = ImportForm()
    token = request.form.get("token", "")
    upload, answer = submitted_upload(event, form, token)
    if upload is None:
        return answer
    country = chosen_country(event)
    try:
        table = upload_table(upload, country)
        report = run_import(event, table, chosen_mapping(), country, dry_run=False)
    except SheetError as error:
        return refused(event, form, error, upload)
    if token:
        drop_upload(current_user.id, event.id, token)
    again = ImportForm(formdata=None)
    if upload.pasted:
        again.pasted.data = refused_lines(table, report.errors)
    return render_template(
        "dashboard/import.html", event=event, form=again, report=report, source=table.source
    )
