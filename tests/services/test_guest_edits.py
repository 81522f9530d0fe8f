"""A deleted guest and the engine: campaigns finish, retries skip them, a new guest is invited."""

from __future__ import annotations

from flask import Flask

from app.extensions import db
from app.models import CampaignState, SendState
from app.sending import lifecycle
from app.services import campaigns, guest_edits
from tests.support.database import query, scalar
from tests.support.factories import make_campaign, make_event, make_guests


def guest_ids(app: Flask, event_id: int) -> list[int]:
    return [row.id for row in query(app, "SELECT id FROM guests WHERE event_id = :e", e=event_id)]


def test_a_running_campaign_whose_last_queued_guest_is_deleted_completes(app: Flask) -> None:
    event_id = make_event(app)
    campaign_id = make_campaign(
        app, event_id, [{"send_state": SendState.ACCEPTED}, {"send_state": SendState.PENDING}]
    )
    _, queued = guest_ids(app, event_id)
    with app.app_context():
        guest_edits.delete_guest(queued)
        with db.engine.begin() as connection:
            assert lifecycle.complete_finished(connection) == [campaign_id]
        counts = campaigns.progress(campaign_id)["counts"]
    assert (counts["accepted"], counts["canceled"], counts["pending"]) == (1, 1, 0)
    assert scalar(app, "SELECT state FROM campaigns") == CampaignState.COMPLETED


def test_a_deleted_guests_failure_is_not_retried(app: Flask) -> None:
    event_id = make_event(app)
    failed = {"send_state": SendState.FAILED, "error_code": 30008}
    campaign_id = make_campaign(app, event_id, [failed, failed], state=CampaignState.COMPLETED)
    gone, kept = guest_ids(app, event_id)
    with app.app_context():
        guest_edits.delete_guest(gone)
        _, requeued, skipped = campaigns.retry_failed(campaign_id)
    assert (requeued, skipped) == (1, 1)
    rows = query(app, "SELECT guest_id, send_state FROM invitations ORDER BY id")
    assert [(row.guest_id, row.send_state) for row in rows] == [(None, "failed"), (kept, "pending")]


def test_a_guest_imported_again_after_a_deletion_is_invited_again(app: Flask) -> None:
    event_id = make_event(app)
    (ana,) = make_guests(app, event_id, [("Ana", "+34612345678")])
    with app.app_context():
        first = campaigns.create_campaign(event_id)[0].id
        db.session.execute(
            db.text("UPDATE invitations SET send_state = 'accepted' WHERE guest_id = :g"),
            {"g": ana},
        )
        db.session.commit()
        guest_edits.delete_guest(ana)
    (again,) = make_guests(app, event_id, [("Ana", "+34612345678")])
    with app.app_context():
        second, plan = campaigns.create_campaign(event_id)
        assert (plan.guests, plan.already_invited, second.total) == (1, 0, 1)
        assert campaigns.progress(first)["counts"]["accepted"] == 1
    assert scalar(app, "SELECT count(*) FROM invitations WHERE guest_id = :g", g=again) == 1
