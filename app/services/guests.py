"""Import an event's guests from JSON rows or a CSV file: validate, normalise, dedupe, insert.

Rules, as the API documents them:
- Each row needs a `name` (trimmed, 1-200 characters, any script kept byte for byte) and a
  `phone` (normalised to E.164; national numbers read in the event's country). A national
  number refused there says what it probably is ("a Spanish number? +34 631 93 14 91").
- A `language` the service does not write in imports the guest in their phone's country's
  (else English), and the line is listed in `warnings`.
- Any other field or CSV column becomes a template variable, stored as a string.
- A phone already seen in the same upload, or already a guest of the event, is a duplicate:
  the existing guest is kept unchanged and the row is counted in `duplicates`.
- A bad row is reported with its line (CSV: physical line in the file, header = 1; JSON:
  1-based index in the list) and the other rows are still imported.
- Names and text variables garbled by another tool (UTF-8 read as a Windows code page:
  "JosÃ©", "Ø£Ø­Ù…Ø¯") are repaired with ftfy, and the repaired rows are reported.
- The whole upload is one transaction: a malformed file (unreadable encoding, broken CSV
  quoting, too many rows) changes nothing; a dry run (the preview) rolls back.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any, cast

import ftfy
from flask_babel import gettext as _
from sqlalchemy import Table, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from app.config import LANGUAGES
from app.extensions import db
from app.models import Event, Guest
from app.services import parties, user_text
from app.services.countries import NumberHints, number_of
from app.services.guest_upload import (
    VARIABLE_KEY_MAX_LENGTH,
    VARIABLE_MAX_COUNT,
    RawRow,
    RowError,
    key_problem,
    key_too_long,
    text_problem,
)
from app.services.language_names import read_language
from app.services.phones import InvalidPhoneNumber, to_e164
from app.services.sheets.limits import TooManyRows

log = logging.getLogger(__name__)

NAME_MAX_LENGTH = 200
VARIABLE_MAX_LENGTH = 1000
DEFAULT_MAX_ROWS = 100_000
# Errors listed in a report; `error_count` still counts them all.
MAX_REPORTED_ERRORS = 1000
# Rows the preview shows.
SAMPLE_ROWS = 10
# Rows per INSERT statement.
CHUNK_SIZE = 1000
# Rows parsed between two yields to other requests under gevent (about 10 ms of CPU).
YIELD_EVERY = 200

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True, slots=True)
class Repair:
    """A value whose mojibake was repaired."""

    line: int
    before: str
    after: str


@dataclass
class ImportReport:
    """What an import did: `{"imported", "duplicates", "errors", "repaired", ...}`."""

    imported: int = 0
    duplicates: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    repaired: list[Repair] = field(default_factory=list)
    repaired_count: int = 0
    # Rows imported with a detail changed (an unknown language): what was done instead.
    warnings: list[RowError] = field(default_factory=list)
    warning_count: int = 0
    # The first rows to be imported, for the preview.
    sample: list[dict[str, Any]] = field(default_factory=list)

    def add_repairs(self, repairs: list[Repair]) -> None:
        """Count repaired values, listing them while the list is short enough to return."""
        self.repaired_count += len(repairs)
        self.repaired.extend(repairs[: max(0, MAX_REPORTED_ERRORS - len(self.repaired))])

    def add_error(self, error: RowError) -> None:
        """Count a bad row, listing it while the list is short enough to return."""
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(error)

    def add_warning(self, warning: RowError) -> None:
        """Count a row imported with a warning, listing it while the list is short enough."""
        self.warning_count += 1
        if len(self.warnings) < MAX_REPORTED_ERRORS:
            self.warnings.append(warning)

    def as_json(self) -> dict[str, Any]:
        """The report as the API returns it."""
        return {
            "imported": self.imported,
            "duplicates": self.duplicates,
            "errors": [{"line": e.line, "reason": e.reason, "text": e.text} for e in self.errors],
            "error_count": self.error_count,
            "repaired": [
                {"line": r.line, "before": r.before, "after": r.after} for r in self.repaired
            ],
            "repaired_count": self.repaired_count,
            "warnings": [
                {"line": w.line, "reason": w.reason, "text": w.text} for w in self.warnings
            ],
            "warning_count": self.warning_count,
        }


class NameProblem(ValueError):
    """What is wrong with a name: its English words after "name" (`str`), and `sentence`, the
    whole of it in the page's language ("name is empty")."""

    def __init__(self, words: str, sentence: str) -> None:
        super().__init__(words)
        self.sentence = sentence


def clean_name(value: str) -> str:
    """Return a trimmed display name; raise NameProblem saying what is wrong with it."""
    name = value.strip()
    if not name:
        raise NameProblem("is empty", _("name is empty"))
    if len(name) > NAME_MAX_LENGTH:
        raise NameProblem(
            f"is longer than {NAME_MAX_LENGTH} characters",
            _("name is longer than %(limit)s characters", limit=NAME_MAX_LENGTH),
        )
    if text_problem(name) or _CONTROL.search(name):
        raise NameProblem("contains control characters", _("name contains control characters"))
    if not user_text.has_visible_text(name):
        raise NameProblem(
            "has no visible characters (only spaces, zero-width or bidi controls)",
            _("name has no visible characters (only spaces, zero-width or bidi controls)"),
        )
    return name


def import_guests(
    event_id: int,
    rows: Iterable[RawRow | RowError],
    region: str,
    max_rows: int = DEFAULT_MAX_ROWS,
    dry_run: bool = False,
    *,
    likely: tuple[str, ...] = (),
) -> ImportReport:
    """Validate and insert `rows` as guests of the event, in one transaction.

    National numbers are read in `region`; one refused there is tried in the `likely`
    countries first (`countries.NumberHints`) for the refusal's hint. A dry run does
    everything, then rolls back: the report says exactly what an import would do, and
    nothing is written.

    Raises:
        LookupError: the event does not exist.
        TooManyRows: more than `max_rows` rows; nothing is kept.
    """
    try:
        report = _import(event_id, rows, NumberHints(region, likely), max_rows)
    except BaseException:
        db.session.rollback()
        raise
    if dry_run:
        db.session.rollback()
        return report
    db.session.commit()
    log.info(
        "imported guests into event %s: %s new, %s duplicates, %s errors",
        event_id,
        report.imported,
        report.duplicates,
        report.error_count,
    )
    return report


def _import(
    event_id: int, rows: Iterable[RawRow | RowError], hints: NumberHints, max_rows: int
) -> ImportReport:
    """Run the import inside the caller's transaction."""
    # Hold the event for the transaction so it can't be deleted under the inserts.
    locked = select(Event.id).where(Event.id == event_id).with_for_update(key_share=True)
    if db.session.execute(locked).scalar() is None:
        raise LookupError(f"event {event_id} does not exist")
    report = ImportReport()
    seen: set[str] = set()
    chunk: list[dict[str, Any]] = []
    for count, uploaded in enumerate(rows, start=1):
        if count > max_rows:
            raise TooManyRows(
                _("an import takes at most %(limit)s rows; split the file", limit=max_rows)
            )
        row = uploaded
        if isinstance(row, RawRow):
            row, repairs = repair_row(row)
            report.add_repairs(repairs)
        # Hints cost a parse per likely country: only for the refusals the report lists.
        listed = hints if len(report.errors) < MAX_REPORTED_ERRORS else None
        checked = row if isinstance(row, RowError) else _check_row(row, hints.region, listed)
        if isinstance(checked, RowError):
            report.add_error(checked)
        elif checked["phone"] in seen:
            report.duplicates += 1
        else:
            _accept(checked, row, hints, report)
            seen.add(checked["phone"])
            chunk.append({"event_id": event_id, **checked})
            if len(report.sample) < SAMPLE_ROWS:
                report.sample.append({"line": row.line, **checked})
        if len(chunk) >= CHUNK_SIZE:
            _flush(chunk, report)
        if count % YIELD_EVERY == 0:
            _yield_to_event_loop()
    _flush(chunk, report)
    return report


def _accept(
    checked: dict[str, Any], row: RawRow | RowError, hints: NumberHints, report: ImportReport
) -> None:
    """Take a new guest's row: report its warning, if any, and count its phone's country."""
    if warning := checked.pop("warning"):
        report.add_warning(RowError(row.line, warning, row.text))
    hints.note(checked["phone"])


def _check_row(row: RawRow, region: str, hints: NumberHints | None) -> dict[str, Any] | RowError:
    """Return the guest's columns and a `warning` (or None), or why the row is rejected."""
    try:
        phone = _check_phone(row.phone, region, hints)
        language, warning = read_language(row.language, phone)
        return {
            "name": _check_name(row.name),
            "phone": phone,
            "variables": _check_variables(row.variables),
            "language": language,
            "plus_ones": _check_plus_ones(row.plus_ones),
            "warning": warning,
        }
    except ValueError as error:
        return RowError(row.line, str(error), row.text)


def _check_plus_ones(raw: Any) -> int | None:
    """The guest's own allowance (blank: the event's); ValueError when it is not 0-99."""
    return None if _is_blank(raw) else parties.check_plus_ones(raw, text=True)


def repair_text(value: Any) -> Any:
    """The value with mojibake undone (ftfy), or the value itself."""
    if not isinstance(value, str) or value.isascii():
        return value  # the common case, without ftfy's work
    return ftfy.fix_encoding(value)


def repair_row(row: RawRow) -> tuple[RawRow, list[Repair]]:
    """The row with its name and text variables repaired, and what was repaired."""
    repairs = []
    name = repair_text(row.name)
    if name != row.name:
        repairs.append(Repair(row.line, row.name, name))
    variables = {}
    for key, value in row.variables.items():
        variables[key] = repair_text(value)
        if variables[key] != value:
            repairs.append(Repair(row.line, value, variables[key]))
    if not repairs:
        return row, repairs
    return replace(row, name=name, variables=variables), repairs


def _is_blank(value: Any) -> bool:
    """Whether a field is absent: null, or only whitespace."""
    return value is None or (isinstance(value, str) and not value.strip())


def _check_name(raw: Any) -> str:
    """Return the trimmed name; raise ValueError with the reason."""
    if _is_blank(raw):
        raise ValueError(_("name is missing"))
    if not isinstance(raw, str):
        raise ValueError(_("name must be text"))
    try:
        return clean_name(raw)
    except NameProblem as error:
        raise ValueError(error.sentence) from None


def _check_phone(raw: Any, region: str, hints: NumberHints | None = None) -> str:
    """Return the E.164 number; raise ValueError with the reason (and, given `hints`, what
    a national number refused in `region` probably is)."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)  # JSON exported from spreadsheets writes numbers as numbers
    if _is_blank(raw):
        raise ValueError(_("phone is missing"))
    if not isinstance(raw, str):
        raise ValueError(_("phone must be text"))
    try:
        return to_e164(raw, region)
    except InvalidPhoneNumber as error:
        shown = raw.strip() if len(raw.strip()) <= 40 else raw.strip()[:40] + "..."
        values = {"phone": repr(shown), "reason": error.reason}
        if hints is not None and (hint := hints.hint(raw)):
            raise ValueError(
                _(
                    "phone %(phone)s is invalid: %(reason)s (read as %(number)s); %(hint)s",
                    number=number_of(region),
                    hint=hint,
                    **values,
                )
            ) from None
        raise ValueError(_("phone %(phone)s is invalid: %(reason)s", **values)) from None


def check_fields(
    values: dict[str, Any], region: str, hints: NumberHints | None = None
) -> dict[str, Any]:
    """Check a guest's corrected `name`, `phone` and `variables` (those given) as an import
    checks a row's (a refused national number hinted at with `hints`), and return them as
    it stores them; ValueError says what is wrong."""
    checked: dict[str, Any] = {}
    if "name" in values:
        checked["name"] = _check_name(values["name"])
    if "phone" in values:
        checked["phone"] = _check_phone(values["phone"], region, hints)
    if "variables" in values:
        checked["variables"] = _check_variables(values["variables"])
    return checked


def set_language(guest_id: int, language: str) -> Guest | None:
    """Set a guest's language (one of LANGUAGES); None when there is no such guest."""
    if language not in LANGUAGES:
        raise ValueError(_("language must be one of %(languages)s", languages=", ".join(LANGUAGES)))
    guest = db.session.get(Guest, guest_id) if 0 < guest_id <= 2**31 - 1 else None
    if guest is None:
        return None
    guest.language = language
    db.session.commit()
    return guest


def _check_variables(values: dict[str, Any]) -> dict[str, str]:
    """Return the template variables as strings (nulls dropped); raise ValueError if unusable."""
    if len(values) > VARIABLE_MAX_COUNT:
        raise ValueError(_("more than %(limit)s extra fields", limit=VARIABLE_MAX_COUNT))
    variables = {}
    for key, value in values.items():
        if value is None:
            continue
        shown = repr(key[:40])
        if key_problem(key):
            if key_too_long(key):
                raise ValueError(
                    _(
                        "field name %(key)s must be 1 to %(limit)s characters",
                        key=shown,
                        limit=VARIABLE_KEY_MAX_LENGTH,
                    )
                )
            raise ValueError(
                _(
                    "field name %(key)s contains characters that can't be stored (NUL or invalid"
                    " Unicode)",
                    key=shown,
                )
            )
        if isinstance(value, dict | list):
            raise ValueError(_("%(key)s must be text, a number or a boolean", key=shown))
        text = value if isinstance(value, str) else json.dumps(value)
        if len(text) > VARIABLE_MAX_LENGTH:
            raise ValueError(
                _(
                    "%(key)s is longer than %(limit)s characters",
                    key=shown,
                    limit=VARIABLE_MAX_LENGTH,
                )
            )
        if text_problem(text):
            raise ValueError(
                _(
                    "%(key)s contains characters that can't be stored (NUL or invalid Unicode)",
                    key=shown,
                )
            )
        variables[key] = text
    return variables


def _flush(chunk: list[dict[str, Any]], report: ImportReport) -> None:
    """Insert the pending guests; phones already in the event are counted as duplicates."""
    if chunk:
        table = cast(Table, Guest.__table__)
        statement = (
            pg_insert(table)
            .on_conflict_do_nothing(index_elements=["event_id", "phone"])
            .returning(table.c.id)
        )
        inserted = len(db.session.execute(statement, chunk).all())
        report.imported += inserted
        report.duplicates += len(chunk) - inserted
        chunk.clear()


def _yield_to_event_loop() -> None:
    """Under gevent (the web worker), let other greenlets run between rows of CPU work."""
    from gevent import monkey

    if monkey.is_module_patched("socket"):
        import gevent

        # sleep(0) may resume this greenlet before the loop polls sockets; a positive sleep
        # waits for the next loop iteration, so requests that arrived meanwhile get served.
        gevent.sleep(0.001)
