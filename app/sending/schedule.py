"""Start scheduled campaigns when their time comes, and feed the follow-ups that come due.

Both run in the worker's sweep, from PostgreSQL alone: a campaign whose `send_at` has come
is found through `ix_campaigns_scheduled`, so a flushed Redis or a restarted worker loses
nothing; the sweep then requests a drain as it does for any due work.

Starting a campaign checks its pre-flight again, now: its audience is the one of this
moment (guests added since are included, guests who declined since are not reminded), the
provider's 4-hour queue and the daily tier are evaluated again and what they say is kept in
the campaign's `note`, and a reminder or follow-up without an approved template does not
start (it is canceled, with the reason in its note) rather than send free text that
WhatsApp would reject outside the 24-hour window (63016).

A follow-up campaign runs from its creation until its event starts: each sweep queues the
guests whose invitation was delivered `after_seconds` ago and who have not answered.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, text

from app.models.enums import MessageKind, states_text
from app.sending.audiences import Target, fill
from app.sending.message import MessageDefaults
from app.sending.preflight import Preflight, plan_audience
from app.sending.settings import SendingSettings

log = logging.getLogger(__name__)

START_BATCH = 20

DUE = states_text("""
SELECT id FROM campaigns
WHERE state = :campaign_scheduled AND send_at <= now()
ORDER BY send_at, id LIMIT :limit
""")

# The campaign, locked after its event (the lock order of app.services.campaigns), if it
# is still scheduled and due: a cancel or a move that committed first wins.
LOCK_DUE = states_text("""
SELECT c.id, c.event_id, c.kind, c.include_maybe, c.after_seconds
FROM campaigns AS c
WHERE c.id = :id AND c.state = :campaign_scheduled AND c.send_at <= now()
FOR NO KEY UPDATE SKIP LOCKED
""")

LOCK_EVENT = text(
    "SELECT id FROM events WHERE id = (SELECT event_id FROM campaigns WHERE id = :id)"
    " FOR NO KEY UPDATE"
)

STARTED = states_text("""
UPDATE campaigns SET state = :campaign_running, total = :total, note = :note,
    progressed_at = now(), finished_at = NULL
WHERE id = :id
""")

NOT_STARTED = states_text("""
UPDATE campaigns SET state = :campaign_canceled, note = :note, finished_at = now()
WHERE id = :id
""")

RUNNING_FOLLOWUPS = states_text("""
SELECT id, event_id, after_seconds FROM campaigns
WHERE kind = :kind_followup AND state = :campaign_running
""")

# Still running (a pause or cancel that committed first wins), locked while it is fed.
LOCK_RUNNING = states_text("""
SELECT id FROM campaigns WHERE id = :id AND state = :campaign_running
FOR NO KEY UPDATE SKIP LOCKED
""")

ADD_TOTAL = text("UPDATE campaigns SET total = total + :n WHERE id = :id")


@dataclass(frozen=True)
class StartChecks:
    """What a start needs to know from the process: rate, tier and templates."""

    sending: SendingSettings
    defaults: MessageDefaults
    has_callback_url: bool = True

    def plan(self, connection: Connection, target: Target) -> Preflight:
        """The pre-flight of `target` now."""
        has_template = bool(self.defaults.templates(target.kind))
        return plan_audience(connection, target, self.sending, has_template, self.has_callback_url)


def target_of(row: Any) -> Target:
    """The audience of a campaign row (event_id, kind, include_maybe, after_seconds)."""
    return Target(row.event_id, row.kind, bool(row.include_maybe), row.after_seconds or 0)


def start_one(connection: Connection, campaign_id: int, checks: StartChecks) -> bool | None:
    """Start one due scheduled campaign in the caller's transaction.

    Returns True when it started, False when its pre-flight refused it (it is canceled,
    the reason in its note), None when it was not due or not scheduled any more.
    """
    connection.execute(LOCK_EVENT, {"id": campaign_id})
    row = connection.execute(LOCK_DUE, {"id": campaign_id}).one_or_none()
    if row is None:
        return None
    target = target_of(row)
    plan = checks.plan(connection, target)
    if plan.missing_template:
        refusal = "Not started: " + "; ".join(plan.warnings)
        connection.execute(NOT_STARTED, {"id": campaign_id, "note": refusal})
        log.warning("scheduled campaign %s not started: no %s template", campaign_id, row.kind)
        return False
    total = fill(connection, target, campaign_id)
    note = "; ".join(plan.warnings) or None
    connection.execute(STARTED, {"id": campaign_id, "total": total, "note": note})
    log.info("scheduled campaign %s started: %s messages queued", campaign_id, total)
    return True


def start_due_campaigns(engine: Engine, checks: StartChecks) -> int:
    """Start every scheduled campaign whose time has come; return how many started."""
    started = 0
    while True:
        with engine.begin() as connection:
            due = list(connection.execute(DUE, {"limit": START_BATCH}).scalars())
        for campaign_id in due:
            with engine.begin() as connection:
                started += bool(start_one(connection, campaign_id, checks))
        if len(due) < START_BATCH:
            return started


def feed_followups(engine: Engine) -> int:
    """Queue the follow-ups that came due in running follow-up campaigns; return how many."""
    queued = 0
    with engine.begin() as connection:
        campaigns = connection.execute(RUNNING_FOLLOWUPS).all()
    for row in campaigns:
        target = Target(row.event_id, MessageKind.FOLLOWUP, after_seconds=row.after_seconds or 0)
        with engine.begin() as connection:
            if connection.execute(LOCK_RUNNING, {"id": row.id}).one_or_none() is None:
                continue
            n = fill(connection, target, row.id)
            if n:
                connection.execute(ADD_TOTAL, {"id": row.id, "n": n})
        queued += n
    return queued
