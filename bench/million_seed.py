"""Load `bench.million`'s data into a migrated scratch database by COPY, then VACUUM ANALYZE.

Secondary indexes and foreign keys of `guests` and `invitations` are dropped for the load
and recreated from their own definitions afterwards (what a restore does); the tally
triggers stay on, so the tallies are kept exactly as in production, then compacted once as
the worker's sweep would. The VACUUM must leave the pages all-visible, as they are in a
database that has been running a while: autovacuum is off on the loaded tables until it is
done (its concurrent ANALYZE holds back the horizon), and the commit is synchronous (rows of
an asynchronous commit not yet flushed can't be marked all-visible).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg2

from app.sending.tallies import COMPACT_GUESTS, COMPACT_INVITATIONS
from bench.million_data import (
    CAMPAIGN_STATE,
    COPY_COLUMNS,
    EventPlan,
    Seeded,
    Shape,
    write_files,
)

LOADED = ("guests", "invitations", "message_attempts", "opt_outs", "invitation_tallies",
          "guest_tallies")  # fmt: skip

DETACHABLE = """
SELECT c.relname, i.relname, pg_get_indexdef(x.indexrelid)
FROM pg_index AS x JOIN pg_class AS i ON i.oid = x.indexrelid
JOIN pg_class AS c ON c.oid = x.indrelid
WHERE c.relname IN ('guests', 'invitations')
  AND NOT EXISTS (SELECT 1 FROM pg_constraint AS k WHERE k.conindid = x.indexrelid)
"""
FOREIGN_KEYS = """
SELECT c.relname, k.conname, pg_get_constraintdef(k.oid)
FROM pg_constraint AS k JOIN pg_class AS c ON c.oid = k.conrelid
WHERE c.relname IN ('guests', 'invitations') AND k.contype = 'f'
"""


@contextmanager
def detached(cursor: Any) -> Iterator[None]:
    """Drop the secondary indexes and foreign keys of guests and invitations; recreate them."""
    cursor.execute(DETACHABLE)
    indexes = cursor.fetchall()
    cursor.execute(FOREIGN_KEYS)
    keys = cursor.fetchall()
    for table, name, _ in keys:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for _, name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    yield
    for _, _, definition in indexes:
        cursor.execute(definition)
    for table, name, definition in keys:
        cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


def timed(seeded: Seeded, step: str, action: Callable[[], Any]) -> None:
    """Run one seeding step and keep its duration."""
    started = time.monotonic()
    action()
    seeded.seconds[step] = time.monotonic() - started


def load(cursor: Any, events: list[EventPlan], directory: Path) -> None:
    """Insert the events and campaigns, then COPY guests, invitations, attempts, opt-outs."""
    for table in LOADED:
        cursor.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = off)")
    for event in events:
        cursor.execute(
            "INSERT INTO events (id, name, starts_at, venue) VALUES (%s, %s, now() + interval"
            " '30 days', 'Hall')",
            (event.id, f"Event {event.id} ({event.kind}, {event.invitations} invitations)"),
        )
        cursor.execute(
            "INSERT INTO campaigns (id, event_id, state, total, rate_per_second, created_at,"
            " finished_at, progressed_at) VALUES (%s, %s, %s, %s, 80, now() - interval"
            " '1 day', CASE WHEN %s THEN NULL ELSE now() - interval '12 hours' END, now())",
            (
                event.id,
                event.id,
                CAMPAIGN_STATE[event.kind],
                event.invitations,
                event.kind in ("running", "paused"),
            ),
        )
    with detached(cursor):
        for table, columns in COPY_COLUMNS.items():
            with (directory / f"{table}.tsv").open(encoding="utf-8") as data:
                cursor.copy_expert(f"COPY {columns} FROM STDIN", data)
    with (directory / "opt_outs.tsv").open(encoding="utf-8") as data:
        cursor.copy_expert("COPY opt_outs (phone, source, keyword) FROM STDIN", data)
    for table in ("events", "campaigns", "guests", "invitations"):
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
        )


def vacuum(cursor: Any) -> dict[str, float]:
    """VACUUM ANALYZE, turn autovacuum back on; the share of all-visible pages per table."""
    cursor.execute("VACUUM ANALYZE")
    for table in LOADED:
        cursor.execute(f"ALTER TABLE {table} RESET (autovacuum_enabled)")
    cursor.execute(
        "SELECT relname, relallvisible::float / greatest(relpages, 1) FROM pg_class"
        " WHERE relname IN ('guests', 'invitations')"
    )
    return {name: round(share, 3) for name, share in cursor.fetchall()}


def seed(dsn: str, shape: Shape) -> Seeded:
    """Seed the migrated database at `dsn` in one transaction, then VACUUM ANALYZE it."""
    seeded = Seeded()
    with tempfile.TemporaryDirectory(prefix="bench-million-") as work:
        directory = Path(work)
        events: list[EventPlan] = []
        timed(seeded, "generate", lambda: events.extend(write_files(shape, directory, seeded)))
        connection = psycopg2.connect(dsn, options="-c statement_timeout=0")
        try:
            with connection.cursor() as cursor:
                cursor.execute("SET maintenance_work_mem = '1GB'")
                timed(seeded, "copy_and_index", lambda: load(cursor, events, directory))
                # The worker's sweep folds the tallies' deltas: once, as it would.
                cursor.execute(str(COMPACT_INVITATIONS))
                cursor.execute(str(COMPACT_GUESTS))
                timed(seeded, "commit", connection.commit)
            connection.autocommit = True
            with connection.cursor() as cursor:
                started = time.monotonic()
                seeded.all_visible = vacuum(cursor)
                seeded.seconds["vacuum_analyze"] = time.monotonic() - started
        finally:
            connection.close()
    return seeded
