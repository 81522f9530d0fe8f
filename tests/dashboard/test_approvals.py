"""Approval before sending in the dashboard: an organiser's "Send invitations" above
APPROVAL_ABOVE opens a request; the owner sees what, to whom and when, and approves."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from app.models import CampaignState, Rsvp, SendState, UserRole
from tests.support.access import add_member
from tests.support.apps import fresh_app
from tests.support.dashboard import sign_in_session, text_of
from tests.support.database import execute, scalar
from tests.support.factories import ago, make_campaign, make_event, make_guests, phone


@pytest.fixture
def gated(migrated: dict[str, str]) -> Iterator[Flask]:
    """The dashboard where an organiser's campaign to more than 2 guests needs approval."""
    with fresh_app({**migrated, "APPROVAL_ABOVE": "2"}, WTF_CSRF_ENABLED=False) as app:
        yield app


def test_an_organiser_submits_and_an_owner_approves(gated: Flask) -> None:
    event_id = make_event(gated, "Gala")
    make_guests(gated, event_id, [(f"Guest {n}", phone(n)) for n in range(3)])
    organiser, owner = gated.test_client(), gated.test_client()
    sign_in_session(organiser, add_member(gated, "ana@example.org", UserRole.ORGANISER))
    sign_in_session(owner, add_member(gated, "olga@example.org", UserRole.OWNER))

    sent = organiser.post(f"/events/{event_id}/send", data={})
    assert sent.status_code == 302
    assert sent.headers["Location"] == "/approvals/1"
    assert scalar(gated, "SELECT count(*) FROM campaigns") == 0
    page = text_of(organiser.get("/approvals/1").get_data(as_text=True))
    assert "3 invitations: an owner approves first." in page
    assert "Guest 0" in page and "as soon as it is approved" in page
    assert "Approve and send" not in page  # not for an organiser
    assert organiser.post("/approvals/1/approve").status_code == 403

    assert "Approve and send" in owner.get("/approvals/1").get_data(as_text=True)
    approved = owner.post("/approvals/1/approve", data={"note": "fine"})
    assert approved.headers["Location"] == "/campaigns/1"
    again = owner.post("/approvals/1/approve")
    assert again.headers["Location"] == "/approvals/1"
    assert scalar(gated, "SELECT count(*) FROM campaigns") == 1
    listing = text_of(owner.get("/approvals").get_data(as_text=True))
    assert "#1 Invitation Gala 3" in listing and "approved" in listing


@pytest.fixture
def per_event(migrated: dict[str, str]) -> Iterator[Flask]:
    """The dashboard with reminder and cancellation templates and no service-wide limit."""
    env = {
        **migrated,
        "TWILIO_REMINDER_CONTENT_SID": "HX" + "1" * 32,
        "TWILIO_CANCELLATION_CONTENT_SID": "HX" + "4" * 32,
    }
    with fresh_app(env, WTF_CSRF_ENABLED=False) as app:
        yield app


def confirmed_event(app: Flask, approval_above: int | None) -> int:
    """An event in two days with three invited guests who confirmed."""
    event_id = make_event(app, "Gala", starts_at=ago(days=-2), approval_above=approval_above)
    rows = [{"send_state": SendState.ACCEPTED, "rsvp": Rsvp.CONFIRMED}] * 3
    make_campaign(app, event_id, rows, state=CampaignState.COMPLETED)
    return event_id


def test_an_organisers_reminder_and_cancellation_wait_under_the_events_limit(
    per_event: Flask,
) -> None:
    event_id = confirmed_event(per_event, 0)
    organiser = per_event.test_client()
    sign_in_session(organiser, add_member(per_event, "ana@example.org", UserRole.ORGANISER))

    sent = organiser.post(f"/events/{event_id}/reminders", data={"hours_before": "24"})
    assert sent.headers["Location"] == "/approvals/1"
    assert scalar(per_event, "SELECT count(*) FROM campaigns WHERE kind = 'reminder'") == 0
    page = text_of(organiser.get("/approvals/1").get_data(as_text=True))
    assert "Reminder for “ Gala ”" in page
    assert "A reminder to the guests who confirmed, 24 hours before the start" in page
    assert "3 reminders: an owner approves first." in page

    canceled = organiser.post(f"/events/{event_id}/cancel", data={"notify": "on"})
    assert canceled.headers["Location"] == "/approvals/2"
    assert scalar(per_event, "SELECT canceled_at IS NOT NULL FROM events") is True
    assert scalar(per_event, "SELECT kind FROM approvals WHERE id = 2") == "cancellation"
    assert scalar(per_event, "SELECT count(*) FROM campaigns WHERE kind = 'cancellation'") == 0
    owner = per_event.test_client()
    sign_in_session(owner, add_member(per_event, "olga@example.org", UserRole.OWNER))
    approved = owner.post("/approvals/2/approve")
    assert approved.headers["Location"].startswith("/campaigns/")
    assert scalar(per_event, "SELECT count(*) FROM campaigns WHERE kind = 'cancellation'") == 1


def test_only_an_owner_sees_and_sets_the_events_limit(per_event: Flask) -> None:
    event_id = confirmed_event(per_event, None)
    owner, organiser = per_event.test_client(), per_event.test_client()
    sign_in_session(owner, add_member(per_event, "olga@example.org", UserRole.OWNER))
    sign_in_session(organiser, add_member(per_event, "ana@example.org", UserRole.ORGANISER))
    form = {"name": "Gala", "time_zone": "UTC", "plus_ones": "0", "offer_hours": "24"}

    assert "Approval above" in owner.get(f"/events/{event_id}/edit").get_data(as_text=True)
    assert "Approval above" not in organiser.get(f"/events/{event_id}/edit").get_data(as_text=True)
    saved = owner.post(f"/events/{event_id}/edit", data={**form, "approval_above": "1"})
    assert saved.status_code == 302
    assert scalar(per_event, "SELECT approval_above FROM events") == 1
    crafted = organiser.post(f"/events/{event_id}/edit", data={**form, "approval_above": ""})
    assert crafted.status_code == 403
    assert scalar(per_event, "SELECT approval_above FROM events") == 1
    kept = organiser.post(f"/events/{event_id}/edit", data={**form, "name": "Gala night"})
    assert kept.status_code == 302  # the organiser edits the rest; the limit stays
    assert (
        scalar(per_event, "SELECT (name, approval_above)::text FROM events") == '("Gala night",1)'
    )
    bad = owner.post(f"/events/{event_id}/edit", data={**form, "approval_above": "-3"})
    assert bad.status_code == 400 and "whole number of guests" in bad.get_data(as_text=True)


def test_telling_the_guests_of_a_change_waits_for_an_owner(per_event: Flask) -> None:
    event_id = confirmed_event(per_event, 0)
    execute(per_event, "UPDATE events SET venue = 'Rooftop', calendar_sequence = 1")
    organiser = per_event.test_client()
    sign_in_session(organiser, add_member(per_event, "ana@example.org", UserRole.ORGANISER))
    told = organiser.post(f"/events/{event_id}/notify", data={"maybe": "on"})
    assert told.headers["Location"] == "/approvals/1"
    assert scalar(per_event, "SELECT (kind, options ->> 'include_maybe')::text FROM approvals") == (
        "(update,true)"
    )
    assert scalar(per_event, "SELECT count(*) FROM campaigns WHERE kind = 'update'") == 0
