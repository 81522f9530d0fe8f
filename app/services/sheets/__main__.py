"""The child process that reads one guest file: `python -m app.services.sheets REQUEST`.

The file comes on stdin; REQUEST (JSON) says how to read it (`kind`: "file" or "pasted",
`filename`, `encoding`, and `countries`, the event's, whose scripts a text file's encoding
is guessed with) and within which `budget`. The records go to stdout as JSON lines,
`[line, [cells...]]`, the header first; the outcome goes to stderr as the last line:
`{"source", "separator", "records", "encoding"}` (the encoding of a text file, else null),
or `{"error", "over", "rows"}` when the file was refused. The process limits its own
memory and CPU time before it reads a byte.
"""

from __future__ import annotations

import json
import resource
import sys
from collections.abc import Iterator
from typing import IO, Any

from app.services.sheets.limits import (
    MB,
    N_,
    Budget,
    OverBudget,
    SheetError,
    TooManyRows,
    Unreadable,
)
from app.services.sheets.text import decode_text, delimited_records, pasted_records
from app.services.sheets.xlsx import xlsx_records

Record = tuple[int, list[str]]
XLSX_MAGIC = b"PK\x03\x04"
# Records written past this many bytes of JSON mean a file whose text is too big to import.
MAX_OUTPUT_BYTES = 100 * MB


def main() -> int:
    """Read the request, limit this process, read the file, write records and the outcome."""
    request = json.loads(sys.argv[1])
    budget = Budget(**request["budget"])
    limit_resources(budget)
    try:
        source, separator, records, encoding = read(sys.stdin.buffer.read(), request, budget)
        written = write_records((source, separator, records), budget, sys.stdout)
        outcome = {**written, "encoding": encoding}
    except SheetError as error:
        over, rows = isinstance(error, OverBudget), isinstance(error, TooManyRows)
        outcome = {"error": str(error), "over": over, "rows": rows}
        outcome.update(message=error.message, values=error.values)
    except MemoryError:
        refusal = OverBudget(
            N_("the file needs more than %(limit)s MB of memory to read"),
            limit=budget.memory_bytes // MB,
        )
        outcome = {"error": str(refusal), "over": True, "rows": False}
        outcome.update(message=refusal.message, values=refusal.values)
    sys.stdout.flush()
    sys.stderr.write(json.dumps(outcome) + "\n")
    return 0


def limit_resources(budget: Budget) -> None:
    """Cap this process's address space and CPU time (the kernel stops it past either)."""
    resource.setrlimit(resource.RLIMIT_AS, (budget.memory_bytes, budget.memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (budget.cpu_seconds, budget.cpu_seconds + 1))


def read(
    data: bytes, request: dict[str, Any], budget: Budget
) -> tuple[str, str, Iterator[Record], str | None]:
    """The file's (source, separator, records, encoding): an .xlsx by its content, else
    text (the only kind with an encoding)."""
    if request["kind"] == "pasted":
        return "pasted lines", ",", pasted_records(data.decode("utf-8", "replace"), budget), None
    if data.startswith(XLSX_MAGIC) or request["filename"].lower().endswith(".xlsx"):
        return "Excel .xlsx (first sheet)", ", ", xlsx_records(data, budget), None
    if request["encoding"]:
        text, encoding = data.decode(request["encoding"], "replace"), request["encoding"]
    else:
        text, encoding = decode_text(data, request.get("countries", ()))
    delimiter, layout, records = delimited_records(text, budget)
    separator = "\t" if delimiter == "\t" else delimiter
    return f"{encoding.upper()} text, {layout}", separator, records, encoding


def write_records(
    table: tuple[str, str, Iterator[Record]], budget: Budget, out: IO[str]
) -> dict[str, Any]:
    """Write the header and at most `max_rows` records; return the outcome."""
    source, separator, records = table
    count = written = 0
    for count, record in enumerate(records):
        if count > budget.max_rows:
            raise budget.too_many_rows()
        line = json.dumps(record) + "\n"
        written += len(line)
        if written > MAX_OUTPUT_BYTES:
            raise OverBudget(
                N_("the file holds more than %(limit)s MB of text"), limit=MAX_OUTPUT_BYTES // MB
            )
        out.write(line)
    if not written:
        raise empty(source)
    return {"source": source, "separator": separator, "records": count + 1}


def empty(source: str) -> Unreadable:
    """The error for a file with no non-blank row."""
    if source.startswith("Excel"):
        return Unreadable(N_("the spreadsheet is empty: the first row must name the columns"))
    if source.startswith("pasted"):
        return Unreadable(N_("nothing was pasted"))
    return Unreadable(N_("the file is empty"))


if __name__ == "__main__":
    sys.exit(main())
