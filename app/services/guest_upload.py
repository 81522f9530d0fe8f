"""Read an uploaded guest list (JSON rows or a CSV file) into rows to validate.

CSV: UTF-8 with or without a byte-order mark, `,` `;` or tab separated (spreadsheets'
`sep=;` first line is honoured), a header row naming `name` and `phone`; other columns are
template variables. Line numbers are physical lines in the file (header = 1); JSON rows are
numbered from 1 in list order.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain
from typing import Any

VARIABLE_MAX_COUNT = 50
VARIABLE_KEY_MAX_LENGTH = 100
DELIMITERS = ",;\t"

# PostgreSQL refuses NUL in text and JSONB; lone surrogates can't be encoded as UTF-8.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class GuestImportError(ValueError):
    """An upload that can't be imported at all; nothing was changed."""


class MalformedUpload(GuestImportError):
    """The body is not a readable guest list (encoding, CSV structure, JSON shape)."""


class TooManyRows(GuestImportError):
    """The upload has more rows than one import accepts."""


@dataclass(frozen=True, slots=True)
class RowError:
    """Why one row was not imported."""

    line: int
    reason: str


@dataclass(frozen=True, slots=True)
class RawRow:
    """One row as uploaded, before validation."""

    line: int
    name: Any
    phone: Any
    variables: dict[str, Any]


def text_problem(value: str) -> str | None:
    """Why `value` can't be stored as text (NUL, lone surrogates), or None."""
    if _UNSTORABLE.search(value):
        return "contains characters that can't be stored (NUL or invalid Unicode)"
    return None


def json_rows(payload: Any) -> list[RawRow | RowError]:
    """Read `{"guests": [{"name", "phone", ...}]}`; a non-object entry is a row error."""
    if not isinstance(payload, dict) or not isinstance(payload.get("guests"), list):
        raise MalformedUpload('the body must be a JSON object {"guests": [...]} with a list')
    unknown = sorted(key for key in payload if key != "guests")
    if unknown:
        raise MalformedUpload(f"unknown field {unknown[0]!r}: expected only 'guests'")
    rows: list[RawRow | RowError] = []
    for line, item in enumerate(payload["guests"], start=1):
        if isinstance(item, dict):
            variables = {k: v for k, v in item.items() if k not in ("name", "phone")}
            rows.append(RawRow(line, item.get("name"), item.get("phone"), variables))
        else:
            rows.append(RowError(line, "each guest must be a JSON object with name and phone"))
    return rows


def decode_csv(data: bytes) -> str:
    """Decode an uploaded CSV as UTF-8, dropping a byte-order mark; reject other encodings."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise MalformedUpload(
            f"the CSV is not UTF-8 (invalid byte at offset {error.start});"
            " save it as 'CSV UTF-8' and upload again"
        ) from None


def csv_rows(text: str) -> Iterator[RawRow | RowError]:
    """Read a CSV with a header row naming `name` and `phone`; `,` `;` or tab separated.

    Spreadsheets' `sep=;` first line is honoured. Blank rows are skipped. The header is
    checked now; rows are read lazily, so a large file is never held as rows in memory.
    """
    lines = io.StringIO(text, newline="")
    first = lines.readline()
    offset = 0
    if first.lower().startswith("sep=") and len(first.rstrip("\r\n")) == 5:
        delimiter, first, offset = first[4], lines.readline(), 1
    else:
        delimiter = max(DELIMITERS, key=first.count)  # ties go to the comma
    if not first.strip():
        raise MalformedUpload("the CSV has no header row: the first line must name the columns")
    reader = csv.reader(chain([first], lines), delimiter=delimiter)
    try:
        columns = _Columns.from_header(next(reader))
    except csv.Error as error:
        raise MalformedUpload(f"line {offset + 1}: {error}") from None
    return _csv_records(reader, columns, offset)


def _csv_records(reader: Any, columns: _Columns, offset: int) -> Iterator[RawRow | RowError]:
    """Yield the CSV's data rows with their physical line numbers."""
    end_of_previous = reader.line_num
    try:
        for fields in reader:
            line = end_of_previous + 1 + offset
            end_of_previous = reader.line_num
            if any(value.strip() for value in fields):
                yield columns.row(line, fields)
    except csv.Error as error:
        raise MalformedUpload(f"line {end_of_previous + 1 + offset}: {error}") from None


@dataclass(frozen=True)
class _Columns:
    """Where `name`, `phone` and the template variables are in a CSV's rows."""

    width: int
    name: int
    phone: int
    variables: tuple[tuple[int, str], ...]

    @classmethod
    def from_header(cls, header: list[str]) -> _Columns:
        """Map a header row; a blank column title (a trailing separator) is ignored."""
        titles = [title.strip() for title in header]
        lowered = [title.lower() for title in titles]
        if "name" not in lowered or "phone" not in lowered:
            found = ", ".join(repr(t) for t in titles[:10] if t)
            raise MalformedUpload(
                f"the CSV header must have 'name' and 'phone' columns (found: {found or 'none'})"
            )
        duplicated = sorted({t for t in lowered if t and lowered.count(t) > 1})
        if duplicated:
            raise MalformedUpload(f"the CSV header repeats the column {duplicated[0]!r}")
        variables = tuple(
            (i, t) for i, t in enumerate(titles) if t and lowered[i] not in ("name", "phone")
        )
        for _, title in variables:
            if problem := key_problem(title):
                raise MalformedUpload(f"the CSV header column {title[:40]!r} {problem}")
        if len(variables) > VARIABLE_MAX_COUNT:
            raise MalformedUpload(f"the CSV has more than {VARIABLE_MAX_COUNT} extra columns")
        return cls(len(titles), lowered.index("name"), lowered.index("phone"), variables)

    def row(self, line: int, fields: list[str]) -> RawRow | RowError:
        """Pick one record's values; extra non-blank fields beyond the header are an error."""
        if len(fields) > self.width and any(f.strip() for f in fields[self.width :]):
            return RowError(line, f"{len(fields)} fields, but the header has {self.width}")
        fields = fields + [""] * (self.width - len(fields))
        variables = {title: fields[index] for index, title in self.variables}
        return RawRow(line, fields[self.name], fields[self.phone], variables)


def key_problem(key: str) -> str | None:
    """Why a variable name is unusable, or None."""
    if not key.strip() or len(key) > VARIABLE_KEY_MAX_LENGTH:
        return f"must be 1 to {VARIABLE_KEY_MAX_LENGTH} characters"
    return text_problem(key)
