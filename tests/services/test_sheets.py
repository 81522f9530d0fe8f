"""Guest files read in a child process within a budget: what Excel shows, and what is refused.

Each hostile file is written by the test (tests/support/workbooks.py): the corner workbook,
the wide sheet, the shared-text bomb, a million rows, a 600,000-column CSV header. Each is
refused with what was over, and nothing here needs more than the budget's memory.
"""

from __future__ import annotations

import io
import os
import zipfile

import pytest

from app.services.guest_upload import _Columns, read_upload
from app.services.sheets.limits import MB, Budget, OverBudget, TooManyRows, Unreadable
from app.services.sheets.reader import Table, _child_environment
from tests.support.workbooks import (
    MAIN,
    corner_workbook,
    inline_cell,
    inline_row,
    million_rows,
    shared_text_bomb,
    wide_workbook,
    workbook,
)

BUDGET = Budget()


def rows_of(table: Table) -> list[tuple[int, list[str]]]:
    """The header and records of a table, with their lines."""
    return [(table.header_line, table.header), *table.records]


def test_a_workbook_reads_as_excel_shows_it() -> None:
    sheet = (
        inline_row(1, "Nombre", "Teléfono", "Mesa", "Fecha", "Hora", "VIP", "Llega")
        + '<row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2"><v>34612345678</v></c>'
        '<c r="C2" s="3"><v>7</v></c><c r="D2" s="1"><v>46000</v></c>'
        '<c r="E2" s="2"><v>0.5</v></c><c r="F2" t="b"><v>1</v></c>'
        '<c r="G2" s="2"><v>46000.75</v></c></row>'
        '<row r="3"><c r="A3" s="1"/></row>'  # formatted, no value: a blank row
        # cells without references follow each other; a rich text keeps its runs, not its
        # phonetic reading; a number too precise to be whole stays a decimal
        '<row r="4"><c t="s"><v>1</v></c><c t="str"><v>+971 50 123 4569</v></c>'
        "<c><v>2.5</v></c></row>"
    )
    strings_xml = (
        f'<sst xmlns="{MAIN}"><si><t>José Álvarez</t></si>'
        "<si><r><t>أحمد</t></r><r><t> علي</t></r><rPh><t>reading</t></rPh></si></sst>"
    ).encode()
    table = read_upload(workbook(sheet, strings_xml=[strings_xml]), BUDGET)
    assert table.source == "Excel .xlsx (first sheet)"
    assert rows_of(table) == [
        (1, ["Nombre", "Teléfono", "Mesa", "Fecha", "Hora", "VIP", "Llega"]),
        (2, ["José Álvarez", "34612345678", "7", "2025-12-09", "12:00:00", "TRUE",
             "2025-12-09T18:00:00"]),
        (4, ["أحمد علي", "+971 50 123 4569", "2.5"]),
    ]  # fmt: skip


def test_dates_of_a_1904_workbook_and_of_excels_first_days() -> None:
    sheet = inline_row(1, "name", "date") + '<row r="2"><c r="B2" s="1"><v>0</v></c></row>'
    assert rows_of(read_upload(workbook(sheet, date1904=True), BUDGET))[1][1][1] == "1904-01-01"
    sheet = inline_row(1, "name", "date") + '<row r="2"><c r="B2" s="1"><v>1</v></c></row>'
    assert rows_of(read_upload(workbook(sheet), BUDGET))[1][1][1] == "1900-01-01"


def test_the_area_a_sheet_declares_costs_nothing() -> None:
    sheet = inline_row(1, "name", "phone") + inline_row(2, "Ada", "+14155550100")
    table = read_upload(workbook(sheet, dimension="A1:XFD1048576"), BUDGET)
    assert rows_of(table) == [(1, ["name", "phone"]), (2, ["Ada", "+14155550100"])]


def test_formatting_far_away_is_not_a_value() -> None:
    far = f'<row r="900000"><c r="XFD900000" s="1"/>{inline_cell("XFC900000", " ")}</row>'
    table = read_upload(workbook(inline_row(1, "name", "phone") + far), BUDGET)
    assert rows_of(table) == [(1, ["name", "phone"])]


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        (
            corner_workbook(),
            OverBudget,
            "cell XFD1048576 holds a value, in column 16,384; a guest list has at most 200"
            " columns: clear the cells beyond the guests' columns and save the file again",
        ),
        (
            wide_workbook(),
            OverBudget,
            "cell XFD1 holds a value, in column 16,384; a guest list has at most 200"
            " columns: clear the cells beyond the guests' columns and save the file again",
        ),
        (
            shared_text_bomb(200),
            OverBudget,
            "the workbook inflates to more than 128 MB of XML"
            " (xl/sharedStrings.xml alone is 200 MB)",
        ),
        (million_rows(), TooManyRows, "an import takes at most 100000 rows; split the file"),
    ],
    ids=["corner", "wide", "shared-text-bomb", "million-rows"],
)
def test_hostile_workbooks_are_refused_with_what_was_over(
    data: bytes, error: type[Exception], message: str
) -> None:
    assert len(data) < 5 * MB
    with pytest.raises(error) as refused:
        read_upload(data, BUDGET)
    assert str(refused.value) == message


def test_a_cell_longer_than_excel_allows_is_refused() -> None:
    sheet = inline_row(1, "name", "phone") + f'<row r="2">{inline_cell("B2", "9" * 40_000)}</row>'
    with pytest.raises(OverBudget, match="cell B2 holds 40,000 characters; a cell holds at most"):
        read_upload(workbook(sheet), BUDGET)
    with pytest.raises(OverBudget, match="text 1 of the workbook holds 40,000 characters"):
        read_upload(workbook(inline_row(1, "name", "phone"), ["x" * 40_000]), BUDGET)


def test_too_many_shared_texts_are_refused() -> None:
    budget = Budget(max_shared_strings=10)
    with pytest.raises(OverBudget, match="more than 10 different texts"):
        read_upload(workbook(inline_row(1, "name", "phone"), map(str, range(11))), budget)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"PK\x03\x04 not really a zip", "the .xlsx file can't be read (File is not a zip file)"),
        (
            workbook(inline_row(1, "a"))[:300],
            "the .xlsx file can't be read (File is not a zip file)",
        ),
        (
            workbook(
                inline_row(1, "name"),
                strings_xml=[
                    b'<!DOCTYPE sst [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
                    + f'<sst xmlns="{MAIN}"><si><t>&b;</t></si></sst>'.encode()
                ],
            ),
            "the .xlsx file can't be read (xl/sharedStrings.xml: DTDForbidden",
        ),
        (
            workbook('<row r="1"><c r="A1" t="s"><v>5</v></c></row>'),
            "the .xlsx file can't be read (a cell refers to text 6)",
        ),
        (workbook('<row r="1"><c r="1A">'), "the .xlsx file can't be read (xl/worksheets"),
    ],
    ids=["not-a-zip", "cut-short", "dtd", "missing-text", "broken-xml"],
)
def test_broken_workbooks_are_unreadable(data: bytes, message: str) -> None:
    with pytest.raises(Unreadable) as refused:
        read_upload(data, BUDGET, filename="guests.xlsx")
    assert str(refused.value).startswith(message)


def test_a_zip_that_is_not_a_workbook_says_so() -> None:
    with pytest.raises(Unreadable, match=r"not an Excel \.xlsx workbook; save it as \.xlsx or CSV"):
        read_upload(zip_of("content.xml"), BUDGET)


def zip_of(name: str) -> bytes:
    """A zip holding one small part (an OpenDocument sheet looks so to the reader)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, "<office/>")
    return buffer.getvalue()


def test_a_csv_header_of_600000_columns_is_refused() -> None:
    header = "name,phone," + ",".join(f"c{n}" for n in range(600_000))
    data = f"{header}\nAda,+14155550100\n".encode()
    assert len(data) < 5 * MB
    with pytest.raises(OverBudget) as refused:
        read_upload(data, BUDGET)
    assert str(refused.value) == (
        "the header has 600,002 columns; a guest list has at most 200 columns"
    )


def test_a_record_too_wide_and_a_paste_too_wide_are_refused() -> None:
    wide = ",".join(["x"] * 300)
    with pytest.raises(OverBudget, match=r"^line 3 has 300 columns"):
        read_upload(f"name,phone\nAda,+1415\n{wide}\n".encode(), BUDGET)
    with pytest.raises(OverBudget, match=r"^line 2 has 300 columns"):
        read_upload(f"Ada, +1415\n{wide}".encode(), BUDGET, pasted=True)


def test_a_title_repeated_40000_times_is_found_in_linear_time() -> None:
    titles = ["name", "phone", *(["mesa"] * 40_000)]
    with pytest.raises(Unreadable, match="repeats the column 'mesa'"):
        _Columns.from_header(titles)


def test_pasted_lines_with_and_without_a_header() -> None:
    bare = read_upload(b"\n\nAda, +14155550100\nBo\t+14155550101\n", BUDGET, pasted=True)
    assert bare.source == "pasted lines of name and phone"
    assert bare.header == ["name", "phone"]
    assert list(bare.records) == [(3, ["Ada", " +14155550100"]), (4, ["Bo", "+14155550101"])]
    titled = read_upload("Nombre;Teléfono\nAda;+14155550100".encode(), BUDGET, pasted=True)
    assert titled.source == "pasted lines with a header row"
    assert titled.header == ["Nombre", "Teléfono"]


def test_the_child_runs_out_of_memory_and_says_so() -> None:
    budget = Budget(memory_bytes=64 * MB, max_cell_chars=100 * MB)
    with pytest.raises(OverBudget, match="more than 64 MB of memory"):
        read_upload(shared_text_bomb(100), budget)


def test_the_child_runs_out_of_cpu_time_and_says_so() -> None:
    budget = Budget(cpu_seconds=1, max_rows=10_000_000)
    with pytest.raises(OverBudget, match="takes more than 1 s"):
        read_upload(million_rows(2_000_000), budget)


def test_the_child_gets_none_of_the_services_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "secret")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:secret@db/x")
    environment = _child_environment()
    assert "secret" not in repr(environment)
    assert set(environment) == {"PATH", "PYTHONPATH", "LANG"}
    assert os.path.isdir(os.path.join(environment["PYTHONPATH"], "app", "services", "sheets"))
