"""The webhooks' writes: statements planned once per connection, committed in small groups.

Each webhook is one statement (find, store and apply, atomic on its own). Two things make
a webhook cheaper than its plain SQL would be:

- `Prepared`: on each connection the statement is sent once as `PREPARE` (a generic plan:
  every lookup is by an indexed key), then only as `EXECUTE name(values)`. PostgreSQL plans
  it once instead of on every webhook, which cost more than running it.
- `GroupCommit`: in a gevent web worker, webhooks arriving while a write is in flight are
  sent together, as one multi-statement round trip that PostgreSQL runs as one transaction:
  one commit (one WAL flush) and one network round trip for the group instead of one each.
  Each statement leaves its result row in a session temporary table, read back at the end
  of the same round trip. Every request still waits for its own row to be committed before
  it answers. A group that fails on a bad statement is replayed one statement at a time, so
  a request only ever sees its own error; a group that fails because PostgreSQL is
  unreachable fails every request in it at once (they are spooled to Redis).

Behind PgBouncer in transaction mode (no session state) set `DB_PREPARE_STATEMENTS=false`:
statements then run as plain SQL, one round trip each. Outside gevent (the RQ worker, the
tests) there are no groups either: each statement runs on its own.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, CursorResult, Engine
from sqlalchemy import exc as sa_exc

from app.database import is_database_unavailable

log = logging.getLogger(__name__)

# `:name` parameters as text() writes them (not `::type` casts).
PARAMETER = re.compile(r"(?<![:\w]):(\w+)")
PREPARED = "prepared"
RESULTS = "pg_temp.webhook_results"
SESSION_SETUP = (
    "SET plan_cache_mode = force_generic_plan",
    "CREATE TEMPORARY TABLE IF NOT EXISTS webhook_results (n integer, result jsonb)",
)
READ_RESULTS = f"DELETE FROM {RESULTS} RETURNING n, result"  # noqa: S608 - constants
POSITION = "group_position"
# Statements sent in one round trip, at most.
MAX_GROUP = 50
# Greenlets writing groups: one group in flight each (a slow lock wait holds up only its own).
WRITERS = 4
# A request whose statement no writer has taken gives up after this long, and is spooled
# (the replay applies it, and owes the guest the answer): Twilio waits 15 s.
WAIT_SECONDS = 10.0
# A statement already in a group's transaction commits however late: its request waits
# this much longer for it (and its answer) before it is spooled all the same.
IN_FLIGHT_SECONDS = 4.0

Row = Mapping[str, Any]


class Prepared:
    """A statement `WITH <ctes> <select>`, prepared once per connection.

    Parameters are written as in `text()`, with their SQL types given (PREPARE needs them).
    The grouped variant stores the select's row in the results table instead of returning
    it, which is why the statement comes in its two parts. Either way the row comes back as
    one `jsonb` object, read as a dict: the same row grouped or alone, and one column for
    SQLAlchemy to describe instead of every column of the select.
    """

    def __init__(self, name: str, ctes: str, select: str, types: Mapping[str, str]) -> None:
        self.name = name
        as_json = f"SELECT to_jsonb(selected) FROM ({select}) AS selected"  # noqa: S608 - code's own
        alone = f"WITH {ctes} {as_json}"
        self.single = Form(name, alone, types)
        store = f"INSERT INTO {RESULTS} (n, result) SELECT :{POSITION}, to_jsonb(selected)"
        grouped = f"WITH {ctes} {store} FROM ({select}) AS selected"
        self.grouped = Form(f"{name}_grouped", grouped, {**types, POSITION: "integer"})
        self.parameters = self.single.parameters
        self.plain_sql = PARAMETER.sub(lambda match: f"%({match[1]})s", alone.replace("%", "%%"))

    def values(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """The statement's own parameters out of `params` (extra keys are ignored)."""
        return {parameter: params[parameter] for parameter in self.parameters}


class Form:
    """One PREPARE/EXECUTE pair: the statement with `$n` parameters, and its call."""

    def __init__(self, name: str, sql: str, types: Mapping[str, str]) -> None:
        self.name = name
        self.parameters = list(dict.fromkeys(PARAMETER.findall(sql)))
        numbered = {parameter: f"${n}" for n, parameter in enumerate(self.parameters, start=1)}
        declared = ", ".join(types[parameter] for parameter in self.parameters)
        body = PARAMETER.sub(lambda match: numbered[match[1]], sql)
        self.prepare_sql = f"PREPARE {name} ({declared}) AS {body}"
        values = ", ".join(f"%({parameter})s" for parameter in self.parameters)
        self.execute_sql = f"EXECUTE {name} ({values})"

    def ensure(self, connection: Connection) -> None:
        """PREPARE this form on the connection unless it was (a new connection has an empty
        `info`: the pool clears it when it replaces the DBAPI connection)."""
        prepared: set[str] = connection.connection.info.setdefault(PREPARED, set())
        if self.name in prepared:
            return
        if not prepared:
            for setup in SESSION_SETUP:
                run_verbatim(connection, setup)
        run_verbatim(connection, self.prepare_sql)
        prepared.add(self.name)


def run_verbatim(connection: Connection, sql: str) -> CursorResult[Any]:
    """Execute SQL as written: no parameter substitution, so a `%` stays a `%`."""
    return connection.execution_options(no_parameters=True).exec_driver_sql(sql)


def run_one(
    connection: Connection, statement: Prepared, params: Mapping[str, Any], prepare: bool
) -> Row | None:
    """Execute one statement on its own; its row, if it returned one."""
    values = statement.values(params)
    if prepare:
        statement.single.ensure(connection)
        result = connection.exec_driver_sql(statement.single.execute_sql, values)
    else:
        result = connection.exec_driver_sql(statement.plain_sql, values)
    return as_row(result.scalar_one_or_none())


def run_group(
    connection: Connection, items: Sequence[tuple[Prepared, Mapping[str, Any]]]
) -> list[Row | None]:
    """Execute statements in one round trip, as one transaction; their rows, in order."""
    for form in dict.fromkeys(statement.grouped for statement, _ in items):
        form.ensure(connection)
    dbapi: Any = connection.connection.dbapi_connection
    cursor = dbapi.cursor()
    try:
        executes = [
            cursor.mogrify(
                statement.grouped.execute_sql, {**statement.values(params), POSITION: n}
            ).decode()
            for n, (statement, params) in enumerate(items)
        ]
    finally:
        cursor.close()
    # The values are already quoted in (mogrify): the group is sent verbatim.
    rows = run_verbatim(connection, "; ".join([*executes, READ_RESULTS])).all()
    found: list[Row | None] = [None] * len(items)
    for row in rows:
        found[row.n] = as_row(row.result)
    return found


def as_row(result: dict[str, Any] | str | None) -> Row | None:
    """A statement's `jsonb` row as a dict (psycopg2 reads jsonb as one already)."""
    if result is None or isinstance(result, dict):
        return result
    row: Row = json.loads(result)
    return row


@dataclass
class _Pending:
    """A statement waiting for its group, and where its outcome goes."""

    statement: Prepared
    params: Mapping[str, Any]
    outcome: Any = field(default=None)  # gevent.event.AsyncResult
    taken: bool = False  # a writer has it in a group: it will commit, however late
    abandoned: bool = False  # its request gave up first: no writer may take it


class GroupCommit:
    """Run the webhooks' statements: grouped under gevent, one by one elsewhere."""

    def __init__(self, engine: Engine, prepare: bool) -> None:
        self.engine = engine
        self.prepare = prepare
        self.queue: Any = None  # gevent.queue.Queue, created with the writers
        self.grouping = prepare and _under_gevent()

    def run(self, statement: Prepared, params: Mapping[str, Any]) -> Row | None:
        """Execute the statement (committed when this returns); its row, if any."""
        if not self.grouping:
            with self.engine.connect() as connection:
                return run_one(connection, statement, params, self.prepare)
        import gevent
        from gevent.event import AsyncResult

        if self.queue is None:
            self._start_writers()
        pending = _Pending(statement, params, AsyncResult())
        self.queue.put(pending)
        try:
            row: Row | None = pending.outcome.get(timeout=WAIT_SECONDS)
            return row
        except gevent.Timeout:
            if not pending.taken:  # never written: the spooled copy is the only one
                pending.abandoned = True
                raise sa_exc.TimeoutError(f"no writer within {WAIT_SECONDS:g} s") from None
        try:
            row = pending.outcome.get(timeout=IN_FLIGHT_SECONDS)
            return row
        except gevent.Timeout:
            log.warning("a webhook's group outlasted its request: it commits after the answer")
            seconds = WAIT_SECONDS + IN_FLIGHT_SECONDS
            raise sa_exc.TimeoutError(f"no commit within {seconds:g} s") from None

    def _start_writers(self) -> None:
        """Start the writer greenlets of this process."""
        import gevent
        from gevent.queue import Queue

        self.queue = Queue()
        for _ in range(WRITERS):
            gevent.spawn(self._write_forever)

    def _write_forever(self) -> None:
        """Take what is waiting (up to MAX_GROUP) and write it; never die."""
        while True:
            group = self._take()
            if not group:
                continue
            try:
                self._write(group)
            except Exception as error:  # a writer must outlive anything one group does
                log.exception("webhook write group failed")
                for pending in group:
                    if not pending.outcome.ready():
                        pending.outcome.set_exception(error)

    def _take(self) -> list[_Pending]:
        """What is waiting (up to MAX_GROUP), less what its request gave up on, marked taken."""
        waiting = [self.queue.get()]
        while len(waiting) < MAX_GROUP and not self.queue.empty():
            waiting.append(self.queue.get_nowait())
        group = [pending for pending in waiting if not pending.abandoned]
        for pending in group:
            pending.taken = True
        return group

    def _write(self, group: list[_Pending]) -> None:
        """Write a group in one transaction, or each on its own after a statement error."""
        if len(group) > 1:
            try:
                with self.engine.connect() as connection:
                    rows = run_group(connection, [(p.statement, p.params) for p in group])
            except sa_exc.DBAPIError as error:
                if is_database_unavailable(error):
                    for pending in group:
                        pending.outcome.set_exception(error)
                    return
                log.warning("a webhook group failed (%s); one by one", type(error).__name__)
            else:
                for pending, row in zip(group, rows, strict=True):
                    pending.outcome.set(row)
                return
        for pending in group:
            try:
                with self.engine.connect() as connection:
                    pending.outcome.set(
                        run_one(connection, pending.statement, pending.params, self.prepare)
                    )
            except Exception as error:  # noqa: BLE001 - its request re-raises it, alone
                pending.outcome.set_exception(error)


def _under_gevent() -> bool:
    """Whether this process runs gevent with a patched socket module (a web worker)."""
    try:
        from gevent import monkey
    except ImportError:  # pragma: no cover - gevent is a dependency
        return False
    return bool(monkey.is_module_patched("socket"))
