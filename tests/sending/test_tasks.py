"""The RQ jobs: the sweeper rebuilds wake-ups from PostgreSQL alone; drains don't pile up."""

from __future__ import annotations

from dataclasses import asdict

import redis
from flask import Flask
from sqlalchemy import Engine, text

from app.sending import claims
from app.sending.message import MessageDefaults, build_params
from app.sending.wakeup import register_drainer
from app.services import campaigns
from app.tasks.sending import run_sweep, send_due_invitations
from tests.support.constants import SENDER
from tests.support.database import scalar
from tests.support.emulator import Emulator
from tests.support.factories import insert_guests, phone


def test_the_sweeper_wakes_a_drain_for_due_work_after_redis_lost_everything(
    send_app: Flask, engine: Engine, send_env: dict[str, str]
) -> None:
    event_id = insert_guests(send_env["DATABASE_URL"], 5)
    campaigns.create_campaign(event_id)
    queue = redis.Redis.from_url(send_env["REDIS_URL"])
    queue.flushdb()

    first = run_sweep(send_app)
    second = run_sweep(send_app)  # one wake-up is already waiting

    assert first.drain_requested and not second.drain_requested
    assert queue.llen("rq:queue:send") == 1


def test_the_sweeper_leaves_due_work_to_a_live_drainer(
    send_app: Flask, engine: Engine, send_env: dict[str, str]
) -> None:
    event_id = insert_guests(send_env["DATABASE_URL"], 5)
    campaigns.create_campaign(event_id)
    queue = redis.Redis.from_url(send_env["REDIS_URL"])
    queue.flushdb()
    assert register_drainer(queue, "busy-drainer", 1)

    assert not run_sweep(send_app).drain_requested
    assert send_due_invitations() == {"skipped": "enough drainers are running"}


def test_the_sweeper_reconciles_dead_claims_and_completes_the_campaign(
    send_app: Flask, engine: Engine, emulator: Emulator, send_env: dict[str, str]
) -> None:
    event_id = insert_guests(send_env["DATABASE_URL"], 2)
    campaign, _ = campaigns.create_campaign(event_id)
    with engine.begin() as connection:
        first, _ = claims.claim_due(connection, "dead-worker", SENDER, 2, 30).claims
        connection.execute(text("UPDATE invitations SET claimed_until = now() - interval '1 s'"))
    # The dead worker's first request reached Twilio before the crash.
    defaults = MessageDefaults.from_settings(send_app.config["SETTINGS"], None, 600)
    emulator.create(**build_params(defaults, first.invitee))
    redis.Redis.from_url(send_env["REDIS_URL"]).flushdb()  # no wake-up left anywhere

    report = asdict(run_sweep(send_app))

    assert report["reconciled"] == 2
    with engine.connect() as connection:
        states = dict(
            connection.execute(
                text("SELECT send_state, count(*) FROM invitations GROUP BY 1")
            ).all()
        )
    assert states == {"accepted": 1, "pending": 1}
    # The lost one is due again: the sweeper asked for a drain, which finishes the campaign.
    assert report["drain_requested"]
    assert send_due_invitations()["accepted"] == 1
    assert scalar(engine, "SELECT state FROM campaigns WHERE id = :c", c=campaign.id) == "completed"
    assert emulator.counts() == {f"whatsapp:{phone(0)}": 1, f"whatsapp:{phone(1)}": 1}
