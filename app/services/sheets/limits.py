"""What one guest file may cost to read, and the errors that say what was over."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

MB = 1024 * 1024


class SheetError(ValueError):
    """A file that can't be read into a table; nothing was imported."""


class Unreadable(SheetError):
    """The file is not a readable table (encoding, CSV quoting, a broken workbook)."""


class OverBudget(SheetError):
    """The file asks for more than the budget allows: the message says what was over."""


class TooManyRows(OverBudget):
    """More rows than one import accepts."""


@dataclass(frozen=True)
class Budget:
    """Limits on one file: checked while reading, before anything is held in memory."""

    max_rows: int = 100_000
    max_columns: int = 200
    # Excel's own limit for the text of one cell.
    max_cell_chars: int = 32_767
    # A workbook's XML parts, inflated (a zip compresses repetitive XML a thousandfold).
    max_inflated_bytes: int = 128 * MB
    max_shared_strings: int = 2_000_000
    # The child process that reads the file: address space and CPU time.
    memory_bytes: int = 512 * MB
    cpu_seconds: int = 20

    def as_json(self) -> dict[str, Any]:
        """The budget as JSON, for the child process."""
        return asdict(self)

    def too_many_rows(self) -> TooManyRows:
        """The error for a file with more than `max_rows` rows."""
        return TooManyRows(f"an import takes at most {self.max_rows} rows; split the file")

    def check_width(self, columns: int, where: str) -> None:
        """Refuse a row (or header) wider than `max_columns`."""
        if columns > self.max_columns:
            raise OverBudget(
                f"{where} has {columns:,} columns; a guest list has at most"
                f" {self.max_columns} columns"
            )

    def check_cell(self, text: str, where: str) -> None:
        """Refuse a cell longer than `max_cell_chars`."""
        if len(text) > self.max_cell_chars:
            raise OverBudget(
                f"{where} holds {len(text):,} characters; a cell holds at most"
                f" {self.max_cell_chars:,}"
            )
