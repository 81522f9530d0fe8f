"""Campaigns in the dashboard: the pre-flight, creation, progress JSON and the controls."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from app.extensions import db
from app.models import Campaign, CampaignState, Invitation, SendState
from tests.support.dashboard import text_of
from tests.support.factories import (
    invite,
    make_attempts,
    make_campaign,
    make_event,
    make_guests,
    make_opt_out,
)


def event_with_guests(app: Flask, count: int = 4) -> tuple[int, list[int]]:
    """An event with `count` guests nobody has invited yet."""
    event_id = make_event(app, "Product launch")
    guests = make_guests(app, event_id, [(f"Guest {n}", f"+1202555{n:04d}") for n in range(count)])
    return event_id, guests


def start_campaign(user: FlaskClient, event_id: int) -> int:
    """Confirm the send; return the new campaign's id."""
    response = user.post(f"/events/{event_id}/send")
    assert response.status_code == 302
    match = re.fullmatch(r"/campaigns/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def set_states(app: Flask, campaign_id: int, **states: int) -> None:
    """Move the campaign's invitations (by id order) into the given send states."""
    with app.app_context():
        query = db.select(Invitation).where(Invitation.campaign_id == campaign_id)
        invitations = list(db.session.scalars(query.order_by(Invitation.id)))
        for state, count in states.items():
            for invitation in invitations[:count]:
                invitation.send_state = SendState(state)
            invitations = invitations[count:]
        db.session.commit()


def campaign_state(app: Flask, campaign_id: int) -> CampaignState:
    """The campaign's state in the database."""
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        assert campaign is not None
        return campaign.state


def test_preflight_shows_the_numbers_before_anything_is_sent(app: Flask, user: FlaskClient) -> None:
    event_id, guests = event_with_guests(app, 5)
    invite(app, guests[0])
    make_opt_out(app, "+12025550001")
    response = user.get(f"/events/{event_id}/send")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    page = text_of(html)
    assert 'data-stat="recipients">3<' in html
    assert "Guests in the event 5" in page
    assert "Already invited 1" in page and "Opted out (never messaged) 1" in page
    assert "Fits Twilio's 4-hour queue Yes" in page
    assert "No template is configured" in page  # the test environment has none
    assert "Send 3 invitations" in page
    with app.app_context():
        assert db.session.scalars(db.select(Campaign)).all() == []  # nothing was created


def test_preflight_with_nobody_left_to_invite(app: Flask, user: FlaskClient) -> None:
    event_id = make_event(app)
    page = text_of(user.get(f"/events/{event_id}/send").get_data(as_text=True))
    assert "Every guest who can be invited already is." in page
    assert "Send 0" not in page
    response = user.post(f"/events/{event_id}/send")
    assert response.headers["Location"] == f"/events/{event_id}"
    assert "Nothing to send: no guest of this event is left to invite." in text_of(
        user.get(response.headers["Location"]).get_data(as_text=True)
    )


def test_confirm_creates_the_campaign_and_opens_its_page(app: Flask, user: FlaskClient) -> None:
    event_id, _ = event_with_guests(app, 4)
    campaign_id = start_campaign(user, event_id)
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        assert campaign is not None and campaign.total == 4
        states = db.session.execute(
            text("SELECT send_state, count(*) FROM invitations GROUP BY send_state")
        ).all()
        assert [(str(state), count) for state, count in states] == [("pending", 4)]
    html = user.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    page = text_of(html)
    assert "Sending 4 invitations." in page
    assert "0% — 0 of 4 invitations done" in page
    assert (
        f'data-progress-url="/campaigns/{campaign_id}/progress.json" data-state="running"' in html
    )
    # Running: pause and cancel are offered; resume and retry are hidden until they apply.
    for action, hidden in (
        ("pause", False),
        ("cancel", False),
        ("resume", True),
        ("retry-failed", True),
    ):
        form = re.search(rf'<form [^>]*data-action="{action}"[^>]*>', html)
        assert form is not None
        assert (" hidden" in form.group(0)) is hidden, action
    assert "Product launch" in user.get(f"/events/{event_id}").get_data(as_text=True)


def test_progress_json_follows_the_invitations(app: Flask, user: FlaskClient) -> None:
    event_id, _ = event_with_guests(app, 4)
    campaign_id = start_campaign(user, event_id)
    before = user.get(f"/campaigns/{campaign_id}/progress.json").get_json()
    assert before["state"] == "running"
    assert before["total"] == 4 and before["settled"] == 0 and before["percent"] == 0
    assert before["seconds_left"] is None  # nothing sent yet: no "about 0 s left"
    assert before["counts"] == {
        "pending": 4,
        "sending": 0,
        "accepted": 0,
        "failed": 0,
        "canceled": 0,
    }
    assert before["actions"] == ["pause", "cancel"]
    set_states(app, campaign_id, accepted=2, failed=1, sending=1)
    with app.app_context():
        db.session.execute(
            text(
                "UPDATE invitations SET delivery_status = 'read' WHERE id = "
                "(SELECT min(id) FROM invitations WHERE send_state = 'accepted')"
            )
        )
        db.session.execute(
            text("UPDATE invitations SET accepted_at = now() WHERE send_state = 'accepted'")
        )
        db.session.execute(
            text(
                "UPDATE invitations SET error_code = 21211, error_reason = 'invalid number'"
                " WHERE send_state = 'failed'"
            )
        )
        db.session.commit()
    after = user.get(f"/campaigns/{campaign_id}/progress.json")
    assert after.headers["Cache-Control"] == "no-store"
    status = after.get_json()
    assert status["settled"] == 3 and status["percent"] == 75.0
    assert status["shares"]["accepted"] == 50.0
    assert status["actions"] == ["pause", "cancel", "retry-failed"]
    assert {stage["key"]: stage["count"] for stage in status["funnel"]} == {
        "accepted": 2,
        "delivered": 1,
        "read": 1,
        "not-delivered": 0,
    }
    assert status["errors"] == [{"code": 21211, "reason": "invalid number", "count": 1}]
    # 2 accepted in the last minute: the 1 still sending needs about 30 s.
    assert status["seconds_left"] == 30
    assert status["percent_text"] == "75%"


def test_pause_resume_and_cancel(app: Flask, user: FlaskClient) -> None:
    event_id, _ = event_with_guests(app, 3)
    campaign_id = start_campaign(user, event_id)
    page = f"/campaigns/{campaign_id}"
    assert user.post(f"{page}/pause").headers["Location"] == page
    assert campaign_state(app, campaign_id) is CampaignState.PAUSED
    assert "Campaign paused." in text_of(user.get(page).get_data(as_text=True))
    user.post(f"{page}/resume")
    assert campaign_state(app, campaign_id) is CampaignState.RUNNING
    user.post(f"{page}/cancel")
    assert campaign_state(app, campaign_id) is CampaignState.CANCELED
    assert "Campaign canceled: 3 invitations will not be sent." in text_of(
        user.get(page).get_data(as_text=True)
    )
    user.post(f"{page}/resume")
    assert "Not done: cannot resume a canceled campaign." in text_of(
        user.get(page).get_data(as_text=True)
    )
    assert campaign_state(app, campaign_id) is CampaignState.CANCELED
    assert user.get(f"{page}/progress.json").get_json()["actions"] == []


def test_retry_failed_requeues_them(app: Flask, user: FlaskClient) -> None:
    event_id, _ = event_with_guests(app, 3)
    campaign_id = start_campaign(user, event_id)
    set_states(app, campaign_id, accepted=1, failed=2)
    user.post(f"/campaigns/{campaign_id}/retry-failed")
    assert "2 failed invitations queued again." in text_of(
        user.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    )
    counts = user.get(f"/campaigns/{campaign_id}/progress.json").get_json()["counts"]
    assert counts["pending"] == 2 and counts["failed"] == 0


def test_unknown_campaigns_and_actions(user: FlaskClient) -> None:
    assert user.get("/campaigns/77").status_code == 404
    missing = user.get("/campaigns/77/progress.json")
    assert missing.status_code == 404
    assert missing.get_json()["error"] == "Not Found"
    assert user.post("/campaigns/77/pause").status_code == 404
    assert user.post("/campaigns/77/explode").status_code == 404


def at(minute: int, second: int = 0) -> datetime:
    """`minute` minutes and `second` seconds after 04:00 UTC on 6 December 2026 (an hour
    later in Madrid)."""
    return datetime(2026, 12, 6, 4, tzinfo=UTC) + timedelta(minutes=minute, seconds=second)


def test_started_is_when_the_first_message_was_claimed(app: Flask, user: FlaskClient) -> None:
    event_id = make_event(app, "Boda", time_zone="Europe/Madrid")
    make_guests(app, event_id, [("Lucía", "+34631931491"), ("Pablo", "+34651850671")])
    campaign_id = start_campaign(user, event_id)
    page = f"/campaigns/{campaign_id}"
    html = user.get(page).get_data(as_text=True)
    assert "Starting: no message sent yet" in text_of(html)  # not its creation time
    assert 'data-started="no"' in html
    other = make_campaign(app, event_id, [{"send_state": SendState.ACCEPTED}])
    with app.app_context():
        # Created at 04:48 UTC: its first message was claimed at 04:49:30 (failed, then sent
        # again at 04:51), its second at 04:50 (accepted first); another campaign's around.
        db.session.execute(
            text("UPDATE campaigns SET created_at = :at WHERE id = :id"),
            {"at": at(48), "id": campaign_id},
        )
        first, second = db.session.scalars(
            db.select(Invitation.id)
            .where(Invitation.campaign_id == campaign_id)
            .order_by(Invitation.id)
        ).all()
        (theirs,) = db.session.scalars(
            db.select(Invitation.id).where(Invitation.campaign_id == other)
        ).all()
        for invitation_id, accepted in ((first, at(51, 1)), (second, at(50, 1))):
            db.session.execute(
                text(
                    "UPDATE invitations SET send_state = 'accepted', accepted_at = :at"
                    " WHERE id = :id"
                ),
                {"at": accepted, "id": invitation_id},
            )
        db.session.commit()
    for invitation_id, started in (
        (theirs, at(40)),
        (first, at(49, 30)),
        (theirs, at(49, 45)),
        (second, at(50)),
        (first, at(51)),
    ):
        make_attempts(app, invitation_id, started_at=started)
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        assert campaign is not None
        campaign.finished_at = at(62)
        db.session.commit()
    html = user.get(page).get_data(as_text=True)
    times = text_of(re.search(r'<p [^>]*data-field="times".*?</p>', html, re.S)[0])
    # In Madrid, in the dashboard's English.
    assert times.startswith("Started Sun, Dec 6, 2026, 5:49 AM · Spain (Madrid) Time · ")
    assert times.endswith(" messages/s · finished Sun, Dec 6, 2026, 6:02 AM · Spain (Madrid) Time")
    assert 'data-started="yes"' in html


def test_a_campaign_canceled_before_it_started_says_so(app: Flask, user: FlaskClient) -> None:
    event_id, _ = event_with_guests(app, 2)
    campaign_id = start_campaign(user, event_id)
    user.post(f"/campaigns/{campaign_id}/cancel")
    text = text_of(user.get(f"/campaigns/{campaign_id}").get_data(as_text=True))
    assert "Never started" in text
    assert "Campaign canceled: 2 invitations will not be sent." in text


def test_the_preflight_button_says_schedule_when_a_time_is_set(
    app: Flask, user: FlaskClient
) -> None:
    event_id, _ = event_with_guests(app, 1)
    html = user.get(f"/events/{event_id}/send").get_data(as_text=True)
    button = re.search(r"<button [^>]*data-schedule-label[^>]*>[^<]*</button>", html)
    assert button is not None
    assert 'data-send-label="Send 1 invitation"' in button[0]
    assert 'data-schedule-label="Schedule 1 invitation"' in button[0]
    assert button[0].endswith(">Send 1 invitation</button>")
    # Sent back with an error, the time still entered: the button still says "Schedule".
    response = user.post(f"/events/{event_id}/send", data={"send_at": "2001-01-01T10:00"})
    assert response.status_code == 400
    assert ">Schedule 1 invitation</button>" in response.get_data(as_text=True)


def test_messages_count_in_the_singular_too(app: Flask, user: FlaskClient) -> None:
    event_id, _ = event_with_guests(app, 1)
    campaign_id = start_campaign(user, event_id)
    assert "Sending 1 invitation." in text_of(
        user.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    )
    set_states(app, campaign_id, failed=1)
    user.post(f"/campaigns/{campaign_id}/retry-failed")
    assert "1 failed invitation queued again." in text_of(
        user.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    )
    listed = text_of(user.get(f"/events/{event_id}").get_data(as_text=True))
    assert f"Campaign #{campaign_id} Invitation Running 1 message ·" in listed
