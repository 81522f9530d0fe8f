"""The upkeep on its own, given stand-ins for the drain's collaborators: watch, renewal, stop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import create_engine

from app.sending import claims, lifecycle, upkeep
from app.sending.drain import SenderSetup
from app.sending.message import Invitee, MessageDefaults
from app.sending.settings import SendingSettings

SETTINGS = SendingSettings(
    rate_per_second=10, max_in_flight=10, request_timeout=1, lease_seconds=0.2
)


class Database:
    """The drain's database threads, answering the upkeep's queries from memory."""

    def __init__(self, states: dict[int, str] | Exception) -> None:
        self.states = states
        self.renewed: list[list[int]] = []

    async def run(self, function: Callable[..., Any], *args: Any) -> Any:
        """Answer as the query would."""
        if function is claims.campaign_states:
            if isinstance(self.states, Exception):
                raise self.states
            return {i: self.states[i] for i in args[0] if i in self.states}
        if function is claims.renew_leases:
            self.renewed.append(args[1])
            return args[1]
        assert function is lifecycle.complete_finished
        return []


class Writer:
    """A result writer with nothing to write."""

    async def run(self, closing: asyncio.Event) -> None:
        """Wait for the drain to close."""
        await closing.wait()


class InFlight:
    """An in-flight pool whose permits always renew."""

    async def renew(self) -> None:
        """Nothing to extend."""


def claim(invitation_id: int, campaign_id: int | None) -> claims.Claim:
    """A held claim whose lease has run out."""
    return claims.Claim(invitation_id, 1, campaign_id, 1, 1, Invitee("Guest", "+15550100", "Gala"))


def run_upkeep(
    database: Database, held: dict[int, claims.Claim], seconds: float
) -> tuple[upkeep.Upkeep, list[str]]:
    """Run an upkeep beside nothing for `seconds`; return it and what ended the drain."""
    ended: list[str] = []
    defaults = MessageDefaults("whatsapp:+15550000", None, None, 14_400)
    setup = SenderSetup(SETTINGS, defaults, "AC1", "token", "http://x", "redis://x", "test")
    engine = create_engine("sqlite://")

    async def drain() -> upkeep.Upkeep:
        loops = upkeep.Upkeep(engine, database, setup, held, lambda: ended.append("ended"))
        loops.start(Writer(), InFlight(), object())
        await asyncio.sleep(seconds)
        await loops.stop()
        assert all(task.done() for task in loops.tasks)
        return loops

    return asyncio.run(drain()), ended


@pytest.fixture(autouse=True)
def no_reconciliation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Recovery finds nothing to reconcile."""

    async def nothing(*args: Any, **kwargs: Any) -> None:
        return None

    monkeypatch.setattr(upkeep, "reconcile_stale", nothing)


def test_the_watch_follows_held_campaigns_and_renewal_extends_the_leases() -> None:
    held = {1: claim(1, 7), 2: claim(2, 8), 3: claim(3, None)}
    database = Database({7: "paused", 8: "running"})

    loops, ended = run_upkeep(database, held, 1.0)

    assert not loops.campaign_running(7)
    assert loops.campaign_running(8) and loops.campaign_running(None)
    assert database.renewed and database.renewed[-1] == [1, 2, 3]
    assert all(c.lease_end > 0 for c in held.values())
    assert ended == []  # closing is not a loop ending early


def test_a_loop_that_dies_ends_the_drain_logged(caplog: pytest.LogCaptureFixture) -> None:
    loops, ended = run_upkeep(Database(RuntimeError("a bug in the watch")), {1: claim(1, 7)}, 1.0)

    assert ended == ["ended"]
    assert "'campaign watch' ended early" in caplog.text
    assert "a bug in the watch" in caplog.text
    assert loops.campaign_running(7)  # never watched: taken as running
