"""Read a guest file into a table in a child process, within a budget.

The child (`python -m app.services.sheets`) limits its own memory and CPU time, writes the
records to a temporary file and its outcome to stderr. The caller waits for it without
blocking other requests (under gevent, `subprocess` is cooperative), then reads the records
lazily from the file: a crash, a runaway or a file over budget costs the web process
nothing but the wait, and answers with what was over.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.services.sheets.limits import MB, Budget, OverBudget, TooManyRows, Unreadable

log = logging.getLogger(__name__)

Record = tuple[int, list[str]]
# The directory that holds the `app` package, for the child's imports.
PACKAGE_ROOT = str(Path(__file__).resolve().parents[3])


@dataclass(frozen=True)
class Table:
    """A file read as a table: its first record, the others lazily, and how it was read."""

    header: list[str]
    records: Iterator[Record]
    source: str  # "UTF-8 text, comma separated", "Excel .xlsx (first sheet)", ...
    separator: str  # joins a record's cells back into a line as the file had it
    header_line: int = 1
    encoding: str | None = None  # a text file's ("cp1256"); None for a workbook or a paste


def read_table(
    data: bytes,
    budget: Budget,
    *,
    pasted: bool = False,
    filename: str = "",
    encoding: str | None = None,
    countries: Sequence[str] = (),
) -> Table:
    """Read `data` (a file, or pasted text as UTF-8) in a child process; a text file in
    `encoding`, else in the one guessed with the scripts of `countries` (the event's) in mind.

    Raises:
        Unreadable: not a readable table.
        OverBudget: over the budget (TooManyRows for rows); the message says what was over.
    """
    request = {
        "kind": "pasted" if pasted else "file",
        "filename": filename,
        "encoding": encoding,
        "countries": list(countries),
        "budget": budget.as_json(),
    }
    output = tempfile.TemporaryFile()  # noqa: SIM115 - the records' reader closes it
    try:
        outcome = _run_child(data, request, budget, output)
        output.seek(0)
        records = _records(output)
        line, header = next(records)
    except BaseException:
        output.close()
        raise
    source, separator = outcome["source"], outcome["separator"]
    source = source_words(source, separator, outcome.get("encoding"))
    return Table(header, records, source, separator, line, outcome.get("encoding"))


# How a text file was read, by its separator, and the other ways, in the page's language.
TEXT_LAYOUTS = {
    ",": _l("%(encoding)s text, comma separated"),
    ";": _l("%(encoding)s text, semicolon separated"),
    "\t": _l("%(encoding)s text, tab separated"),
}
SOURCES = {
    "Excel .xlsx (first sheet)": _l("Excel .xlsx (first sheet)"),
    "pasted lines": _l("pasted lines"),
}


def source_words(source: str, separator: str, encoding: str | None) -> str:
    """How the child read the file, in the page's language ("UTF-8 text, comma separated")."""
    if encoding is not None and source.endswith(" separated"):
        layout = TEXT_LAYOUTS.get(separator)
        return str(layout) % {"encoding": encoding.upper()} if layout else source
    words = SOURCES.get(source)
    return str(words) if words else source


def _run_child(
    data: bytes, request: dict[str, Any], budget: Budget, output: IO[bytes]
) -> dict[str, Any]:
    """Run the child on `data` with its records going to `output`; return its outcome."""
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "app.services.sheets", json.dumps(request)],
        stdin=subprocess.PIPE,
        stdout=output,
        stderr=subprocess.PIPE,
        env=_child_environment(),
        cwd=PACKAGE_ROOT,
    )
    try:
        _output, errors = process.communicate(data, timeout=budget.cpu_seconds * 2 + 5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise OverBudget(
            _("the file takes more than %(limit)s s to read", limit=budget.cpu_seconds)
        ) from None
    return _outcome(process.returncode, errors, budget)


def _child_environment() -> dict[str, str]:
    """The child's environment: enough to run Python, none of the service's secrets."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": PACKAGE_ROOT,
        "LANG": "C.UTF-8",
    }


def _outcome(status: int, errors: bytes, budget: Budget) -> dict[str, Any]:
    """The child's outcome from its exit status and last line of stderr, or the error."""
    lines = errors.strip().splitlines()
    try:
        outcome: dict[str, Any] = json.loads(lines[-1]) if status == 0 and lines else {}
    except ValueError:
        outcome = {}
    if "error" in outcome:
        kind = TooManyRows if outcome["rows"] else OverBudget if outcome["over"] else Unreadable
        # The child's English words, in the page's language (`limits.N_` marks them).
        raise kind(_(outcome.get("message") or outcome["error"], **outcome.get("values", {})))
    if "source" in outcome:
        return outcome
    if status in (-signal.SIGXCPU, -signal.SIGKILL):
        raise OverBudget(
            _("the file takes more than %(limit)s s of CPU to read", limit=budget.cpu_seconds)
        )
    log.warning("the guest file reader stopped with status %s: %s", status, errors[-500:])
    raise OverBudget(
        _(
            "the file could not be read within %(memory)s MB of memory and %(seconds)s s",
            memory=budget.memory_bytes // MB,
            seconds=budget.cpu_seconds,
        )
    )


def _records(output: IO[bytes]) -> Iterator[Record]:
    """The records the child wrote, one JSON line each; the file is closed at the end."""
    with output:
        for line in output:
            number, cells = json.loads(line)
            yield number, cells
