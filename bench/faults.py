"""The fault suite: campaigns and webhooks through real processes while things break.

    python -m bench faults                      # every scenario, about 6 minutes
    python -m bench faults --only redis-down-60s,postgres-restart --guests 1000

Each scenario starts its own stack: a scratch PostgreSQL database reached through a TCP
proxy (so that PostgreSQL can go away: every connection cut, new ones refused, then back),
a Redis of its own (so that it can be flushed, stopped and started empty), the Twilio
emulator, gunicorn and ONE `python -m worker`, with no supervisor: a process that exits by
itself stays dead, and the scenario says so. Two events share their guests' phone numbers,
both campaigns run at once, and every delivered invitation is answered by its guest (the
emulator taps a button on that very message), so that status callbacks and replies flow
while the fault is played.

Each scenario prints and records (bench/results/faults.json): guests (invitations), sent
(accepted by the provider), duplicates (an invitation sent more than once), lost (an
invitation never sent, or recorded with a SID that is not its own), inbound lost (replies
the webhook acknowledged but that are not stored, or RSVPs not applied to the invitation
they answer), the worker's own exits, and the time to recover (from the dependency's
return to the next message accepted by the provider). Every figure but the time must be 0.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import redis
from sqlalchemy.exc import SQLAlchemyError

from app.services.webhook_spool import DEAD_KEY, spool_length
from bench.emulator import get_json
from bench.fault_stack import EVENTS, Stack, create_campaigns, seed_events
from bench.sql import rows
from tests.support.services import provide_services

RESULTS = Path(__file__).resolve().parent / "results" / "faults.json"


@dataclass
class Outcome:
    """The figures of one scenario."""

    scenario: str
    guests: int
    sent: int
    duplicates: int
    lost: int
    inbound_lost: int
    worker_exits: int
    recover_seconds: float | None
    seconds: float

    @property
    def passed(self) -> bool:
        """Zero lost, zero duplicated, nothing ended by itself."""
        return not (self.duplicates or self.lost or self.inbound_lost or self.worker_exits)


def wait_until(check: Callable[[], bool], timeout: float, what: str, stack: Stack) -> None:
    """Poll `check` (errors count as no) until it holds; fail with the worker's log tail."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (OSError, redis.RedisError, SQLAlchemyError):  # the dependency may be away
            pass
        time.sleep(0.25)
    raise TimeoutError(f"{what} after {timeout:.0f} s\n{stack.worker.tail(30)}")


def finished(stack: Stack) -> bool:
    """Both campaigns completed, every webhook delivered, and the webhook spool replayed."""
    done = rows(stack.direct_url, "SELECT count(*) AS n FROM campaigns WHERE state = 'completed'")
    stats = get_json(f"{stack.emulator_url}/_emulator/stats")
    settled = stats["callbacks"]["pending_tasks"] == 0
    return done[0].n == len(EVENTS) and settled and spool_length(stack.redis_client()) == 0


def recovery_after(stack: Stack, back_at: float) -> float | None:
    """Seconds from `back_at` to the next message the provider accepted."""
    start = stack.accepted()
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if stack.accepted() > start:
            return round(time.monotonic() - back_at, 1)
        time.sleep(0.1)
    return None


def at_share(stack: Stack, share: float) -> None:
    """Wait until `share` of all invitations were accepted by the provider."""
    target = int(stack.guests * len(EVENTS) * share)
    wait_until(lambda: stack.accepted() >= target, 300, f"{target} messages accepted", stack)


# -- the scenarios: each plays its fault and returns the time to recover (or None) ----------


def kill_9_three_times(stack: Stack) -> float | None:
    """`kill -9` of the worker at 25%, 50% and 75%; a new one is started each time."""
    recover = None
    for share in (0.25, 0.5, 0.75):
        at_share(stack, share)
        stack.kill_worker()
        recover = recovery_after(stack, time.monotonic())
    return recover


def redis_flushed_and_restarted(stack: Stack) -> float | None:
    """FLUSHALL, then Redis stopped for 3 s and started empty, three times."""
    recover = None
    for share in (0.25, 0.5, 0.75):
        at_share(stack, share)
        stack.redis_client().flushall()
        stack.stop_redis()
        time.sleep(3)
        stack.start_redis()
        recover = recovery_after(stack, time.monotonic())
    return recover


def redis_down_60s(stack: Stack) -> float | None:
    """Redis unreachable for 60 s at 30%."""
    at_share(stack, 0.3)
    stack.stop_redis()
    time.sleep(60)
    stack.start_redis()
    return recovery_after(stack, time.monotonic())


def postgres_restart(stack: Stack) -> float | None:
    """PostgreSQL restarted at 30% (connections cut, refused for 5 s), webhooks flowing."""
    at_share(stack, 0.3)
    stack.proxy.stop()
    time.sleep(5)
    stack.proxy.start()
    return recovery_after(stack, time.monotonic())


def provider_faults(stack: Stack) -> float | None:
    """Nothing to play during the run: the emulator was started with the faults."""
    return None


@dataclass(frozen=True)
class Scenario:
    """A fault, and the emulator flags it needs."""

    name: str
    play: Callable[[Stack], float | None]
    emulator_args: tuple[str, ...] = ()


SCENARIOS = [
    Scenario("kill-9-x3", kill_9_three_times),
    Scenario("redis-flush-restart-x3", redis_flushed_and_restarted),
    Scenario("redis-down-60s", redis_down_60s),
    Scenario("postgres-restart", postgres_restart),
    Scenario(
        "provider-faults",
        provider_faults,
        (
            *("--server-error-rate", "0.05", "--rate-limit-rate", "0.05"),
            *("--slow-rate", "0.02", "--lost-rate", "0.02", "--slow-delay", "5"),
            *("--queue-delay", "0-30", "--seed", "7"),
        ),
    ),
]


def invitation_key(message: dict) -> tuple[str, str]:
    """(phone, event) of a message the provider accepted."""
    return message["to"].removeprefix("whatsapp:"), json.loads(message["content_variables"])["2"]


def judge(stack: Stack, name: str, recover: float | None, seconds: float) -> Outcome:
    """Count duplicates, lost invitations and lost inbound from the provider and the database."""
    messages = get_json(f"{stack.emulator_url}/_emulator/messages")["messages"]
    sent = [m for m in messages if m["direction"] == "outbound-api"]
    per_invitation = Counter(invitation_key(m) for m in sent)
    recorded = rows(
        stack.direct_url,
        "SELECT g.phone, e.name AS event, i.message_sid, i.send_state FROM invitations i "
        "JOIN guests g ON g.id = i.guest_id JOIN events e ON e.id = i.event_id",
    )
    sid_of = {m["sid"]: invitation_key(m) for m in sent}
    lost = sum(
        1
        for row in recorded
        if row.send_state != "accepted" or sid_of.get(row.message_sid) != (row.phone, row.event)
    )
    duplicates = sum(n - 1 for n in per_invitation.values() if n > 1)
    stats = get_json(f"{stack.emulator_url}/_emulator/stats")
    stored = rows(stack.direct_url, "SELECT count(*) AS n FROM inbound_messages")[0].n
    misapplied = rows(
        stack.direct_url,
        "SELECT count(*) AS n FROM inbound_messages m JOIN invitations i "
        "ON i.message_sid = m.replied_message_sid "
        "WHERE m.kind = 'rsvp' AND i.rsvp IS DISTINCT FROM (CASE lower(m.button_payload) "
        "WHEN 'yes' THEN 'confirmed' WHEN 'no' THEN 'declined' ELSE 'maybe' END)",
    )[0].n
    dead = int(stack.redis_client().llen(DEAD_KEY))
    inbound_lost = max(0, stats["replies"]["sent"] - stored) + misapplied + dead
    print(
        f"  inbound: {stats['replies']['sent']} replies acknowledged, {stored} stored, "
        f"{misapplied} applied elsewhere than the invitation they answer, {dead} dead in the spool"
    )
    # Every earlier worker was killed by the scenario; the last one must still run.
    exits = 0 if stack.worker.running() else 1
    return Outcome(
        name,
        guests=len(recorded),
        sent=len(sent),
        duplicates=duplicates,
        lost=lost,
        inbound_lost=inbound_lost,
        worker_exits=exits,
        recover_seconds=recover,
        seconds=round(seconds, 1),
    )


def run_scenario(scenario: Scenario, guests: int, work: Path) -> Outcome:
    """Start a stack, run both campaigns through the fault, judge the result."""
    with provide_services(work / "services") as services:
        stack = Stack(work, services.database_url, guests, list(scenario.emulator_args))
        try:
            event_ids = seed_events(services.database_url, guests)
            time.sleep(2)  # the worker is up and idle, as in production
            started = time.monotonic()
            create_campaigns(stack, event_ids)
            recover = scenario.play(stack)
            wait_until(lambda: finished(stack), 600, "campaigns not completed", stack)
            time.sleep(3)  # the last replies and callbacks land
            return judge(stack, scenario.name, recover, time.monotonic() - started)
        finally:
            stack.stop()


def print_table(outcomes: list[Outcome]) -> None:
    """One line per scenario."""
    header = ("scenario", "guests", "sent", "dup", "lost", "inbound lost", "exits", "recover s")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for o in outcomes:
        recover = "-" if o.recover_seconds is None else f"{o.recover_seconds:.1f}"
        cells = (o.scenario, o.guests, o.sent, o.duplicates, o.lost, o.inbound_lost)
        print("| " + " | ".join(str(c) for c in (*cells, o.worker_exits, recover)) + " |")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench faults", description=__doc__)
    parser.add_argument("--guests", type=int, default=1500, help="guests per event (2 events)")
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the scenarios; exit 1 when one loses, duplicates or ends a process."""
    args = parse_args(argv)
    chosen = [s for s in SCENARIOS if not args.only or s.name in args.only.split(",")]
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="faults-") as tmp:
        for scenario in chosen:
            print(f"== {scenario.name}", flush=True)
            outcome = run_scenario(scenario, args.guests, Path(tmp) / scenario.name)
            print(json.dumps(asdict(outcome)), flush=True)
            outcomes.append(outcome)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps([asdict(o) for o in outcomes], indent=2) + "\n")
    print_table(outcomes)
    return 0 if all(o.passed for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
