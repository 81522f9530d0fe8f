"""Scheduling in the dashboard: a send at a time, the event's schedule, reminders, follow-ups."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import Campaign, CampaignState, Event, MessageKind, Rsvp
from tests.support.apps import fresh_app
from tests.support.dashboard import add_admin, csrf_token, sign_in_session, text_of
from tests.support.factories import invite, make_event, make_guests

LISBON = ZoneInfo("Europe/Lisbon")
REMINDER_SID = "HX" + "0123456789abcdef" * 2
FOLLOWUP_SID = "HX" + "fedcba9876543210" * 2


def lisbon_event(app: Flask, guests: int = 3, days_ahead: int = 30) -> int:
    """An event in Lisbon `days_ahead` from now, with `guests` guests not invited yet."""
    starts = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=days_ahead)
    event_id = make_event(app, "Lisbon dinner", starts_at=starts, time_zone="Europe/Lisbon")
    make_guests(app, event_id, [(f"Guest {n}", f"+3512100{n:05d}") for n in range(guests)])
    return event_id


def local(moment: datetime) -> str:
    """A UTC time as the organiser types it in Lisbon (datetime-local, no offset)."""
    return moment.astimezone(LISBON).strftime("%Y-%m-%dT%H:%M")


def campaigns_of(app: Flask, event_id: int) -> list[Campaign]:
    """The event's campaigns, oldest first (detached, read-only)."""
    with app.app_context():
        query = db.select(Campaign).where(Campaign.event_id == event_id).order_by(Campaign.id)
        found = list(db.session.scalars(query))
        db.session.expunge_all()
        return found


def page(user: FlaskClient, path: str) -> str:
    """The text of a dashboard page."""
    response = user.get(path)
    assert response.status_code == 200
    return text_of(response.get_data(as_text=True))


@pytest.fixture
def templated(migrated: dict[str, str]) -> Iterator[Flask]:
    """The dashboard app with approved reminder and follow-up templates configured."""
    env = {
        **migrated,
        "TWILIO_REMINDER_CONTENT_SID": REMINDER_SID,
        "TWILIO_FOLLOWUP_CONTENT_SID": FOLLOWUP_SID,
    }
    with fresh_app(env, WTF_CSRF_ENABLED=False) as app:
        yield app


@pytest.fixture
def templated_user(templated: Flask) -> FlaskClient:
    """A signed-in client of the app with templates."""
    client = templated.test_client()
    sign_in_session(client, add_admin(templated))
    return client


def test_a_time_on_the_preflight_schedules_the_campaign(app: Flask, user: FlaskClient) -> None:
    event_id = lisbon_event(app)
    form = page(user, f"/events/{event_id}/send")
    assert "Send at (optional, in the event's zone)" in form
    when = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=2, hours=3)
    response = user.post(f"/events/{event_id}/send", data={"send_at": local(when)})
    assert response.status_code == 302
    [campaign] = campaigns_of(app, event_id)
    assert response.headers["Location"] == f"/campaigns/{campaign.id}"
    assert campaign.state is CampaignState.SCHEDULED
    assert campaign.kind == MessageKind.INVITATION
    assert campaign.send_at == when  # read in Lisbon, stored in UTC
    text = page(user, f"/campaigns/{campaign.id}")
    assert "Scheduled for" in text and "Portugal" in text
    assert "Starts at" in text and "3 guests now" in text
    html = user.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert 'data-state="scheduled"' in html
    assert 'data-field="progressbar"' not in html  # no 0% bar for what has not started
    cancel = re.search(r'<form [^>]*data-action="cancel"[^>]*>', html)
    assert cancel is not None and " hidden" not in cancel.group(0)
    with app.app_context():
        assert db.session.execute(db.text("SELECT count(*) FROM invitations")).scalar() == 0


def test_an_empty_time_sends_now(app: Flask, user: FlaskClient) -> None:
    event_id = lisbon_event(app, guests=2)
    response = user.post(f"/events/{event_id}/send", data={"send_at": ""})
    assert response.status_code == 302
    [campaign] = campaigns_of(app, event_id)
    assert campaign.state is CampaignState.RUNNING and campaign.total == 2
    assert "Sending 2 invitations." in page(user, response.headers["Location"])


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("past", "This time has passed."),
        ("2026-13-40T25:00", "Not a valid datetime value."),
        ("far", "Pick a time within a year."),
    ],
)
def test_a_bad_or_past_time_is_refused(
    app: Flask, user: FlaskClient, value: str, error: str
) -> None:
    event_id = lisbon_event(app)
    now = datetime.now(UTC)
    typed = {"past": local(now - timedelta(minutes=5)), "far": local(now + timedelta(days=400))}
    response = user.post(f"/events/{event_id}/send", data={"send_at": typed.get(value, value)})
    assert response.status_code == 400
    assert error in text_of(response.get_data(as_text=True))
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert campaigns_of(app, event_id) == []


def test_a_time_within_the_last_minute_sends_now(app: Flask, user: FlaskClient) -> None:
    event_id = lisbon_event(app, guests=1)
    just_now = (datetime.now(UTC) - timedelta(seconds=30)).astimezone(LISBON)
    user.post(f"/events/{event_id}/send", data={"send_at": f"{just_now:%Y-%m-%dT%H:%M:%S}"})
    [campaign] = campaigns_of(app, event_id)
    assert campaign.state is CampaignState.RUNNING


def test_the_event_page_lists_the_schedule_with_cancel_and_move(
    app: Flask, user: FlaskClient
) -> None:
    event_id = lisbon_event(app)
    when = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=5)
    user.post(f"/events/{event_id}/send", data={"send_at": local(when)})
    [campaign] = campaigns_of(app, event_id)
    html = user.get(f"/events/{event_id}").get_data(as_text=True)
    row = re.search(rf'<tr data-campaign="{campaign.id}">.*?</tr>', html, re.S)
    assert row is not None
    text = text_of(row.group(0))
    assert "Invitation" in text and "Portugal" in text and " 3 " in f" {text} "
    assert f'value="{local(when)}"' in row.group(0)  # the move field shows it in Lisbon

    later = when + timedelta(days=1, hours=2)
    field = f"move-{campaign.id}-send_at"
    back = f"/events/{event_id}#schedule"
    moved = user.post(
        f"/campaigns/{campaign.id}/reschedule", data={field: local(later), "next": back}
    )
    assert moved.headers["Location"] == back
    [campaign] = campaigns_of(app, event_id)
    assert campaign.send_at == later and campaign.state is CampaignState.SCHEDULED
    assert "Moved to" in page(user, f"/events/{event_id}")

    past = local(datetime.now(UTC) - timedelta(hours=1))
    user.post(f"/campaigns/{campaign.id}/reschedule", data={field: past, "next": back})
    assert "This time has passed." in page(user, f"/events/{event_id}")
    assert campaigns_of(app, event_id)[0].send_at == later

    canceled = user.post(f"/campaigns/{campaign.id}/cancel", data={"next": back})
    assert canceled.headers["Location"] == back
    assert campaigns_of(app, event_id)[0].state is CampaignState.CANCELED
    text = page(user, f"/events/{event_id}")
    assert "Scheduled campaign canceled: nothing will be sent." in text
    assert "Nothing scheduled." in text


def test_the_reminder_needs_a_template(app: Flask, user: FlaskClient) -> None:
    event_id = lisbon_event(app)
    html = user.get(f"/events/{event_id}").get_data(as_text=True)
    form = re.search(r'<form [^>]*id="reminder-form".*?</form>', html, re.S)
    assert form is not None
    said = text_of(form.group(0))
    assert "No reminder is approved in any language yet, so none can be sent." in said
    assert "TWILIO_" not in said
    assert 'href="/messages">Write it on the Messages page</a>' in form.group(0)
    assert 'type="submit"' not in form.group(0)
    response = user.post(f"/events/{event_id}/reminders", data={"hours_before": "24"})
    assert response.headers["Location"] == f"/events/{event_id}#schedule"
    flashed = page(user, f"/events/{event_id}")
    assert "No reminder scheduled: no reminder is approved in any language yet" in flashed
    assert "TWILIO_" not in flashed
    assert campaigns_of(app, event_id) == []


def test_a_reminder_is_scheduled_before_the_start(
    templated: Flask, templated_user: FlaskClient
) -> None:
    app, user = templated, templated_user
    event_id = lisbon_event(app, guests=0, days_ahead=10)
    guests = make_guests(app, event_id, [("Ana", "+351210000001"), ("Rui", "+351210000002")])
    invite(app, guests[0], rsvp=Rsvp.CONFIRMED)
    invite(app, guests[1], rsvp=Rsvp.MAYBE)
    html = user.get(f"/events/{event_id}").get_data(as_text=True)
    form = re.search(r'<form [^>]*id="reminder-form".*?</form>', html, re.S)
    assert form is not None and "Schedule the reminder" in form.group(0)
    assert "TWILIO_REMINDER_CONTENT_SID" not in form.group(0)

    user.post(f"/events/{event_id}/reminders", data={"hours_before": "0"})
    assert "more than 0 and at most 720" in page(user, f"/events/{event_id}")
    assert campaigns_of(app, event_id) == []

    data = {"hours_before": "6", "include_maybe": "y"}
    assert user.post(f"/events/{event_id}/reminders", data=data).status_code == 302
    [reminder] = campaigns_of(app, event_id)
    with app.app_context():
        event = db.session.get(Event, event_id)
        assert event is not None and event.starts_at is not None
        starts_at = event.starts_at
    assert reminder.kind == MessageKind.REMINDER and reminder.state is CampaignState.SCHEDULED
    assert reminder.send_at == starts_at - timedelta(hours=6) and reminder.include_maybe
    text = page(user, f"/events/{event_id}")
    assert "Reminder scheduled for" in text and "(2 guests now)" in text
    html = user.get(f"/events/{event_id}").get_data(as_text=True)
    row = re.search(rf'<tr data-campaign="{reminder.id}">.*?</tr>', html, re.S)
    assert row is not None
    assert "Reminder" in text_of(row.group(0)) and "6 h before the start" in text_of(row.group(0))
    # One reminder at a time: the form says which one there is, and a second is refused.
    form = re.search(r'<form [^>]*id="reminder-form".*?</form>', html, re.S)
    assert form is not None and "Schedule the reminder" not in form.group(0)
    assert f"This event's reminder is campaign #{reminder.id} (scheduled)" in text_of(form.group(0))
    user.post(f"/events/{event_id}/reminders", data={"hours_before": "2"})
    assert f"already has a reminder (campaign {reminder.id})" in page(user, f"/events/{event_id}")
    assert len(campaigns_of(app, event_id)) == 1


def test_a_followup_watches_until_the_event(templated: Flask, templated_user: FlaskClient) -> None:
    app, user = templated, templated_user
    event_id = lisbon_event(app)
    response = user.post(f"/events/{event_id}/followups", data={"after_days": "2"})
    assert response.headers["Location"] == f"/events/{event_id}#schedule"
    [followup] = campaigns_of(app, event_id)
    assert followup.kind == MessageKind.FOLLOWUP and followup.state is CampaignState.RUNNING
    assert followup.after_seconds == 2 * 86400
    text = page(user, f"/events/{event_id}")
    assert "Follow-up set up: guests who have not answered 2 days after delivery" in text
    html = user.get(f"/events/{event_id}").get_data(as_text=True)
    row = re.search(rf'<tr data-campaign="{followup.id}">.*?</tr>', html, re.S)
    assert row is not None
    assert "Watching: 2 days after delivery" in text_of(row.group(0))
    assert "move-" not in row.group(0)  # only scheduled campaigns move
    assert 'action="/campaigns/' + str(followup.id) + '/cancel"' in row.group(0)

    campaign_page = page(user, f"/campaigns/{followup.id}")
    assert "Follow-up" in campaign_page
    assert "Watching: each guest who has not answered" in campaign_page

    user.post(f"/events/{event_id}/followups", data={"after_days": "nope"})
    assert "Days after delivery:" in page(user, f"/events/{event_id}")
    assert len(campaigns_of(app, event_id)) == 1


def test_the_followup_needs_a_template(app: Flask, user: FlaskClient) -> None:
    event_id = lisbon_event(app)
    html = user.get(f"/events/{event_id}").get_data(as_text=True)
    form = re.search(r'<form [^>]*id="followup-form".*?</form>', html, re.S)
    assert form is not None
    assert "No follow-up is approved in any language yet" in text_of(form.group(0))
    assert "TWILIO_FOLLOWUP_CONTENT_SID" not in form.group(0)
    assert 'type="submit"' not in form.group(0)
    user.post(f"/events/{event_id}/followups", data={"after_days": "3"})
    assert "No follow-up set up:" in page(user, f"/events/{event_id}")
    assert campaigns_of(app, event_id) == []


def test_the_schedule_forms_carry_their_tokens(csrf_app: Flask) -> None:
    app = csrf_app
    client = app.test_client()
    sign_in_session(client, add_admin(app))
    event_id = lisbon_event(app)
    token = csrf_token(client, f"/events/{event_id}/send")
    when = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=3)
    data = {"csrf_token": token, "send_at": local(when)}
    assert client.post(f"/events/{event_id}/send", data=data).status_code == 302
    [campaign] = campaigns_of(app, event_id)
    html = client.get(f"/events/{event_id}").get_data(as_text=True)
    row = re.search(rf'<tr data-campaign="{campaign.id}">.*?</tr>', html, re.S)
    assert row is not None
    prefix = f"move-{campaign.id}-"
    move_token = re.search(rf'name="{prefix}csrf_token" type="hidden" value="([^"]+)"', row[0])
    assert move_token is not None
    later = local(when + timedelta(hours=5))
    moved = {f"{prefix}csrf_token": move_token[1], f"{prefix}send_at": later}
    client.post(f"/campaigns/{campaign.id}/reschedule", data=moved)
    assert campaigns_of(app, event_id)[0].send_at == when + timedelta(hours=5)
    cancel_token = re.search(r'name="csrf_token" value="([^"]+)"', row[0])
    assert cancel_token is not None
    client.post(f"/campaigns/{campaign.id}/cancel", data={"csrf_token": cancel_token[1]})
    assert campaigns_of(app, event_id)[0].state is CampaignState.CANCELED


def test_the_campaign_lists_show_kind_time_and_note(app: Flask, user: FlaskClient) -> None:
    event_id = lisbon_event(app)
    when = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=4)
    user.post(f"/events/{event_id}/send", data={"send_at": local(when)})
    [campaign] = campaigns_of(app, event_id)
    with app.app_context():
        stored = db.session.get(Campaign, campaign.id)
        assert stored is not None
        stored.note = "the daily tier is exceeded: 1200 messages in 24 hours"
        db.session.commit()
    html = user.get(f"/events/{event_id}").get_data(as_text=True)
    listed = re.search(r'<ul class="campaign-list">.*?</ul>', html, re.S)
    assert listed is not None
    text = text_of(listed.group(0))
    assert f"Campaign #{campaign.id} Invitation Scheduled for" in text
    assert "Portugal" in text and "the daily tier is exceeded" in text
    assert "the daily tier is exceeded" in page(user, f"/campaigns/{campaign.id}")


def test_the_schedule_forms_show_numbers_as_people_write_them(
    templated: Flask, templated_user: FlaskClient
) -> None:
    app, user = templated, templated_user
    event_id = lisbon_event(app)
    html = user.get(f"/events/{event_id}").get_data(as_text=True)
    hours = re.search(r'<input [^>]*name="hours_before"[^>]*>', html)
    days = re.search(r'<input [^>]*name="after_days"[^>]*>', html)
    assert hours is not None and days is not None
    assert 'type="number"' in hours[0] and 'value="24"' in hours[0]  # not "24.0"
    assert 'type="number"' in days[0] and 'value="3"' in days[0]
    # The checkbox beside its label, not above it.
    assert re.search(r'<div class="field field-check"><input [^>]*name="include_maybe"', html)
    user.post(f"/events/{event_id}/followups", data={"after_days": "1"})
    assert "have not answered 1 day after delivery" in page(user, f"/events/{event_id}")
