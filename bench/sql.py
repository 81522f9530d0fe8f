"""One query on a short-lived connection: what the benchmarks read from PostgreSQL afterwards."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, create_engine, text


def rows(database_url: str, sql: str, **params: Any) -> list[Row[Any]]:
    """Run `sql` with `params` in a fresh engine (disposed after); return every row."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(sql), params).all())
    finally:
        engine.dispose()
