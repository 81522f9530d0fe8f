"""A drain in-process against the emulator: sends, permanent failures, retries, timeouts."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest
import redis
from flask import Flask
from rq import Queue
from sqlalchemy import Engine, text

from app.sending.limiter import rate_key
from app.services import campaigns
from app.tasks.sending import send_due_invitations
from tests.support.constants import SENDER, TEMPLATE_SID
from tests.support.database import scalar
from tests.support.emulator import Emulator
from tests.support.factories import insert_guests, make_opt_out, phone
from tests.support.sending import assert_exactly_once


def states(engine: Engine, event_id: int) -> dict[str, int]:
    """Invitations of the event per send state."""
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT send_state, count(*) FROM invitations WHERE event_id = :e GROUP BY 1"),
            {"e": event_id},
        ).all()
    return {state: count for state, count in rows}


def test_a_campaign_is_sent_exactly_once_with_the_template(
    send_app: Flask, engine: Engine, emulator: Emulator, send_env: dict[str, str]
) -> None:
    event_id = insert_guests(send_env["DATABASE_URL"], 300)
    campaign, plan = campaigns.create_campaign(event_id)
    assert plan.recipients == campaign.total == 300

    report = send_due_invitations()

    assert report["accepted"] == 300, report
    assert_exactly_once(engine, emulator, event_id, 300)
    message = emulator.get("/messages", to=f"whatsapp:{phone(7)}")["messages"][0]
    assert message["from"] == SENDER
    assert message["content_sid"] == TEMPLATE_SID
    variables = json.loads(message["content_variables"])
    assert variables["1"] == "Guest 7" and variables["2"] == "Gala" and variables["4"] == "Hall"
    assert message["status_callback"] == "https://invites.example.org/webhooks/twilio/status"
    assert message["validity_period"] == 14400
    assert scalar(engine, "SELECT state FROM campaigns WHERE id = :c", c=campaign.id) == "completed"
    attempts = scalar(engine, "SELECT count(*) FROM message_attempts WHERE status = 'accepted'")
    assert attempts == 300


def test_permanent_errors_fail_at_once_with_code_and_reason(
    send_app: Flask, engine: Engine, emulator: Emulator, send_env: dict[str, str]
) -> None:
    event_id = insert_guests(send_env["DATABASE_URL"], 40)
    emulator.configure(invalid_numbers=[phone(1), phone(2)], opted_out=[phone(3)])
    campaigns.create_campaign(event_id)

    report = send_due_invitations()

    assert report["accepted"] == 37 and report["failed"] == 3, report
    with engine.connect() as connection:
        failed = connection.execute(
            text(
                "SELECT g.phone, i.error_code, i.error_reason, i.attempt_count, g.unreachable_code "
                "FROM invitations i JOIN guests g ON g.id = i.guest_id "
                "WHERE i.send_state = 'failed' ORDER BY g.phone"
            )
        ).all()
        opt_out = connection.execute(text("SELECT phone, source FROM opt_outs")).all()
    assert [(row.phone, row.error_code) for row in failed] == [
        (phone(1), 21211),
        (phone(2), 21211),
        (phone(3), 21610),
    ]
    assert failed[0].error_reason == "The phone number is not valid"
    assert all(row.attempt_count == 1 for row in failed)
    # An invalid number can never receive; an opt-out is recorded as one, not as unreachable.
    assert [row.unreachable_code for row in failed] == [21211, 21211, None]
    assert [tuple(row) for row in opt_out] == [(phone(3), "provider")]


def test_server_errors_and_throttling_are_retried_until_every_guest_has_one_message(
    send_app: Flask, engine: Engine, emulator: Emulator, send_env: dict[str, str]
) -> None:
    event_id = insert_guests(send_env["DATABASE_URL"], 200)
    emulator.configure(server_error_rate=0.3, rate_limit_rate=0.1, retry_after=1, seed=7)
    campaigns.create_campaign(event_id)

    report = send_due_invitations()

    assert report["accepted"] == 200 and report["retried"] > 40, report
    assert_exactly_once(engine, emulator, event_id, 200)
    with engine.connect() as connection:
        rejected = dict(
            connection.execute(
                text(
                    "SELECT http_status, count(*) FROM message_attempts "
                    "WHERE status = 'rejected' GROUP BY 1"
                )
            ).all()
        )
        # A 429 does not use up an attempt: attempt_count counts only the others.
        counted = connection.execute(
            text("SELECT sum(attempt_count) FROM invitations WHERE event_id = :e"), {"e": event_id}
        ).scalar_one()
    assert rejected.get(429, 0) > 0 and sum(rejected.get(s, 0) for s in (500, 502, 503)) > 0
    assert counted == 200 + sum(rejected.get(s, 0) for s in (500, 502, 503))
    factor = redis.Redis.from_url(send_env["REDIS_URL"]).hget(rate_key(SENDER), "cut_at")
    assert factor is not None, "a 429 must slow the shared limiter down"


def test_unanswered_requests_are_reconciled_not_resent(
    send_app: Flask, engine: Engine, emulator: Emulator, send_env: dict[str, str]
) -> None:
    event_id = insert_guests(send_env["DATABASE_URL"], 60)
    # The emulator stores these messages, then answers after the client's 2 s timeout.
    emulator.configure(slow_rate=0.2, slow_delay=3, seed=3)
    campaigns.create_campaign(event_id)

    report = send_due_invitations()

    assert report["unknown"] > 0, report
    assert_exactly_once(engine, emulator, event_id, 60)
    reconciled = scalar(
        engine,
        "SELECT count(*) FROM message_attempts WHERE status = 'accepted' "
        "AND error_message LIKE '%Timeout%'",
    )
    assert reconciled == report["unknown"]


def test_opt_outs_are_checked_at_send_time(
    send_app: Flask, engine: Engine, emulator: Emulator, send_env: dict[str, str]
) -> None:
    event_id = insert_guests(send_env["DATABASE_URL"], 10)
    campaigns.create_campaign(event_id)
    make_opt_out(send_app, phone(4))

    report = send_due_invitations()

    assert report["refused"] == 1 and report["accepted"] == 9, report
    assert f"whatsapp:{phone(4)}" not in emulator.counts()
    assert states(engine, event_id) == {"accepted": 9, "failed": 1}
    assert scalar(engine, "SELECT count(*) FROM message_attempts") == 9


def test_a_paused_campaign_sends_nothing_until_resumed(
    send_app: Flask, engine: Engine, emulator: Emulator, send_env: dict[str, str]
) -> None:
    event_id = insert_guests(send_env["DATABASE_URL"], 20)
    campaign, _ = campaigns.create_campaign(event_id)
    campaigns.pause(campaign.id)

    report = send_due_invitations()

    assert report["claimed"] == 0 and emulator.counts() == {}
    campaigns.resume(campaign.id)
    assert send_due_invitations()["accepted"] == 20
    assert_exactly_once(engine, emulator, event_id, 20)


def test_transient_errors_give_up_after_the_attempt_limit(
    send_app: Flask,
    engine: Engine,
    emulator: Emulator,
    send_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    send_app.config["SENDING"] = replace(send_app.config["SENDING"], max_attempts=3)
    event_id = insert_guests(send_env["DATABASE_URL"], 3)
    emulator.configure(server_error_rate=1.0)
    campaigns.create_campaign(event_id)

    send_due_invitations()

    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT send_state, attempt_count, error_reason FROM invitations")
        ).all()
    assert {row.send_state for row in rows} == {"failed"}
    assert {row.attempt_count for row in rows} == {3}
    assert all(row.error_reason.startswith("Gave up after 3 attempts") for row in rows)
    assert emulator.counts() == {}


def test_a_drain_keeps_going_past_its_slice_while_no_other_job_waits(
    send_app: Flask,
    engine: Engine,
    emulator: Emulator,
    send_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    send_app.config["SENDING"] = replace(send_app.config["SENDING"], slice_seconds=0.3)
    event_id = insert_guests(send_env["DATABASE_URL"], 600)  # 1.2 s at 500/s
    campaigns.create_campaign(event_id)

    report = send_due_invitations()

    assert report["reason"] == "idle" and report["accepted"] == 600, report


def test_a_drain_yields_to_other_jobs_at_the_end_of_its_slice(
    send_app: Flask,
    engine: Engine,
    emulator: Emulator,
    send_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    send_app.config["SENDING"] = replace(send_app.config["SENDING"], slice_seconds=0.3)
    event_id = insert_guests(send_env["DATABASE_URL"], 600)
    campaigns.create_campaign(event_id)
    connection = redis.Redis.from_url(send_env["REDIS_URL"])
    connection.flushdb()
    Queue("default", connection=connection).enqueue("builtins.print", "someone else's job")

    report = send_due_invitations()

    assert report["reason"] == "slice" and 0 < report["accepted"] < 600, report
    # It asked for a successor, queued behind the other job.
    assert [
        job_id.startswith("sending-drain-")
        for job_id in Queue("send", connection=connection).get_job_ids()
    ] == [True]
    assert scalar(engine, "SELECT count(*) FROM invitations WHERE send_state = 'sending'") == 0


def test_a_background_loop_that_dies_ends_the_slice_logged_and_hands_claims_back(
    send_app: Flask,
    engine: Engine,
    emulator: Emulator,
    send_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    emulator.configure(latency="0.2-0.3")
    event_id = insert_guests(send_env["DATABASE_URL"], 2000)  # 4 s at 500/s
    campaigns.create_campaign(event_id)

    def broken(*args: object) -> dict[int, str]:
        raise RuntimeError("a bug in the campaign watch")

    monkeypatch.setattr("app.sending.claims.campaign_states", broken)

    report = send_due_invitations()

    assert report["reason"] == "stopped" and report["accepted"] < 2000, report
    assert "'campaign watch' ended early" in caplog.text
    assert "a bug in the campaign watch" in caplog.text
    # Nothing is left held: what was not sent went back to the queue, to be sent once.
    assert scalar(engine, "SELECT count(*) FROM invitations WHERE send_state = 'sending'") == 0
    assert sum(emulator.counts().values()) == report["accepted"]


def test_the_invitation_is_written_in_the_guests_language_and_the_events_time_zone(
    send_app: Flask, engine: Engine, emulator: Emulator
) -> None:
    event_id = insert_guests(
        engine,
        2,
        starts_at=datetime(2027, 6, 23, 18, 30, tzinfo=UTC),
        time_zone="Europe/Lisbon",
        languages={0: "es"},
    )
    campaigns.create_campaign(event_id)

    assert send_due_invitations()["accepted"] == 2

    def when(index: int) -> str:
        message = emulator.get("/messages", to=f"whatsapp:{phone(index)}")["messages"][0]
        return str(json.loads(message["content_variables"])["3"])

    assert when(0) == "mié, 23 jun 2027, 19:30 · hora de Portugal (Lisboa)"
    assert when(1).startswith("Wed, Jun 23, 2027, 7:30") and "Portugal (Lisbon)" in when(1)
