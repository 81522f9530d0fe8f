"""Read an uploaded guest list (JSON rows, a CSV or text file, an Excel .xlsx) into rows.

CSV: any common encoding (UTF-8 with or without a byte-order mark, UTF-16 from Excel's
"Unicode Text", Windows code pages such as cp1252 and cp1256, detected with
charset-normalizer), `,` `;` or tab separated (spreadsheets' `sep=;` first line is honoured).
.xlsx: the first sheet, read with python-calamine. Either way a header row names the guest's
name and phone (in en/es/pt/ar, e.g. "Nombre", "Telefone", "الجوال"; or an explicit mapping);
other columns are template variables. Line numbers are physical lines in the file (header =
1; a spreadsheet's row numbers); JSON rows are numbered from 1 in list order.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from itertools import chain
from typing import Any

import charset_normalizer
from python_calamine import CalamineError, CalamineWorkbook

VARIABLE_MAX_COUNT = 50
VARIABLE_KEY_MAX_LENGTH = 100
DELIMITERS = ",;\t"
XLSX_MAGIC = b"PK\x03\x04"
BYTE_ORDER_MARKS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
# Column titles that mean the guest's name or phone, compared without case or accents.
COLUMN_TITLES = {
    "name": ("name", "full name", "guest", "guest name", "nombre", "nombre completo",
             "invitado", "nome", "nome completo", "convidado", "الاسم", "اسم", "اسم الضيف"),
    "phone": ("phone", "phone number", "mobile", "mobile number", "cell", "cell phone",
              "whatsapp", "telephone", "tel", "telefono", "movil", "celular", "numero",
              "telefone", "telemovel", "الهاتف", "رقم الهاتف", "الجوال", "رقم الجوال",
              "الموبايل", "واتساب", "رقم"),
    "language": ("language", "lang", "idioma", "lingua", "língua", "اللغة"),
}  # fmt: skip

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
    """Why one row was not imported, and the row as it was written."""

    line: int
    reason: str
    text: str = ""


@dataclass(frozen=True, slots=True)
class RawRow:
    """One row as uploaded, before validation."""

    line: int
    name: Any
    phone: Any
    variables: dict[str, Any]
    text: str = ""
    language: Any = None


@dataclass(frozen=True)
class Sheet:
    """A guest list as read from a file: its header row and its records, lazily."""

    header: list[str]
    records: Iterator[tuple[int, list[str]]]  # (line, fields)
    source: str  # how it was read: "UTF-8, comma separated", "Excel .xlsx", ...
    separator: str = ", "


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
            fields = ("name", "phone", "language")
            variables = {k: v for k, v in item.items() if k not in fields}
            rows.append(
                RawRow(line, item.get("name"), item.get("phone"), variables,
                       language=item.get("language"))
            )  # fmt: skip
        else:
            rows.append(RowError(line, "each guest must be a JSON object with name and phone"))
    return rows


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode an uploaded text file in whatever encoding it was saved; return (text, encoding).

    A byte-order mark decides; else strict UTF-8; else charset-normalizer's best guess,
    preferring the code pages of the guests' languages among equally good ones.
    """
    for mark, encoding in BYTE_ORDER_MARKS:
        if data.startswith(mark):
            try:
                return data.decode(encoding), encoding.removesuffix("-sig")
            except UnicodeDecodeError:
                break
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    guessed = _guess_encoding(data)
    if guessed is None:
        raise MalformedUpload(
            "the file's text encoding can't be recognised; save it as 'CSV UTF-8' and upload again"
        )
    return data.decode(guessed, errors="replace"), guessed


def _guess_encoding(data: bytes) -> str | None:
    """charset-normalizer's guess, except that a Latin-script text is read as cp1252.

    Short lists of Spanish or Portuguese names read equally well in several Latin code
    pages, and charset-normalizer often takes cp1250 ("João" becomes "Joăo"); Windows in
    Western Europe and the Americas saves cp1252. Other scripts (cp1256 for Arabic, ...)
    are taken as guessed.
    """
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        return None
    letters = [c for c in str(best) if not c.isascii() and c.isalpha()]
    latin = all(unicodedata.name(c, "").startswith("LATIN") for c in letters)
    if latin:
        try:
            data.decode("cp1252")
        except UnicodeDecodeError:
            return best.encoding
        return "cp1252"
    return best.encoding


def decode_csv(data: bytes) -> str:
    """Decode an uploaded CSV in any common encoding (see `decode_text`)."""
    return decode_text(data)[0]


def read_upload(data: bytes, filename: str = "") -> Sheet:
    """Read an uploaded file: an Excel .xlsx by its content, else delimited text."""
    if not data.strip():
        raise MalformedUpload("the file is empty")
    if data.startswith(XLSX_MAGIC) or filename.lower().endswith(".xlsx"):
        return xlsx_sheet(data)
    text, encoding = decode_text(data)
    return csv_sheet(text, encoding)


def xlsx_sheet(data: bytes) -> Sheet:
    """The first sheet of an .xlsx workbook; its first non-blank row is the header."""
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        cells = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except (CalamineError, ValueError, IndexError) as error:
        raise MalformedUpload(f"the .xlsx file can't be read ({error})") from None
    records = [(line, [cell_text(cell) for cell in row]) for line, row in enumerate(cells, start=1)]
    records = [(line, fields) for line, fields in records if any(f.strip() for f in fields)]
    if not records:
        raise MalformedUpload("the spreadsheet is empty: the first row must name the columns")
    return Sheet(records[0][1], iter(records[1:]), "Excel .xlsx (first sheet)")


def cell_text(cell: Any) -> str:
    """A spreadsheet cell as text: whole numbers without ".0" (phones), dates in ISO form."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime | date | time):
        return cell.isoformat()
    return str(cell)


def csv_sheet(text: str, encoding: str = "utf-8") -> Sheet:
    """Read delimited text with a header row; `,` `;` or tab separated.

    Spreadsheets' `sep=;` first line is honoured. The header is read now; records lazily,
    so a large file is never held as rows in memory. Blank records are skipped.
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
        header = next(reader)
    except csv.Error as error:
        raise MalformedUpload(f"line {offset + 1}: {error}") from None
    names = {",": "comma", ";": "semicolon", "\t": "tab"}
    source = f"{encoding.upper()} text, {names.get(delimiter, repr(delimiter))} separated"
    separator = "\t" if delimiter == "\t" else delimiter
    return Sheet(header, _csv_records(reader, offset), source, separator)


def pasted_sheet(text: str) -> Sheet:
    """Pasted lines: a header naming the name and phone columns, or bare `name, phone` lines.

    Each line is split on its own separator (a tab when it has one, else `,` or `;`): a
    paste mixes lines copied from a spreadsheet with typed ones. Line numbers are those of
    the text.
    """
    lines = re.split(r"\r\n|\r|\n", text)
    records = [(n, _split_line(line)) for n, line in enumerate(lines, start=1) if line.strip()]
    if not records:
        raise MalformedUpload("nothing was pasted")
    if {"name", "phone"} <= guess_mapping(records[0][1]).keys():
        return Sheet(records[0][1], iter(records[1:]), "pasted lines with a header row", ",")
    return Sheet(["name", "phone"], iter(records), "pasted lines of name and phone", ",")


def _split_line(line: str) -> list[str]:
    """One pasted line's fields, split on the separator it uses."""
    delimiter = "\t" if "\t" in line else max(",;", key=line.count)
    try:
        return next(csv.reader([line], delimiter=delimiter))
    except csv.Error:
        return line.split(delimiter)


def csv_rows(text: str) -> Iterator[RawRow | RowError]:
    """Read a CSV with a header row naming `name` and `phone` (see `csv_sheet`)."""
    return sheet_rows(csv_sheet(text))


def sheet_rows(
    sheet: Sheet, mapping: Mapping[str, str] | None = None
) -> Iterator[RawRow | RowError]:
    """The guest rows of a sheet; `mapping` names the name and phone columns, else guessed."""
    columns = _Columns.from_header(sheet.header, mapping)
    return (columns.row(line, fields, sheet.separator) for line, fields in sheet.records)


def _csv_records(reader: Any, offset: int) -> Iterator[tuple[int, list[str]]]:
    """Yield the CSV's non-blank records with their physical line numbers."""
    end_of_previous = reader.line_num
    try:
        for fields in reader:
            line = end_of_previous + 1 + offset
            end_of_previous = reader.line_num
            if any(value.strip() for value in fields):
                yield line, fields
    except csv.Error as error:
        raise MalformedUpload(f"line {end_of_previous + 1 + offset}: {error}") from None


def fold_title(title: str) -> str:
    """A column title without case, accents, hamza or extra spaces, for matching."""
    decomposed = unicodedata.normalize("NFKD", title.strip().casefold())
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[_\-.:]+", " ", kept).split())


FOLDED_TITLES = {
    field: frozenset(fold_title(title) for title in titles)
    for field, titles in COLUMN_TITLES.items()
}


def guess_mapping(header: Iterable[str]) -> dict[str, str]:
    """The columns that most likely hold the name and the phone: {"name": title, ...}."""
    mapping: dict[str, str] = {}
    for title in header:
        for field, titles in FOLDED_TITLES.items():
            if field not in mapping and fold_title(title) in titles:
                mapping[field] = title.strip()
                break
    return mapping


@dataclass(frozen=True)
class _Columns:
    """Where `name`, `phone` and the template variables are in a CSV's rows."""

    width: int
    name: int
    phone: int
    variables: tuple[tuple[int, str], ...]
    language: int | None = None

    @classmethod
    def from_header(cls, header: list[str], mapping: Mapping[str, str] | None = None) -> _Columns:
        """Map a header row; a blank column title (a trailing separator) is ignored."""
        titles = [title.strip() for title in header]
        lowered = [title.lower() for title in titles]
        chosen = {**guess_mapping(titles), **(mapping or {})}
        wanted = {field: chosen.get(field, "").strip().lower() for field in ("name", "phone")}
        if not all(wanted.values()) or not all(t in lowered for t in wanted.values()):
            found = ", ".join(repr(t) for t in titles[:10] if t)
            raise MalformedUpload(
                "the header must have a name and a phone column, e.g. 'name' and 'phone'"
                f" (found: {found or 'none'})"
            )
        if wanted["name"] == wanted["phone"]:
            raise MalformedUpload("the name and the phone must be two different columns")
        duplicated = sorted({t for t in lowered if t and lowered.count(t) > 1})
        if duplicated:
            raise MalformedUpload(f"the CSV header repeats the column {duplicated[0]!r}")
        language = chosen.get("language", "").strip().lower()
        taken = {*wanted.values(), language}
        variables = tuple((i, t) for i, t in enumerate(titles) if t and lowered[i] not in taken)
        for _, title in variables:
            if problem := key_problem(title):
                raise MalformedUpload(f"the CSV header column {title[:40]!r} {problem}")
        if len(variables) > VARIABLE_MAX_COUNT:
            raise MalformedUpload(f"the CSV has more than {VARIABLE_MAX_COUNT} extra columns")
        name, phone = lowered.index(wanted["name"]), lowered.index(wanted["phone"])
        spoken = lowered.index(language) if language in lowered else None
        return cls(len(titles), name, phone, variables, spoken)

    def row(self, line: int, fields: list[str], separator: str = ",") -> RawRow | RowError:
        """Pick one record's values; extra non-blank fields beyond the header are an error."""
        text = separator.join(fields)
        if len(fields) > self.width and any(f.strip() for f in fields[self.width :]):
            return RowError(line, f"{len(fields)} fields, but the header has {self.width}", text)
        fields = fields + [""] * (self.width - len(fields))
        variables = {title: fields[index] for index, title in self.variables}
        language = fields[self.language] if self.language is not None else None
        return RawRow(line, fields[self.name], fields[self.phone], variables, text, language)


def key_problem(key: str) -> str | None:
    """Why a variable name is unusable, or None."""
    if not key.strip() or len(key) > VARIABLE_KEY_MAX_LENGTH:
        return f"must be 1 to {VARIABLE_KEY_MAX_LENGTH} characters"
    return text_problem(key)
