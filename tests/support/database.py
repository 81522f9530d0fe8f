"""The test database between tests and inside them: empty it, read it, watch its statements."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy import Engine, text
from sqlalchemy import event as sqlalchemy_event

from app.extensions import db
from tests.support.services import flush_redis

# Restart every sequence, as TRUNCATE ... RESTART IDENTITY would.
RESTART_SEQUENCES = text("SELECT setval(oid::regclass, 1, false) FROM pg_class WHERE relkind = 'S'")
# The audit trail refuses deletes but the retention's (migration 0021): allowed here.
ALLOW_AUDIT_DELETES = "SET LOCAL audit.pruning = 'on'"
# Above this many rows in a table, TRUNCATE is the faster way to empty it.
DELETE_AT_MOST = 5_000


def dispose_engines() -> None:
    """Close every pooled connection of the current app's engines (main and webhooks)."""
    for engine in db.engines.values():
        engine.dispose()


def reset_state(app: Flask) -> None:
    """Empty every table but Alembic's, restart the ids, and flush the test Redis database.

    Small tables are emptied with DELETE, a hundred times faster than TRUNCATE (which makes
    new files for every table and index); the second pass removes the tally rows the first
    one's triggers appended. After a test with big tables, TRUNCATE.
    """
    tables = list(reversed(db.metadata.sorted_tables))
    sizes = " UNION ALL ".join(
        f"SELECT count(*) FROM (SELECT 1 FROM {t.name} LIMIT {DELETE_AT_MOST + 1}) AS rows"
        for t in tables
    )
    with db.engine.begin() as connection:
        if max(connection.execute(text(sizes)).scalars()) > DELETE_AT_MOST:
            names = ", ".join(t.name for t in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            connection.execute(text(ALLOW_AUDIT_DELETES))
            for table in tables + tables:
                connection.execute(table.delete())
            connection.execute(RESTART_SEQUENCES)
    flush_redis(app.config["SETTINGS"].redis_url)


def engine_of(source: Flask | Engine) -> Engine:
    """The engine itself, or an app's main engine."""
    if isinstance(source, Flask):
        with source.app_context():
            return db.engine
    return source


def query(source: Flask | Engine, sql: str, **params: Any) -> list[Any]:
    """Run a query in a fresh transaction on an app's database (or an engine); return the rows."""
    with engine_of(source).connect() as connection:
        return list(connection.execute(text(sql), params).all())


def scalar(source: Flask | Engine, sql: str, **params: Any) -> Any:
    """The first value of a query's first row, or None."""
    with engine_of(source).connect() as connection:
        return connection.execute(text(sql), params).scalar()


def execute(source: Flask | Engine, sql: str, **params: Any) -> None:
    """Run one statement in its own transaction."""
    with engine_of(source).begin() as connection:
        connection.execute(text(sql), params)


@contextmanager
def sql_statements(app: Flask) -> Iterator[list[str]]:
    """Collect the SQL statements the app's engine runs inside the block."""
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])  # (connection, cursor, statement, parameters, ...)

    engine = engine_of(app)
    sqlalchemy_event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sqlalchemy_event.remove(engine, "before_cursor_execute", record)
