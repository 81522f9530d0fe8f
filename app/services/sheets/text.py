"""Delimited text (CSV, tab separated) in any common encoding, and pasted lines, as records.

Encodings: a byte-order mark decides (UTF-8, UTF-16 from Excel's "Unicode Text"); else strict
UTF-8; else the code page the file reads in, weighed by the countries it comes from
(`encodings.guess_encoding`: Windows code pages such as cp1252 and cp1256).
Separators: `,` `;` or tab, guessed from the header line; a spreadsheet's `sep=;` first line
is honoured. Line numbers are physical lines in the file (header = 1). Every check is
linear in the size of the text.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from itertools import chain

from app.services.sheets.encodings import guess_encoding
from app.services.sheets.limits import N_, Budget, OverBudget, Unreadable

Record = tuple[int, list[str]]

DELIMITERS = ",;\t"
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
BYTE_ORDER_MARKS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def decode_text(data: bytes, countries: Sequence[str] = ()) -> tuple[str, str]:
    """Decode a text file in whatever encoding it was saved, expecting the scripts of
    `countries` (the event's); return (text, encoding)."""
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
    guessed = guess_encoding(data, countries)
    if guessed is None:
        raise Unreadable(
            N_(
                "the file's text encoding can't be recognised; save it as 'CSV UTF-8' and upload"
                " again"
            )
        )
    return data.decode(guessed, errors="replace"), guessed


def delimited_records(text: str, budget: Budget) -> tuple[str, str, Iterator[Record]]:
    """Read delimited text whose first line is the header: (separator, source, records).

    The header is the first record. Records are read lazily; blank ones are skipped.
    """
    lines = io.StringIO(text, newline="")
    first = lines.readline()
    offset = 0
    if first.lower().startswith("sep=") and len(first.rstrip("\r\n")) == 5:
        delimiter, first, offset = first[4], lines.readline(), 1
    else:
        delimiter = max(DELIMITERS, key=first.count)  # ties go to the comma
    if not first.strip():
        raise Unreadable(N_("the CSV has no header row: the first line must name the columns"))
    csv.field_size_limit(budget.max_cell_chars)
    reader = csv.reader(chain([first], lines), delimiter=delimiter)
    name = DELIMITER_NAMES.get(delimiter, repr(delimiter))
    return delimiter, f"{name} separated", _records(reader, offset, budget)


def _records(reader: Iterator[list[str]], offset: int, budget: Budget) -> Iterator[Record]:
    """Yield the non-blank records with their physical line numbers."""
    end_of_previous = 0
    try:
        for fields in reader:
            line = end_of_previous + 1 + offset
            end_of_previous = reader.line_num  # type: ignore[attr-defined]
            if any(value.strip() for value in fields):
                budget.check_width(
                    len(fields), ("header", "") if line == 1 + offset else ("line", str(line))
                )
                yield line, fields
    except csv.Error as error:
        line = end_of_previous + 1 + offset
        if "field larger than field limit" in str(error):
            raise OverBudget(
                N_("line %(line)s has a field longer than %(limit)s characters"),
                line=line,
                limit=f"{budget.max_cell_chars:,}",
            ) from None
        raise Unreadable(N_("line %(line)s: %(error)s"), line=line, error=str(error)) from None


def pasted_records(text: str, budget: Budget) -> Iterator[Record]:
    """Pasted lines, each split on its own separator (a tab when it has one, else `,` or `;`).

    A paste mixes lines copied from a spreadsheet with typed ones. Line numbers are those of
    the text.
    """
    csv.field_size_limit(budget.max_cell_chars)
    for number, line in enumerate(re.split(r"\r\n|\r|\n", text), start=1):
        if line.strip():
            fields = _split_line(line)
            budget.check_width(len(fields), ("line", str(number)))
            for field in fields:
                budget.check_cell(field, ("line", str(number)))
            yield number, fields


def _split_line(line: str) -> list[str]:
    """One pasted line's fields, split on the separator it uses."""
    delimiter = "\t" if "\t" in line else max(",;", key=line.count)
    try:
        return next(csv.reader([line], delimiter=delimiter))
    except csv.Error:
        return line.split(delimiter)
