"""System health: PostgreSQL, Redis, RQ workers and queues, the sender, running campaigns.

Built so that "workers up but idle" shows at a glance: due invitations, how overdue the
oldest is, and whether any worker is draining them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import current_app, render_template
from flask.typing import ResponseReturnValue
from flask_babel import format_number, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.dashboard import bp
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
# What the page names the checks, RQ's worker states and the campaigns it lists.
CHECK_LABELS = {"database": _l("Database"), "redis": "Redis"}
WORKER_STATES = {
    "idle": _l("idle"),
    "busy": _l("busy"),
    "started": _l("started"),
    "suspended": _l("suspended"),
}
CAMPAIGN_STATES = {
    CampaignState.RUNNING.value: _l("Running"),
    CampaignState.PAUSED.value: _l("Paused"),
}


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
        _("%(name)s is unreachable (%(detail)s).", name=check_label(name), detail=c.detail)
        for name, c in checks.items()
        if not c.ok
    ]
    if jobs.error is None and not jobs.live_workers:
        found.append(_("No worker is alive: nothing will be sent. Start `python -m worker`."))
    if sending is not None and sending.overdue > OVERDUE_ALERT_SECONDS and not jobs.drainers:
        found.append(
            _(
                "Invitations have been due for %(seconds)s s and no worker is sending them:"
                " workers are up but idle. Check the worker logs and the failed jobs below.",
                seconds=round(sending.overdue),
            )
        )
    if sending is not None and sending.stuck:
        found.append(stuck_problem(sending))
    if sending is not None and sending.stale_claims:
        found.append(
            ngettext(
                "%(num)s invitation is held by a sender whose lease expired;"
                " the sweeper will reconcile them.",
                "%(num)s invitations are held by a sender whose lease expired;"
                " the sweeper will reconcile them.",
                sending.stale_claims,
                num=format_number(sending.stale_claims),
            )
        )
    return found


def check_label(name: str) -> str:
    """A health check's name as the page says it (`Database`, `Redis`)."""
    return str(CHECK_LABELS.get(name, name.capitalize()))


def stuck_problem(sending: SendingState) -> str:
    """Say which campaigns are stuck, for how long, and the engine's last error."""
    ids = ", ".join(f"#{campaign.id}" for campaign in sending.stuck)
    quiet = round(max(campaign.quiet_for for campaign in sending.stuck))
    problem = _(
        "Campaign %(ids)s has invitations due and has sent none for %(seconds)s s"
        " although it is running.",
        ids=ids,
        seconds=quiet,
    )
    if sending.last_error is not None:
        error = sending.last_error
        problem += " " + _(
            "Last error, %(seconds)s s ago in %(where)s: %(error)s",
            seconds=round(error["age"]),
            where=error["where"],
            error=error["error"],
        )
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
        check_labels=CHECK_LABELS,
        worker_states=WORKER_STATES,
        campaign_states=CAMPAIGN_STATES,
    )
