"""Excel .xlsx workbooks: ordinary ones as Excel saves them, and odd, huge-looking and hostile
ones written part by part.

openpyxl writes only well-formed workbooks; the reader must also face what it would never
write (a dimension that lies, a shared text of 200 MB, a million rows in 5 MB), so these
are written as the zip of XML parts an .xlsx is.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from itertools import chain
from xml.sax.saxutils import escape

from openpyxl import Workbook

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels"'
    ' ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/></Types>'
)
ROOT_RELS = (
    f'<Relationships xmlns="{PACKAGE}"><Relationship Id="rId1" Target="xl/workbook.xml"'
    f' Type="{RELATIONSHIPS}/officeDocument"/></Relationships>'
)
WORKBOOK_RELS = (
    f'<Relationships xmlns="{PACKAGE}">'
    f'<Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="{RELATIONSHIPS}/worksheet"/>'
    f'<Relationship Id="rId2" Target="sharedStrings.xml" Type="{RELATIONSHIPS}/sharedStrings"/>'
    f'<Relationship Id="rId3" Target="/xl/styles.xml" Type="{RELATIONSHIPS}/styles"/>'
    "</Relationships>"
)
# Style 0: general; 1: a built-in date (14); 2: a custom date and time; 3: a custom number.
STYLES = (
    f'<styleSheet xmlns="{MAIN}"><numFmts count="2">'
    '<numFmt numFmtId="164" formatCode="dd/mm/yyyy\\ hh:mm"/>'
    '<numFmt numFmtId="165" formatCode="&quot;Mesa &quot;0"/></numFmts>'
    '<cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/>'
    '<xf numFmtId="165"/></cellXfs></styleSheet>'
)


def xlsx(rows: list[list[object]]) -> bytes:
    """An Excel workbook, as openpyxl saves it, whose first sheet holds `rows`."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def workbook(
    rows: Iterable[bytes] | str,
    strings: Iterable[str] = (),
    *,
    dimension: str = "",
    date1904: bool = False,
    strings_xml: Iterable[bytes] | None = None,
) -> bytes:
    """A workbook whose first sheet holds `rows` (the `<row>` elements, or chunks of them,
    written as they come) and whose shared texts are `strings` (or `strings_xml` raw)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/workbook.xml", workbook_xml(date1904))
        archive.writestr("xl/styles.xml", STYLES)
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            for chunk in strings_xml or [shared_strings_xml(strings)]:
                part.write(chunk)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            part.write(f'<worksheet xmlns="{MAIN}">'.encode())
            if dimension:
                part.write(f'<dimension ref="{dimension}"/>'.encode())
            part.write(b"<sheetData>")
            for chunk in [rows.encode()] if isinstance(rows, str) else rows:
                part.write(chunk)
            part.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def workbook_xml(date1904: bool = False) -> str:
    """The workbook part: one sheet, and the date system."""
    return (
        f'<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}">'
        f'<workbookPr date1904="{int(date1904)}"/>'
        '<sheets><sheet name="Invitados" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )


def shared_strings_xml(strings: Iterable[str]) -> bytes:
    """The shared texts part."""
    items = "".join(f"<si><t>{escape(text)}</t></si>" for text in strings)
    return f'<sst xmlns="{MAIN}">{items}</sst>'.encode()


def inline_row(number: int, *cells: str, first_column: str = "A") -> str:
    """A `<row>` of inline texts starting at `first_column` (A to Z)."""
    first = ord(first_column)
    values = "".join(inline_cell(f"{chr(first + i)}{number}", text) for i, text in enumerate(cells))
    return f'<row r="{number}">{values}</row>'


def inline_cell(reference: str, text: str) -> str:
    """A `<c>` holding an inline text."""
    return f'<c r="{reference}" t="inlineStr"><is><t>{escape(text)}</t></is></c>'


def corner_workbook() -> bytes:
    """A header at A1 and one value at XFD1048576, the last cell of a sheet: under 2 KB that
    a grid reader would allocate 17 billion cells for."""
    rows = inline_row(1, "name", "phone") + (
        '<row r="1048576">' + inline_cell("XFD1048576", "x") + "</row>"
    )
    return workbook(rows, dimension="A1:XFD1048576")


def wide_workbook(rows: int = 2000) -> bytes:
    """A sheet that declares 16,384 columns by `rows`, with a value in the last column of each
    row: a few KB."""
    chunks = (
        f'<row r="{n}">{inline_cell(f"A{n}", "name" if n == 1 else f"G{n}")}'
        f"{inline_cell(f'XFD{n}', 'x')}</row>".encode()
        for n in range(1, rows + 1)
    )
    return workbook(chunks, dimension=f"A1:XFD{rows}")


def shared_text_bomb(megabytes: int = 200) -> bytes:
    """A workbook whose one shared text inflates to `megabytes` MB: a few hundred KB."""
    block = b"A" * (1024 * 1024)
    chunks = [f'<sst xmlns="{MAIN}"><si><t>'.encode(), *([block] * megabytes), b"</t></si></sst>"]
    return workbook(inline_row(1, "name", "phone"), strings_xml=chunks)


def million_rows(count: int = 1_000_000) -> bytes:
    """A header and `count` guests, their cells without references (as some writers do):
    under 5 MB."""
    header = inline_row(1, "name", "phone").encode()
    row = '<row><c t="s"><v>0</v></c><c><v>1415{:07d}</v></c></row>'
    chunks = (
        "".join(row.format(n) for n in range(start, min(start + 10_000, count))).encode()
        for start in range(0, count, 10_000)
    )
    return workbook(chain([header], chunks), strings=["Guest"])
