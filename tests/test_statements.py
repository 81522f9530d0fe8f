"""Prepared webhook statements and their group commits, on a real PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import DataError, OperationalError

from app.extensions import webhook_engine
from app.statements import GroupCommit, Prepared, run_group, run_one

COUNTER = Prepared(
    "test_counter",
    """bumped AS (
        INSERT INTO opt_outs (phone, source, keyword) VALUES (:phone, 'keyword', :keyword)
        ON CONFLICT (phone) DO UPDATE SET keyword = excluded.keyword
        RETURNING phone, keyword, (xmax = 0) AS inserted)""",
    "SELECT phone, keyword, inserted, 100 % 7 AS remainder FROM bumped",
    {"phone": "text", "keyword": "text"},
)
NOTHING = Prepared(
    "test_nothing",
    "found AS (SELECT phone FROM opt_outs WHERE phone = :phone)",
    "SELECT phone FROM found",
    {"phone": "text"},
)


@pytest.mark.parametrize("prepare", [True, False])
def test_a_statement_runs_alone_prepared_or_plain(app: Flask, prepare: bool) -> None:
    with app.app_context(), webhook_engine().connect() as connection:
        first = run_one(connection, COUNTER, {"phone": "+1", "keyword": "stop"}, prepare)
        again = run_one(connection, COUNTER, {"phone": "+1", "keyword": "50% off"}, prepare)
        missing = run_one(connection, NOTHING, {"phone": "+2", "unused": 1}, prepare)
        prepared = connection.exec_driver_sql("SELECT count(*) FROM pg_prepared_statements")
        assert prepared.scalar_one() == (2 if prepare else 0)
    assert first == {"phone": "+1", "keyword": "stop", "inserted": True, "remainder": 2}
    assert again is not None and again["keyword"] == "50% off" and again["inserted"] is False
    assert missing is None


def test_a_group_is_one_transaction_with_every_row_in_order(app: Flask) -> None:
    items = [
        (COUNTER, {"phone": "+1", "keyword": "stop"}),
        (NOTHING, {"phone": "+9"}),
        (COUNTER, {"phone": "+1", "keyword": "it's 100% 'quoted'; DROP TABLE x"}),
        (NOTHING, {"phone": "+1"}),
        (COUNTER, {"phone": "+2", "keyword": "مرحبا"}),
    ]
    with app.app_context(), webhook_engine().connect() as connection:
        rows = run_group(connection, items)
        xids = connection.exec_driver_sql("SELECT count(*) FROM opt_outs").scalar_one()
    # Later statements see what earlier ones of the group wrote; rows come back in order.
    assert rows == [
        {"phone": "+1", "keyword": "stop", "inserted": True, "remainder": 2},
        None,
        {
            "phone": "+1",
            "keyword": "it's 100% 'quoted'; DROP TABLE x",
            "inserted": False,
            "remainder": 2,
        },
        {"phone": "+1"},
        {"phone": "+2", "keyword": "مرحبا", "inserted": True, "remainder": 2},
    ]
    assert xids == 2


def test_a_failing_statement_undoes_its_whole_group(app: Flask) -> None:
    bad = Prepared(
        "test_bad",
        "boom AS (SELECT CAST(:value AS integer) AS n)",
        "SELECT n FROM boom",
        {"value": "text"},
    )
    with app.app_context(), webhook_engine().connect() as connection, pytest.raises(DataError):
        run_group(
            connection,
            [(COUNTER, {"phone": "+1", "keyword": "a"}), (bad, {"value": "not a number"})],
        )
    with app.app_context(), webhook_engine().connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM opt_outs").scalar_one() == 0


@dataclass
class Outcome:
    """Stands in for the gevent AsyncResult a waiting request holds."""

    value: Any = None
    error: BaseException | None = None
    done: bool = False

    def set(self, value: Any) -> None:
        self.value, self.done = value, True

    def set_exception(self, error: BaseException) -> None:
        self.error, self.done = error, True

    def ready(self) -> bool:
        return self.done


@dataclass
class Waiting:
    """A request's statement in a group."""

    statement: Prepared
    params: dict[str, Any]
    outcome: Outcome = field(default_factory=Outcome)


def test_a_group_with_a_bad_statement_is_written_one_by_one(app: Flask) -> None:
    bad = Prepared(
        "test_bad_again",
        "boom AS (SELECT CAST(:value AS integer) AS n)",
        "SELECT n FROM boom",
        {"value": "text"},
    )
    group = [
        Waiting(COUNTER, {"phone": "+1", "keyword": "a"}),
        Waiting(bad, {"value": "x"}),
        Waiting(COUNTER, {"phone": "+2", "keyword": "b"}),
    ]
    with app.app_context():
        GroupCommit(webhook_engine(), prepare=True)._write(group)  # type: ignore[arg-type]
        phones = webhook_engine().connect().exec_driver_sql("SELECT phone FROM opt_outs")
        assert sorted(phones.scalars()) == ["+1", "+2"]
    assert group[0].outcome.value["phone"] == "+1" and group[2].outcome.value["phone"] == "+2"
    assert isinstance(group[1].outcome.error, DataError)


def test_an_unreachable_database_fails_the_whole_group_at_once(
    migrated: dict[str, str],
) -> None:
    from app import create_app

    app = create_app({**migrated, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"})
    group = [Waiting(COUNTER, {"phone": f"+{n}", "keyword": "a"}) for n in range(3)]
    with app.app_context():
        GroupCommit(webhook_engine(), prepare=True)._write(group)  # type: ignore[arg-type]
    errors = [waiting.outcome.error for waiting in group]
    assert all(isinstance(error, OperationalError) for error in errors)
    assert len({id(error) for error in errors}) == 1  # one attempt, not one per request


def test_outside_gevent_statements_run_one_by_one(app: Flask) -> None:
    with app.app_context():
        writes = GroupCommit(webhook_engine(), prepare=True)
        assert writes.grouping is False
        row = writes.run(COUNTER, {"phone": "+7", "keyword": "x"})
        assert row is not None and row["inserted"] is True
        count = webhook_engine().connect().execute(text("SELECT count(*) FROM opt_outs"))
        assert count.scalar_one() == 1
