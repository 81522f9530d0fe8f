"""How the operator commands print: an aligned table by default, JSON for scripts."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import click

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")


def duration(seconds: float | None) -> str:
    """A short human duration: 42 s, 7 min, 3.5 h; '-' when unknown."""
    if seconds is None:
        return "-"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """Columns aligned under their headers; None shows as '-'."""
    cells = [[("-" if v is None else str(v)) for v in row] for row in rows]
    widths = [max([len(h)] + [len(row[i]) for row in cells]) for i, h in enumerate(headers)]
    lines = [headers, *cells]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in lines
    )


def _default(value: Any) -> Any:
    """JSON for datetimes and other plain objects."""
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def emit(as_json: bool, data: Any, text: str) -> None:
    """Print `data` as JSON, or `text` for a person."""
    click.echo(json.dumps(data, default=_default, indent=2) if as_json else text)


def exit_unhealthy(healthy: bool) -> None:
    """End the command with status 1 when something is unhealthy (for cron and CI)."""
    if not healthy:
        click.get_current_context().exit(1)
