"""Approval before sending in the dashboard: an organiser's "Send invitations" above
APPROVAL_ABOVE opens a request; the owner sees what, to whom and when, and approves."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from app.models import UserRole
from tests.support.access import add_member
from tests.support.apps import fresh_app
from tests.support.dashboard import sign_in_session, text_of
from tests.support.database import scalar
from tests.support.factories import make_event, make_guests, phone


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
    assert "#1 Gala 3" in listing and "approved" in listing
