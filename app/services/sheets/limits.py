"""What one guest file may cost to read, and the errors that say what was over."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

MB = 1024 * 1024
# Where a refused value is, as a refusal says it: ("header", ""), ("line", "12"),
# ("cell", "B12") or ("text", "1,204": a workbook's shared text).
Where = tuple[str, str]


def N_(message: str) -> str:
    """Mark `message` for translation: the child that reads a file has no page and no
    catalogue, so it says its refusals in English and the parent translates them."""
    return message


# A row wider than the budget, by where it is.
TOO_WIDE = {
    "header": N_("the header has %(count)s columns; a guest list has at most %(limit)s columns"),
    "line": N_("line %(place)s has %(count)s columns; a guest list has at most %(limit)s columns"),
}
# A cell longer than the budget, by where it is.
TOO_LONG = {
    "line": N_("line %(place)s holds %(count)s characters; a cell holds at most %(limit)s"),
    "cell": N_("cell %(place)s holds %(count)s characters; a cell holds at most %(limit)s"),
    "text": N_(
        "text %(place)s of the workbook holds %(count)s characters; a cell holds at most %(limit)s"
    ),
}


class SheetError(ValueError):
    """A file that can't be read into a table; nothing was imported.

    `message` (English, with `%(name)s` placeholders) and `values` let the parent process
    say a child's refusal in the page's language (`reader`); `str` is the English.
    """

    def __init__(self, message: str, **values: str | int) -> None:
        super().__init__(message % values if values else message)
        self.message = message
        self.values = values


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
        return TooManyRows(
            N_("an import takes at most %(limit)s rows; split the file"), limit=self.max_rows
        )

    def check_width(self, columns: int, where: Where) -> None:
        """Refuse a row (or header) wider than `max_columns`."""
        if columns > self.max_columns:
            raise OverBudget(
                TOO_WIDE[where[0]], place=where[1], count=f"{columns:,}", limit=self.max_columns
            )

    def check_cell(self, text: str, where: Where) -> None:
        """Refuse a cell longer than `max_cell_chars`."""
        if len(text) > self.max_cell_chars:
            raise OverBudget(
                TOO_LONG[where[0]],
                place=where[1],
                count=f"{len(text):,}",
                limit=f"{self.max_cell_chars:,}",
            )
