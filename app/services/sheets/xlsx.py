"""The first sheet of an Excel .xlsx workbook as records of text, streamed within a budget.

An .xlsx is a zip of XML parts: the workbook names its sheets, a sheet holds cells that point
into a table of shared texts, and the styles say which numbers are dates. The reader never
builds the sheet's grid, so the area a sheet declares costs nothing: it streams the XML,
drops each element once read, keeps only the cells that hold a value, and stops at the
first thing over the budget (XML that inflates past it, a value beyond the last column
allowed, too many shared texts, a cell longer than Excel allows).
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO
from xml.etree import ElementTree

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from app.services.sheets.limits import MB, N_, Budget, OverBudget, Unreadable, Where

Record = tuple[int, list[str]]
Element = ElementTree.Element

CELL_REFERENCE = re.compile(r"([A-Z]{1,3})[0-9]{1,7}")
# Number formats that Excel shows as dates or times (ECMA-376 18.8.30), CJK ones included.
DATE_FORMAT_IDS = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])
# The parts of a format code that say nothing about dates: literal text, escaped characters,
# and brackets (colours, conditions, locales) other than elapsed time ([h], [mm], [ss]).
FORMAT_NOISE = re.compile(r'"[^"]*"|\\.|\[(?![hms]+\])[^\]]*\]', re.IGNORECASE)
DATE_LETTERS = re.compile(r"[dmyhs]", re.IGNORECASE)
EPOCH_1900 = datetime(1899, 12, 30)
EPOCH_1904 = datetime(1904, 1, 1)
LAST_SERIAL = 2_958_465  # 9999-12-31
NOT_A_WORKBOOK = N_("the file is not an Excel .xlsx workbook; save it as .xlsx or CSV")
UNREADABLE = N_("the .xlsx file can't be read (%(problem)s)")


def xlsx_records(data: bytes, budget: Budget) -> Iterator[Record]:
    """The first sheet's non-blank rows as (row number, cells as text), the header first."""
    archive = Archive(data, budget)
    book = Book.open(archive)
    return _sheet_records(archive, book, budget)


class Archive:
    """A workbook's zip, whose XML parts are opened within the budget's inflated size."""

    def __init__(self, data: bytes, budget: Budget) -> None:
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, ValueError, EOFError) as error:
            raise Unreadable(UNREADABLE, problem=str(error)) from None
        self.budget = budget
        self.inflated = 0

    def has(self, part: str) -> bool:
        """Whether the archive holds `part`."""
        return part in self.zip.NameToInfo

    def open(self, part: str) -> IO[bytes]:
        """Open `part` for reading, counting its inflated size against the budget.

        The size is the one the archive declares; zipfile never inflates past it.
        """
        try:
            info = self.zip.getinfo(part)
        except KeyError:
            if part.startswith("xl/"):
                raise Unreadable(NOT_A_WORKBOOK) from None
            raise Unreadable(N_("no %(part)s"), part=part) from None
        self.inflated += info.file_size
        if self.inflated > self.budget.max_inflated_bytes:
            raise OverBudget(
                N_(
                    "the workbook inflates to more than %(limit)s MB of XML (%(part)s alone is"
                    " %(size)s MB)"
                ),
                limit=self.budget.max_inflated_bytes // MB,
                part=part,
                size=f"{info.file_size / MB:,.0f}",
            )
        return self.zip.open(info)

    def elements(self, part: str, wanted: frozenset[str]) -> Iterator[tuple[str, Element, str]]:
        """Yield (name, element, parent's name) for each element of `part` named in `wanted`,
        complete, then drop it from the tree.

        Every other element is dropped when it ends too (unless it is inside a wanted one),
        so memory stays at the depth of the XML, whatever its length. Names are local
        (without namespace), so strict and transitional OOXML read the same.
        """
        stack: list[Element] = []
        inside = 0
        with self.open(part) as stream:
            try:
                for event, element in iterparse(stream, ("start", "end"), forbid_dtd=True):
                    name = local_name(element.tag)
                    if event == "start":
                        stack.append(element)
                        inside += name in wanted
                        continue
                    stack.pop()
                    parent = stack[-1] if stack else None
                    if name in wanted:
                        inside -= 1
                        yield name, element, local_name(parent.tag) if parent is not None else ""
                    if parent is not None and (name in wanted or not inside):
                        parent.remove(element)
            except (ElementTree.ParseError, DefusedXmlException) as error:
                raise Unreadable(UNREADABLE, problem=f"{part}: {error}") from None
            except (zipfile.BadZipFile, zlib.error, EOFError) as error:
                raise Unreadable(UNREADABLE, problem=f"{part}: {error}") from None


def local_name(tag: str) -> str:
    """An XML tag without its namespace."""
    return tag.rpartition("}")[2]


def relationships(archive: Archive, part: str) -> dict[str, tuple[str, str]]:
    """A part's relationships: id -> (type's last word, the target's path in the archive)."""
    folder, name = posixpath.split(part)
    listing = posixpath.join(folder, "_rels", f"{name}.rels")
    if not archive.has(listing):
        return {}
    found = {}
    for _, element, _ in archive.elements(listing, frozenset({"Relationship"})):
        target = element.get("Target", "")
        if element.get("TargetMode") == "External":
            continue
        path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
        kind = element.get("Type", "").rsplit("/", 1)[-1]
        found[element.get("Id", "")] = (kind, posixpath.normpath(path))
    return found


@dataclass(frozen=True)
class Book:
    """What reading the first sheet needs from the workbook."""

    sheet: str
    strings: Sequence[str]
    date_styles: frozenset[int]
    epoch: datetime

    @classmethod
    def open(cls, archive: Archive) -> Book:
        """Find the first sheet (in the workbook's order) and read the texts and styles."""
        main = relationships(archive, "").values()
        workbook = next((path for kind, path in main if kind == "officeDocument"), None)
        parts = relationships(archive, workbook or "xl/workbook.xml")
        sheet_id, date1904 = _first_sheet(archive, workbook or "xl/workbook.xml")
        if sheet_id not in parts:
            raise Unreadable(N_("the workbook has no sheet"))
        by_kind = {kind: path for kind, path in parts.values()}
        strings_part, styles_part = by_kind.get("sharedStrings"), by_kind.get("styles")
        return cls(
            sheet=parts[sheet_id][1],
            strings=_shared_strings(archive, strings_part) if strings_part else (),
            date_styles=_date_styles(archive, styles_part) if styles_part else frozenset(),
            epoch=EPOCH_1904 if date1904 else EPOCH_1900,
        )


def _first_sheet(archive: Archive, workbook: str) -> tuple[str | None, bool]:
    """The relationship id of the workbook's first sheet, and whether dates count from 1904."""
    date1904 = False
    for name, element, _ in archive.elements(workbook, frozenset({"workbookPr", "sheet"})):
        if name == "workbookPr":
            date1904 = element.get("date1904", "").lower() in ("1", "true")
            continue
        ids = (value for key, value in element.attrib.items() if local_name(key) == "id")
        return next(ids, None), date1904
    return None, date1904


def _shared_strings(archive: Archive, part: str) -> list[str]:
    """The workbook's table of shared texts, each checked against the cell budget."""
    budget = archive.budget
    strings: list[str] = []
    for _, item, _ in archive.elements(part, frozenset({"si"})):
        if len(strings) == budget.max_shared_strings:
            raise OverBudget(
                N_("the workbook holds more than %(limit)s different texts"),
                limit=f"{budget.max_shared_strings:,}",
            )
        text = rich_text(item)
        budget.check_cell(text, ("text", f"{len(strings) + 1:,}"))
        strings.append(text)
    return strings


def rich_text(item: Element) -> str:
    """The text of a shared or inline string: its `t`, or its runs' `t` (no phonetic runs)."""
    parts = []
    for child in item:
        name = local_name(child.tag)
        if name == "t":
            parts.append(child.text or "")
        elif name == "r":
            parts.extend(t.text or "" for t in child if local_name(t.tag) == "t")
    return "".join(parts)


def _date_styles(archive: Archive, part: str) -> frozenset[int]:
    """The cell styles (indexes into `cellXfs`) whose number format shows a date or time."""
    codes: dict[int, str] = {}
    formats: list[int] = []
    for name, element, parent in archive.elements(part, frozenset({"numFmt", "xf"})):
        number = _integer(element.get("numFmtId", "0"))
        if name == "numFmt":
            codes[number] = element.get("formatCode", "")
        elif parent == "cellXfs":
            formats.append(number)
    return frozenset(
        style for style, number in enumerate(formats) if is_date_format(number, codes.get(number))
    )


def is_date_format(number: int, code: str | None) -> bool:
    """Whether a number format shows a date or time: a built-in one, or a code with d, m, y,
    h or s outside literal text (only its first section counts)."""
    if code is None:
        return number in DATE_FORMAT_IDS
    return bool(DATE_LETTERS.search(FORMAT_NOISE.sub("", code.split(";")[0])))


def _integer(text: str) -> int:
    """An integer attribute, or Unreadable."""
    try:
        return int(text)
    except ValueError:
        raise Unreadable(
            N_("the .xlsx file can't be read (a number is %(number)s)"), number=repr(text[:20])
        ) from None


def _sheet_records(archive: Archive, book: Book, budget: Budget) -> Iterator[Record]:
    """The sheet's rows that hold a value, each as the cells from column A to its last value."""
    cells: dict[int, str] = {}
    row = column = 0
    for name, element, _ in archive.elements(book.sheet, frozenset({"c", "row"})):
        if name == "row":
            row = _integer(element.get("r") or str(row + 1))
            column = 0
            if cells:
                yield row, [cells.get(index, "") for index in range(1, max(cells) + 1)]
                cells = {}
            continue
        reference = element.get("r")
        column = column_number(reference) if reference else column + 1
        text = cell_text(element, book)
        if text.strip():
            where = ("cell", str(reference or column))
            _check_column(column, where, budget)
            budget.check_cell(text, where)
            cells[column] = text


def _check_column(column: int, where: Where, budget: Budget) -> None:
    """Refuse a value beyond the budget's last column, saying where it is (a cell)."""
    if column > budget.max_columns:
        raise OverBudget(
            N_(
                "cell %(place)s holds a value, in column %(column)s; a guest list has at most"
                " %(limit)s columns: clear the cells beyond the guests' columns and save the"
                " file again"
            ),
            place=where[1],
            column=f"{column:,}",
            limit=budget.max_columns,
        )


def column_number(reference: str) -> int:
    """The column of a cell reference such as "AB12", counted from 1."""
    match = CELL_REFERENCE.fullmatch(reference)
    if match is None:
        raise Unreadable(
            N_("the .xlsx file can't be read (a cell is at %(reference)s)"),
            reference=repr(reference[:20]),
        )
    number = 0
    for letter in match.group(1):
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def cell_text(cell: Element, book: Book) -> str:
    """A cell's value as text: shared and inline texts, booleans, numbers, dates."""
    kind = cell.get("t", "n")
    children = {local_name(child.tag): child for child in cell}
    value = children["v"].text if "v" in children else None
    if kind == "inlineStr":
        return rich_text(children["is"]) if "is" in children else ""
    if value is None:
        return ""
    if kind == "s":
        index = _integer(value)
        if not 0 <= index < len(book.strings):
            raise Unreadable(
                N_("the .xlsx file can't be read (a cell refers to text %(number)s)"),
                number=index + 1,
            )
        return book.strings[index]
    if kind == "b":
        return "TRUE" if value == "1" else "FALSE"
    if kind in ("str", "e", "d"):
        return value
    is_date = _integer(cell.get("s", "0")) in book.date_styles
    return number_text(value, book.epoch if is_date else None)


def number_text(value: str, epoch: datetime | None) -> str:
    """A number as a person reads it: whole numbers without ".0" (phones), dates in ISO form."""
    try:
        number = float(value)
    except ValueError:
        return value
    if epoch is not None and 0 <= number <= LAST_SERIAL:
        return date_text(number, epoch)
    if number.is_integer() and abs(number) < 1e16:
        return str(int(number))
    return str(number)


def date_text(serial: float, epoch: datetime) -> str:
    """An Excel date serial in ISO form: a date, a time of day, or both."""
    if 0 < serial < 1:
        return (datetime.min + timedelta(seconds=round(serial * 86400))).time().isoformat()
    if epoch == EPOCH_1900 and serial < 60:
        serial += 1  # Excel counts a 29 February 1900 that never was
    moment = epoch + timedelta(seconds=round(serial * 86400))
    return moment.date().isoformat() if serial.is_integer() else moment.isoformat()
