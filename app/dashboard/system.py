"""System health: PostgreSQL, Redis, RQ workers and queues, the sender, running campaigns.

Built so that "workers up but idle" shows at a glance: due invitations, how overdue the
oldest is, and whether any worker is draining them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import redis
from flask import current_app, render_template
from flask.typing import ResponseReturnValue
from rq import Queue, Worker
from rq.registry import (
    DeferredJobRegistry,
    FailedJobRegistry,
    ScheduledJobRegistry,
    StartedJobRegistry,
)
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.dashboard import bp
from app.dashboard.campaigns import campaign_status
from app.extensions import db, redis_store
from app.health.checks import Check, check_database, check_redis
from app.health.views import WORKER_MAX_SILENCE
from app.models import Campaign, CampaignState
from app.sending import claims
from app.sending.stuck import StuckCampaign, last_error, stuck_campaigns
from app.sending.wakeup import live_drainers
from app.services import campaigns

ACTIVE_CAMPAIGNS_SHOWN = 20
# Work overdue by more than this with no worker sending it is reported as a problem.
OVERDUE_ALERT_SECONDS = 30.0


@dataclass(frozen=True)
class WorkerRow:
    """One RQ worker as registered in Redis."""

    name: str
    state: str
    current_job: str | None
    queues: list[str]
    last_heartbeat: datetime | None
    silent_for: float | None
    successful: int
    failed: int

    @property
    def alive(self) -> bool:
        """Whether its heartbeat is recent enough for /ready."""
        return self.silent_for is not None and self.silent_for <= WORKER_MAX_SILENCE


@dataclass(frozen=True)
class QueueRow:
    """Job counts of one RQ queue and its registries."""

    name: str
    waiting: int
    started: int
    failed: int
    scheduled: int
    deferred: int


@dataclass
class JobSystem:
    """What Redis says about workers, queues and drainers (None where Redis failed)."""

    workers: list[WorkerRow] = field(default_factory=list)
    queues: list[QueueRow] = field(default_factory=list)
    drainers: int | None = None
    error: str | None = None


def worker_row(worker: Any, now: datetime) -> WorkerRow:
    """Read one worker's registration."""
    beat = worker.last_heartbeat
    if beat is not None and beat.tzinfo is None:
        beat = beat.replace(tzinfo=UTC)
    return WorkerRow(
        name=worker.name,
        state=str(worker.get_state()),
        current_job=worker.get_current_job_id(),
        queues=worker.queue_names(),
        last_heartbeat=beat,
        silent_for=(now - beat).total_seconds() if beat is not None else None,
        successful=worker.successful_job_count,
        failed=worker.failed_job_count,
    )


def queue_row(name: str, connection: redis.Redis) -> QueueRow:
    """Count one queue's waiting, running, failed, scheduled and deferred jobs."""
    queue = Queue(name, connection=connection)
    return QueueRow(
        name=name,
        waiting=queue.count,
        started=StartedJobRegistry(queue=queue).count,
        failed=FailedJobRegistry(queue=queue).count,
        scheduled=ScheduledJobRegistry(queue=queue).count,
        deferred=DeferredJobRegistry(queue=queue).count,
    )


def job_system(queue_names: tuple[str, ...]) -> JobSystem:
    """Read workers, queues and live drainers from Redis; report a Redis failure instead."""
    connection = redis_store.connection
    now = datetime.now(UTC)
    try:
        workers = sorted(
            (worker_row(w, now) for w in Worker.all(connection=connection)),
            key=lambda row: row.name,
        )
        queues = [queue_row(name, connection) for name in queue_names]
        drainers = live_drainers(connection)
    except redis.RedisError as error:
        return JobSystem(error=type(error).__name__)
    return JobSystem(workers=workers, queues=queues, drainers=drainers)


@dataclass(frozen=True)
class SendingState:
    """What PostgreSQL says about sending work."""

    next_due_in: float | None  # seconds; <= 0 means work is due now; None: nothing left
    stale_claims: int
    stuck: list[StuckCampaign] = field(default_factory=list)
    last_error: dict[str, Any] | None = None

    @property
    def overdue(self) -> float:
        """How long the oldest due work has waited (0 when none is due)."""
        return max(0.0, -self.next_due_in) if self.next_due_in is not None else 0.0


def sending_state() -> SendingState:
    """Read the sender's backlog from PostgreSQL."""
    connection = db.session.connection()
    return SendingState(
        claims.next_due_in(connection),
        claims.stale_claims(connection),
        stuck_campaigns(connection, current_app.config["SENDING"].stuck_after),
        last_error(redis_store.connection),
    )


def active_campaigns() -> list[dict[str, Any]]:
    """Running and paused campaigns, newest first, with their event and progress (few queries)."""
    query = (
        select(Campaign)
        .options(joinedload(Campaign.event))
        .where(Campaign.state.in_([CampaignState.RUNNING, CampaignState.PAUSED]))
        .order_by(Campaign.id.desc())
        .limit(ACTIVE_CAMPAIGNS_SHOWN)
    )
    found = list(db.session.scalars(query))
    progress = campaigns.progresses([campaign.id for campaign in found])
    return [
        {
            "campaign": campaign,
            "status": campaign_status(campaign, progress[campaign.id], time_left=False),
        }
        for campaign in found
    ]


def problems(checks: dict[str, Check], jobs: JobSystem, sending: SendingState | None) -> list[str]:
    """Plain-language alerts: what is wrong, in the order to look at it."""
    found = [
        f"{name.capitalize()} is unreachable ({c.detail})."
        for name, c in checks.items()
        if not c.ok
    ]
    if jobs.error is None and not any(worker.alive for worker in jobs.workers):
        found.append("No worker is alive: nothing will be sent. Start `python -m worker`.")
    if sending is not None and sending.overdue > OVERDUE_ALERT_SECONDS and not jobs.drainers:
        found.append(
            f"Invitations have been due for {round(sending.overdue)} s and no worker is sending"
            " them: workers are up but idle. Check the worker logs and the failed jobs below."
        )
    if sending is not None and sending.stuck:
        found.append(stuck_problem(sending))
    if sending is not None and sending.stale_claims:
        found.append(
            f"{sending.stale_claims} invitations are held by a sender whose lease expired;"
            " the sweeper will reconcile them."
        )
    return found


def stuck_problem(sending: SendingState) -> str:
    """Say which campaigns are stuck, for how long, and the engine's last error."""
    ids = ", ".join(f"#{campaign.id}" for campaign in sending.stuck)
    quiet = round(max(campaign.quiet_for for campaign in sending.stuck))
    problem = (
        f"Campaign {ids} has invitations due and has sent none for {quiet} s"
        " although it is running."
    )
    if sending.last_error is not None:
        error = sending.last_error
        problem += f" Last error, {round(error['age'])} s ago in {error['where']}: {error['error']}"
    return problem


@bp.get("/system")
def system() -> ResponseReturnValue:
    """The health of the database, Redis, workers, queues and running campaigns."""
    checks = {"database": check_database(), "redis": check_redis()}
    jobs = job_system(current_app.config["SETTINGS"].queues)
    sending = sending_state() if checks["database"].ok else None
    return render_template(
        "dashboard/system.html",
        checks=checks,
        jobs=jobs,
        sending=sending,
        campaigns=active_campaigns() if checks["database"].ok else [],
        problems=problems(checks, jobs, sending),
        checked_at=datetime.now(UTC),
        max_silence=WORKER_MAX_SILENCE,
    )
