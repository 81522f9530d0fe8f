"""Scheduled campaigns, reminders and follow-ups, in-process: audiences, starts, claims, sends.

The sweep's start (`start_due_campaigns`, `feed_followups`) and a drain run here against
PostgreSQL and the emulator; tests/sending/test_schedule_processes.py does it with gunicorn
and the worker.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, text

from app import create_app
from app.emulator.config import DEFAULT_AUTH_TOKEN
from app.extensions import db
from app.health.checks import check_sending
from app.models.base import utcnow
from app.sending import claims
from app.sending.message import MessageDefaults
from app.services import campaigns, events
from app.services.campaigns import CampaignError, ConflictError
from app.tasks.sending import run_sweep, send_due_invitations
from tests.support.apps import fresh_app
from tests.support.constants import API_AUTH, SENDER
from tests.support.database import dispose_engines, scalar
from tests.support.emulator import Emulator
from tests.support.factories import insert_guests, invite_all, make_guests, make_opt_out, phone
from tests.support.webhooks import INBOUND, button_form, signed_post

REMINDER_SID = "HX" + "abcdef0123456789" * 2
FOLLOWUP_SID = "HX" + "fedcba9876543210" * 2
SPANISH_REMINDER_SID = "HX" + "5" * 32


@pytest.fixture
def templates_env(send_env: dict[str, str]) -> dict[str, str]:
    """The engine's environment with reminder and follow-up templates."""
    return {
        **send_env,
        "TWILIO_REMINDER_CONTENT_SID": REMINDER_SID,
        "TWILIO_REMINDER_CONTENT_SIDS": f"es={SPANISH_REMINDER_SID}",
        "TWILIO_FOLLOWUP_CONTENT_SID": FOLLOWUP_SID,
    }


@pytest.fixture
def app(templates_env: dict[str, str], sending_knobs: dict[str, str]) -> Iterator[Flask]:
    """An app with every template, in an app context; tables and Redis emptied afterwards."""
    with fresh_app(templates_env) as app, app.app_context():
        yield app


@pytest.fixture
def engine(app: Flask) -> Engine:
    """The engine of `app` (whose context is the current one)."""
    return db.engine


def execute(engine: Engine, sql: str, **params: object) -> None:
    """Run one statement in its own transaction."""
    with engine.begin() as connection:
        connection.execute(text(sql), params)


def invited_and_answered(engine: Engine, answers: list[str | None], **event: Any) -> int:
    """An event (`event`: insert_guests' options) whose guests were invited (accepted,
    delivered 4 days ago) and answered."""
    event_id = insert_guests(engine, len(answers), **event)
    invite_all(engine, event_id, answers, delivered_ago=timedelta(days=4))
    return event_id


def rows_of(engine: Engine, event_id: int, kind: str) -> dict[str, str]:
    """The event's rows of one kind: phone -> send state."""
    with engine.connect() as connection:
        found = connection.execute(
            text(
                "SELECT g.phone, i.send_state FROM invitations AS i JOIN guests AS g"
                " ON g.id = i.guest_id WHERE i.event_id = :e AND i.kind = :k"
            ),
            {"e": event_id, "k": kind},
        ).all()
    return {row.phone: row.send_state for row in found}


def sent_to(emulator: Emulator, content_sid: str) -> list[str]:
    """The numbers the emulator accepted a message of this template for."""
    return sorted(
        m["to"].removeprefix("whatsapp:")
        for m in emulator.messages()
        if m["content_sid"] == content_sid
    )


def test_a_scheduled_campaign_waits_then_starts_with_the_guests_added_since(
    app: Flask, engine: Engine
) -> None:
    event_id = insert_guests(engine, 5)
    campaign, plan = campaigns.create_campaign(event_id, utcnow() + timedelta(hours=2))

    assert campaign.state == "scheduled" and campaign.total == plan.recipients == 5
    assert rows_of(engine, event_id, "invitation") == {}
    assert run_sweep(app).started == 0  # not due yet
    make_guests(app, event_id, [("Late", phone(99))])
    execute(engine, "UPDATE campaigns SET send_at = now() WHERE id = :c", c=campaign.id)

    report = run_sweep(app)

    assert report.started == 1 and report.drain_requested
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT state, total FROM campaigns WHERE id = :c"), {"c": campaign.id}
        ).one()
    assert (row.state, row.total) == ("running", 6)
    assert set(rows_of(engine, event_id, "invitation")) == {phone(i) for i in range(5)} | {
        phone(99)
    }
    assert run_sweep(app).started == 0  # started once


def test_a_scheduled_campaign_can_be_moved_canceled_and_moved_into_the_past_to_start_now(
    app: Flask, engine: Engine
) -> None:
    event_id = insert_guests(engine, 3)
    later = utcnow() + timedelta(days=2)
    first, _ = campaigns.create_campaign(event_id, utcnow() + timedelta(hours=1))
    moved = campaigns.reschedule(first.id, later)
    assert moved.send_at == later and moved.state == "scheduled"

    canceled, withdrawn = campaigns.cancel(first.id)
    assert canceled.state == "canceled" and withdrawn == 0
    with pytest.raises(ConflictError):
        campaigns.reschedule(first.id, later)
    with pytest.raises(CampaignError):
        campaigns.create_campaign(event_id, utcnow() + timedelta(days=400))

    second, _ = campaigns.create_campaign(event_id, later)
    started = campaigns.reschedule(second.id, utcnow() - timedelta(seconds=1))

    assert started.state == "running" and started.total == 3
    assert len(rows_of(engine, event_id, "invitation")) == 3


def test_a_reminder_goes_to_confirmed_guests_once_with_its_template_and_language(
    app: Flask, engine: Engine, emulator: Emulator
) -> None:
    answers: list[str | None] = ["confirmed", "confirmed", "declined", "maybe", None, "confirmed"]
    event_id = invited_and_answered(
        engine, answers, starts_at=timedelta(hours=10), languages={1: "es"}
    )
    make_opt_out(app, phone(5))

    reminder, plan = campaigns.schedule_reminder(event_id, hours_before=24)

    # 24 hours before a start 10 hours away has passed: it goes now, to the two confirmed
    # guests who can receive (the third opted out).
    assert reminder.state == "running" and reminder.kind == "reminder"
    assert plan.recipients == 2 and plan.unreachable == 1
    assert send_due_invitations()["accepted"] == 2
    assert sent_to(emulator, REMINDER_SID) == [phone(0)]
    assert sent_to(emulator, SPANISH_REMINDER_SID) == [phone(1)]
    variables = json.loads(emulator.messages()[0]["content_variables"])
    assert variables["2"] == "Gala"

    # Exactly once per guest and reminder: a second reminder finds no one left.
    with pytest.raises(ConflictError, match="left to remind"):
        campaigns.schedule_reminder(event_id, hours_before=24)
    # The reminders are not invitations: the event's stats still count 6 invitations.
    assert campaigns.preflight(event_id).already_invited == 6


def test_a_guest_who_declines_after_the_reminder_was_queued_is_not_reminded(
    app: Flask, engine: Engine, emulator: Emulator
) -> None:
    event_id = invited_and_answered(engine, ["confirmed"] * 3, starts_at=timedelta(hours=2))
    reminder, _ = campaigns.schedule_reminder(event_id, hours_before=3, include_maybe=True)
    execute(
        engine,
        "UPDATE invitations SET rsvp = 'declined' FROM guests g"
        " WHERE g.id = invitations.guest_id AND g.phone = :p AND invitations.kind = 'invitation'",
        p=phone(2),
    )

    report = send_due_invitations()

    assert report["accepted"] == 2 and report["refused"] == 1
    assert sent_to(emulator, REMINDER_SID) == [phone(0), phone(1)]
    assert rows_of(engine, event_id, "reminder")[phone(2)] == "canceled"
    reason = scalar(engine, "SELECT error_reason FROM invitations WHERE send_state = 'canceled'")
    assert "declined" in reason
    assert scalar(engine, "SELECT state FROM campaigns WHERE id = :c", c=reminder.id) == "completed"


def test_a_reply_to_a_reminder_answers_the_invitation(app: Flask, engine: Engine) -> None:
    event_id = invited_and_answered(engine, ["confirmed"], starts_at=timedelta(hours=2))
    campaigns.schedule_reminder(event_id, hours_before=3)
    send_due_invitations()
    reminder_sid = scalar(engine, "SELECT message_sid FROM invitations WHERE kind = 'reminder'")

    response = signed_post(
        app.test_client(),
        INBOUND,
        button_form(phone(0), "no", "No", replied_sid=reminder_sid),
        token=DEFAULT_AUTH_TOKEN,
        url="https://invites.example.org" + INBOUND,
    )

    assert response.status_code == 200
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT kind, rsvp FROM invitations WHERE event_id = :e ORDER BY kind"),
            {"e": event_id},
        ).all()
    assert [tuple(row) for row in rows] == [("invitation", "declined"), ("reminder", None)]


def test_reminders_and_follow_ups_without_a_template_are_refused_never_sent_as_text(
    send_app: Flask, emulator: Emulator, send_env: dict[str, str]
) -> None:
    with send_app.app_context():
        check_refusals_without_templates(send_app, db.engine, emulator, send_env)


def check_refusals_without_templates(
    send_app: Flask, engine: Engine, emulator: Emulator, send_env: dict[str, str]
) -> None:
    """The body of the test above, in the context of an app without follow-on templates."""
    event_id = invited_and_answered(engine, ["confirmed", None])

    plan = campaigns.preflight(event_id, campaigns.Target(event_id, "reminder"))
    assert plan.missing_template and "TWILIO_REMINDER_CONTENT_SID" in plan.warnings[0]
    assert "63016" in plan.warnings[0]
    with pytest.raises(ConflictError, match="TWILIO_REMINDER_CONTENT_SID"):
        campaigns.schedule_reminder(event_id)
    with pytest.raises(ConflictError, match="TWILIO_FOLLOWUP_CONTENT_SID"):
        campaigns.create_followup(event_id)

    # A reminder queued while a template was configured, claimed once it is gone: failed
    # with 63016's reason at the claim, no request made.
    execute(
        engine,
        "INSERT INTO invitations (event_id, guest_id, kind, send_state, next_attempt_at,"
        " attempt_count) SELECT event_id, guest_id, 'reminder', 'pending', now(), 0"
        " FROM invitations"
        " WHERE event_id = :e AND rsvp = 'confirmed'",
        e=event_id,
    )
    defaults = MessageDefaults.from_settings(send_app.config["SETTINGS"], None, 14400)
    with engine.begin() as connection:
        batch = claims.claim_due(connection, "worker", SENDER, 10, 30, defaults=defaults)
    assert batch.claims == [] and [r.code for r in batch.refused] == [63016]
    assert emulator.messages() == []


def test_a_scheduled_reminder_whose_template_is_gone_at_start_does_not_start(
    app: Flask, engine: Engine, send_env: dict[str, str]
) -> None:
    event_id = invited_and_answered(engine, ["confirmed"])
    reminder, _ = campaigns.schedule_reminder(event_id, hours_before=24)
    assert reminder.state == "scheduled"
    execute(engine, "UPDATE campaigns SET send_at = now() WHERE id = :c", c=reminder.id)

    without_templates = create_app(send_env)
    with without_templates.app_context():
        report = run_sweep(without_templates)
    dispose_engines()

    assert report.started == 0
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT state, note FROM campaigns WHERE id = :c"), {"c": reminder.id}
        ).one()
    assert row.state == "canceled" and "no reminder is approved in any language" in row.note
    assert rows_of(engine, event_id, "reminder") == {}


def test_follow_ups_go_to_guests_who_did_not_answer_after_delivery_once_each(
    app: Flask, engine: Engine, emulator: Emulator
) -> None:
    answers: list[str | None] = [None, None, "confirmed", None, None]
    event_id = invited_and_answered(engine, answers)
    # Guest 1's invitation failed; guest 3's was delivered yesterday only.
    execute(
        engine,
        "UPDATE invitations SET send_state = 'failed', delivery_status = 'failed',"
        " delivered_at = NULL FROM guests g WHERE g.id = invitations.guest_id AND g.phone = :p",
        p=phone(1),
    )
    execute(
        engine,
        "UPDATE invitations SET delivered_at = now() - interval '1 day'"
        " FROM guests g WHERE g.id = invitations.guest_id AND g.phone = :p",
        p=phone(3),
    )

    followup, plan = campaigns.create_followup(event_id, after_days=3)

    assert followup.state == "running" and plan.recipients == 2
    assert send_due_invitations()["accepted"] == 2
    assert sent_to(emulator, FOLLOWUP_SID) == [phone(0), phone(4)]
    # It keeps watching until the event starts: guest 3 comes due later, once.
    execute(
        engine,
        "UPDATE invitations SET delivered_at = now() - interval '5 days'"
        " FROM guests g WHERE g.id = invitations.guest_id AND g.phone = :p",
        p=phone(3),
    )
    run_sweep(app)
    assert run_sweep(app).followups == 0
    send_due_invitations()
    assert sent_to(emulator, FOLLOWUP_SID) == [phone(0), phone(3), phone(4)]
    assert scalar(engine, "SELECT state FROM campaigns WHERE id = :c", c=followup.id) == "running"

    execute(engine, "UPDATE events SET starts_at = now() WHERE id = :e", e=event_id)
    run_sweep(app)
    assert scalar(engine, "SELECT state FROM campaigns WHERE id = :c", c=followup.id) == "completed"
    assert len(emulator.messages()) == 3


def test_the_event_stats_count_invitations_only(app: Flask, engine: Engine) -> None:
    event_id = invited_and_answered(engine, ["confirmed"] * 4, starts_at=timedelta(hours=2))
    campaigns.schedule_reminder(event_id, hours_before=3)
    send_due_invitations()

    stats = events.event_stats(event_id)

    assert stats["guests"] == 4
    assert sum(stats["rsvp"].values()) == 4
    # The 4 reminders accepted are not counted as 4 more messages of the event's guests.
    assert stats["delivery"]["delivered"] == 4, stats["delivery"]
    assert min(stats["delivery"].values()) == 0, stats["delivery"]


def api(app: Flask, method: str, path: str, body: object = None) -> tuple[int, dict]:
    """Call the API in-process; return the status and the JSON."""
    response = app.test_client().open(
        f"/api/v1{path}",
        method=method,
        json=body,
        headers=API_AUTH,
    )
    return response.status_code, response.get_json()


def test_the_api_schedules_moves_and_cancels_with_times_in_the_event_zone(
    app: Flask, engine: Engine
) -> None:
    status, event = api(
        app,
        "POST",
        "/events",
        {"name": "Gala", "starts_at": "2027-06-23T19:30", "time_zone": "Europe/Lisbon"},
    )
    assert status == 201
    api(app, "POST", f"/events/{event['id']}/guests", {"guests": [
        {"name": "Ana", "phone": phone(0)}, {"name": "Rui", "phone": phone(1)}]})  # fmt: skip

    status, campaign = api(
        app, "POST", f"/events/{event['id']}/campaigns", {"send_at": "2027-06-01T09:00"}
    )

    assert status == 201, campaign
    assert campaign["state"] == "scheduled" and campaign["kind"] == "invitation"
    assert campaign["send_at"] == "2027-06-01T08:00:00+00:00"  # 09:00 in Lisbon's summer
    assert campaign["total"] == 2 and campaign["pending"] == 0
    status, moved = api(
        app, "POST", f"/campaigns/{campaign['id']}/reschedule", {"send_at": "2027-06-02T10:00Z"}
    )
    assert status == 200 and moved["send_at"] == "2027-06-02T10:00:00+00:00"
    assert api(app, "POST", f"/campaigns/{campaign['id']}/pause")[0] == 409
    status, canceled = api(app, "POST", f"/campaigns/{campaign['id']}/cancel")
    assert status == 200 and canceled["state"] == "canceled"

    status, reminder = api(
        app, "POST", f"/events/{event['id']}/reminders", {"hours_before": 48, "include_maybe": True}
    )
    assert status == 201 and reminder["kind"] == "reminder"
    assert reminder["send_at"] == "2027-06-21T18:30:00+00:00" and reminder["include_maybe"]
    assert reminder["hours_before"] == 48
    status, plan = api(app, "GET", f"/events/{event['id']}/campaigns/preflight?kind=followup")
    assert status == 200 and plan["kind"] == "followup" and not plan["missing_template"]


@pytest.mark.parametrize(
    ("path", "body", "status", "message"),
    [
        ("/campaigns", {"send_at": "tomorrow"}, 400, "ISO 8601"),
        ("/campaigns", {"send_at": 5}, 400, "ISO 8601"),
        ("/campaigns", {"send_at": "2099-01-01T00:00Z"}, 400, "within a year"),
        ("/campaigns", {"send_at": "2026-01-01T00:00Z"}, 400, "in the past"),
        ("/campaigns", {"when": "2027-01-01"}, 400, "unknown field"),
        ("/reminders", {"hours_before": 0}, 400, "more than 0"),
        ("/reminders", {"hours_before": "24"}, 400, "must be a number"),
        ("/reminders", {"hours_before": True}, 400, "must be a number"),
        ("/reminders", {"hours_before": 1e300}, 400, "finite number"),
        ("/reminders", {"include_maybe": "yes"}, 400, "true or false"),
        ("/followups", {"after_days": -1}, 400, "more than 0"),
        ("/followups", {"after_days": 61}, 400, "at most 60"),
    ],
)
def test_bad_schedules_get_a_clear_error_and_change_nothing(
    app: Flask,
    engine: Engine,
    path: str,
    body: dict,
    status: int,
    message: str,
) -> None:
    event_id = insert_guests(engine, 2)

    got, answer = api(app, "POST", f"/events/{event_id}{path}", body)

    assert got == status and message in answer["message"], answer
    assert scalar(engine, "SELECT count(*) FROM campaigns") == 0


def test_a_reminder_needs_an_event_that_has_a_start_still_ahead(app: Flask, engine: Engine) -> None:
    event_id = insert_guests(engine, 2, starts_at=None)
    status, answer = api(app, "POST", f"/events/{event_id}/reminders")
    assert status == 409 and "no start time" in answer["message"]

    execute(engine, "UPDATE events SET starts_at = now() - interval '1 hour' WHERE id = :e",
            e=event_id)  # fmt: skip
    status, answer = api(app, "POST", f"/events/{event_id}/reminders")
    assert status == 409 and "already started" in answer["message"]
    assert scalar(engine, "SELECT count(*) FROM campaigns") == 0


def test_a_scheduled_campaign_no_sweep_started_shows_as_stuck(app: Flask, engine: Engine) -> None:
    event_id = insert_guests(engine, 2)
    campaign, _ = campaigns.create_campaign(event_id, utcnow() + timedelta(hours=1))
    assert check_sending().ok
    execute(
        engine, "UPDATE campaigns SET send_at = now() - interval '5 minutes' WHERE id = :c",
        c=campaign.id,
    )  # fmt: skip

    check = check_sending()

    assert not check.ok
    assert f"campaigns {campaign.id}: not started, due 300 s ago" in check.detail
    run_sweep(app)
    assert check_sending().ok


def test_an_event_has_one_reminder_and_one_follow_up_at_a_time(app: Flask, engine: Engine) -> None:
    event_id = invited_and_answered(engine, ["confirmed", None])
    reminder, _ = campaigns.schedule_reminder(event_id, hours_before=24)
    campaigns.create_followup(event_id, after_days=3)

    with pytest.raises(ConflictError, match=f"already has a reminder \\(campaign {reminder.id}\\)"):
        campaigns.schedule_reminder(event_id, hours_before=2)
    with pytest.raises(ConflictError, match="already has a follow-up"):
        campaigns.create_followup(event_id, after_days=1)

    campaigns.cancel(reminder.id)
    assert campaigns.schedule_reminder(event_id, hours_before=2)[0].state == "scheduled"
