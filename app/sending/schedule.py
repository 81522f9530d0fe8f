"""Start scheduled campaigns when their time comes, and feed the watching ones.

Both run in the worker's sweep, from PostgreSQL alone: a campaign whose `send_at` has come
is found through `ix_campaigns_scheduled`, so a flushed Redis or a restarted worker loses
nothing; the sweep then requests a drain as it does for any due work. The start itself is
the lifecycle's one start (`lifecycle.start`): the audience of this moment, the pre-flight
checked again and what it says kept in the campaign's note, a kind without its template
refused rather than sent as free text.

A watching campaign (a follow-up) runs from its creation until its event starts: each sweep
queues the guests who came due.
"""

from __future__ import annotations

import logging

from sqlalchemy import Engine

from app.sending import lifecycle
from app.sending.lifecycle import RUNNING, StartChecks

log = logging.getLogger(__name__)

START_BATCH = 20


def start_due_campaigns(engine: Engine, checks: StartChecks) -> int:
    """Start every scheduled campaign whose time has come; return how many started."""
    started = 0
    while True:
        with engine.begin() as connection:
            due = lifecycle.due_scheduled(connection, START_BATCH)
        for campaign_id in due:
            with engine.begin() as connection:
                moved = lifecycle.start(connection, campaign_id, checks)
            if moved is None:
                continue
            if moved.after is RUNNING:
                started += 1
                log.info("scheduled campaign %s started: %s queued", campaign_id, moved.rows)
            else:
                log.warning("scheduled campaign %s not started: no template", campaign_id)
        if len(due) < START_BATCH:
            return started


def feed_watching(engine: Engine) -> int:
    """Queue the guests who came due in running watching campaigns; return how many."""
    queued = 0
    with engine.begin() as connection:
        watching = lifecycle.running_watchers(connection)
    for campaign_id in watching:
        with engine.begin() as connection:
            queued += lifecycle.feed(connection, campaign_id)
    return queued
