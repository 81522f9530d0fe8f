"""System health: PostgreSQL, Redis, RQ workers and queues, the sender, running campaigns.

Built so that "workers up but idle" shows at a glance: due invitations, how overdue the
oldest is, and whether any worker is draining them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import current_app, render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.dashboard import bp
from app.dashboard.http import counted
from app.extensions import db, redis_store
from app.health.backlog import SendingState, sending_state
from app.health.checks import Check, check_database, check_redis
from app.health.jobs import WORKER_MAX_SILENCE, JobSystem, job_system
from app.models import Campaign, CampaignState
from app.services import campaigns
from app.services.campaign_status import campaign_status

ACTIVE_CAMPAIGNS_SHOWN = 20
# Work overdue by more than this with no worker sending it is reported as a problem.
OVERDUE_ALERT_SECONDS = 30.0


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
    if jobs.error is None and not jobs.live_workers:
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
            f"{counted(sending.stale_claims, 'invitation')}"
            f" {'is' if sending.stale_claims == 1 else 'are'} held by a sender whose lease"
            " expired; the sweeper will reconcile them."
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
    jobs = job_system(redis_store.connection, current_app.config["SETTINGS"].queues)
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
