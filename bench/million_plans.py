"""Measure a read for `bench.million`: wall time of the real function, EXPLAIN of what it ran.

The statements a function runs are captured with their parameters (a SQLAlchemy
`before_cursor_execute` listener) and replayed under EXPLAIN (ANALYZE, BUFFERS) exactly as
psycopg2 sent them, in order and in one rolled-back transaction per replay.
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg2
from sqlalchemy import Connection, event

from app.extensions import db

CLAIM_BAR_MS, BAR_MS = 20.0, 50.0
WATCHED = frozenset({"guests", "invitations"})
EXPLAINABLE = re.compile(r"\s*(SELECT|WITH|UPDATE|INSERT|DELETE)\b", re.IGNORECASE)


class Recorder:
    """Keep the statements (with their parameters) an engine runs while capturing."""

    def __init__(self, engine: Any) -> None:
        self.statements: list[tuple[str, Any]] | None = None
        event.listen(engine, "before_cursor_execute", self.record)

    def record(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        """The listener: note the statement when capturing."""
        if self.statements is not None:
            self.statements.append((statement, parameters))

    @contextmanager
    def capture(self) -> Iterator[list[tuple[str, Any]]]:
        """Collect what runs inside the block."""
        self.statements = []
        try:
            yield self.statements
        finally:
            self.statements = None


def plan_nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """A plan node and every node under it (sub-plans and init-plans included)."""
    yield node
    for child in node.get("Plans", []):
        yield from plan_nodes(child)


def statement_summary(sql: str, times: list[float], plans: list[dict[str, Any]]) -> dict:
    """One statement's median EXPLAIN times, the indexes it used, its scans of big tables."""
    nodes = list(plan_nodes(plans[-1]["Plan"]))
    scans = sorted(
        {f"{n['Node Type']} on {n['Relation Name']}" for n in nodes if "Relation Name" in n}
    )
    return {
        "sql": " ".join(sql.split())[:160],
        "execution_ms": round(statistics.median(times), 3),
        "planning_ms": round(statistics.median(p["Planning Time"] for p in plans), 3),
        "indexes": sorted({n["Index Name"] for n in nodes if "Index Name" in n}),
        "scans": scans,
        "seq_scans": sorted(
            {n["Relation Name"] for n in nodes if n["Node Type"] == "Seq Scan"} & WATCHED
        ),
        "triggers_ms": {
            t["Trigger Name"]: round(statistics.median(x["Time"] for x in triggers(plans, t)), 3)
            for t in plans[-1].get("Triggers", [])
        },
        "shared_hit": plans[-1]["Plan"].get("Shared Hit Blocks"),
        "shared_read": plans[-1]["Plan"].get("Shared Read Blocks"),
    }


def triggers(plans: list[dict[str, Any]], trigger: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The runs of one trigger in each replay's plan."""
    for plan in plans:
        for found in plan.get("Triggers", []):
            if found["Trigger Name"] == trigger["Trigger Name"]:
                yield found


def explain(dsn: str, statements: list[tuple[str, Any]], runs: int) -> list[dict]:
    """EXPLAIN (ANALYZE, BUFFERS) every query of `statements`, replayed in order `runs` times.

    Each replay is one transaction, rolled back: statements that change rows really run
    (as EXPLAIN ANALYZE does), so the later ones see what they saw the first time.
    """
    found: dict[int, tuple[list[float], list[dict[str, Any]]]] = {}
    connection = psycopg2.connect(dsn)
    try:
        for _ in range(runs):
            with connection.cursor() as cursor:
                for index, (sql, params) in enumerate(statements):
                    if not EXPLAINABLE.match(sql):
                        cursor.execute(sql, params)
                        continue
                    cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", params)
                    plan = cursor.fetchone()[0][0]
                    times, plans = found.setdefault(index, ([], []))
                    times.append(plan["Execution Time"])
                    plans.append(plan)
            connection.rollback()
    finally:
        connection.close()
    return [statement_summary(statements[i][0], *found[i]) for i in sorted(found)]


@dataclass
class Check:
    """One read to time: a runner that does it once and returns its own duration."""

    name: str
    run: Callable[[], float]
    bar_ms: float = BAR_MS


def in_session(action: Callable[[], Any]) -> Callable[[], float]:
    """Run `action` in a fresh session, as a request would."""

    def run() -> float:
        db.session.remove()
        started = time.perf_counter()
        action()
        elapsed = time.perf_counter() - started
        db.session.remove()
        return elapsed

    return run


def rolled_back(action: Callable[[Connection], Any]) -> Callable[[], float]:
    """Run `action` on a connection in a transaction that is rolled back afterwards."""

    def run() -> float:
        with db.engine.connect() as connection:
            transaction = connection.begin()
            started = time.perf_counter()
            action(connection)
            elapsed = time.perf_counter() - started
            transaction.rollback()
        return elapsed

    return run


def measure(check: Check, recorder: Recorder, dsn: str, runs: int) -> dict[str, Any]:
    """Warm up (capturing the statements), time `runs` runs, EXPLAIN what ran."""
    with recorder.capture() as statements:
        check.run()
    walls = [check.run() * 1000 for _ in range(runs)]
    explained = explain(dsn, statements, runs)
    wall = statistics.median(walls)
    seq_scans = sorted({table for s in explained for table in s["seq_scans"]})
    return {
        "name": check.name,
        "bar_ms": check.bar_ms,
        "wall_ms": round(wall, 2),
        "wall_runs_ms": [round(w, 2) for w in walls],
        "sql_ms": round(sum(s["execution_ms"] for s in explained), 2),
        "statements": explained,
        "seq_scans": seq_scans,
        "ok": wall <= check.bar_ms and not seq_scans,
    }
