"""CSRF on every form: each POST route refuses a missing or wrong token and changes nothing."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import Campaign, Event, Guest, Invitation, Question
from app.services import campaigns
from tests.support.dashboard import add_admin, sign_in_session
from tests.support.factories import add_question, make_event, make_guests

POST_ROUTES = [
    "/logout",
    "/logout/everywhere",
    "/language",
    "/events",
    "/events/{event}/guests",
    "/events/{event}/guests/preview",
    "/events/{event}/send",
    "/events/{event}/reminders",
    "/events/{event}/followups",
    "/guests/{guest}/invite",
    "/guests/{guest}/language",
    "/guests/{guest}/edit",
    "/guests/{guest}/delete",
    "/events/{event}/edit",
    "/events/{event}/delete",
    "/campaigns/{campaign}/pause",
    "/campaigns/{campaign}/resume",
    "/campaigns/{campaign}/cancel",
    "/campaigns/{campaign}/reschedule",
    "/campaigns/{campaign}/retry-failed",
    "/inbox/1/rsvp",
    "/inbox/1/dismiss",
    "/guests/{guest}/replies",
    "/events/{event}/questions",
    "/events/{event}/questions/{question}/remove",
    "/events/{event}/door/checkins",
    "/events/{event}/cancel",
    "/events/{event}/notify",
    "/events/{event}/thanks",
    "/events/{event}/missed",
    "/messages/invitation/es",
    "/team/invites",
    "/team/invites/1/revoke",
    "/team/users/1/role",
    "/team/users/1/remove",
    "/account/tokens",
    "/account/tokens/1/revoke",
    "/invite/not-a-link",
    "/approvals/1/approve",
    "/approvals/1/reject",
    "/account/two-factor",
    "/account/two-factor/disable",
]


@pytest.fixture
def signed_in(csrf_app: Flask) -> FlaskClient:
    """A signed-in client of the app with CSRF protection on."""
    client = csrf_app.test_client()
    sign_in_session(client, add_admin(csrf_app))
    return client


def seed(app: Flask) -> dict[str, int]:
    """An event with two guests, one in a running campaign and one not invited."""
    event_id = make_event(app)
    _, second = make_guests(app, event_id, [("Ada", "+12025550101"), ("Bo", "+12025550102")])
    with app.app_context():
        campaign, _ = campaigns.create_campaign(event_id)
        db.session.execute(db.delete(Invitation).where(Invitation.guest_id == second))
        db.session.commit()
        campaign_id = campaign.id
    question = add_question(app, event_id, "Any dietary needs?")
    return {"event": event_id, "guest": second, "campaign": campaign_id, "question": question}


def snapshot(app: Flask) -> tuple[object, ...]:
    """What a successful POST would change."""
    with app.app_context():
        return (
            [(e.id, e.name) for e in db.session.scalars(db.select(Event))],
            [(g.id, g.name, g.phone) for g in db.session.scalars(db.select(Guest))],
            db.session.query(Invitation).count(),
            [(c.id, c.state) for c in db.session.scalars(db.select(Campaign))],
            [(q.id, q.position) for q in db.session.scalars(db.select(Question))],
        )


def test_every_dashboard_post_route_is_listed(csrf_app: Flask) -> None:
    posts = {
        rule.rule
        for rule in csrf_app.url_map.iter_rules()
        if rule.endpoint.startswith("dashboard.") and "POST" in rule.methods
    }
    assert posts == {
        "/login",
        "/logout",
        "/logout/everywhere",
        "/language",
        "/events",
        "/events/<int:event_id>/guests",
        "/events/<int:event_id>/guests/preview",
        "/events/<int:event_id>/send",
        "/events/<int:event_id>/reminders",
        "/events/<int:event_id>/followups",
        "/guests/<int:guest_id>/invite",
        "/guests/<int:guest_id>/language",
        "/guests/<int:guest_id>/edit",
        "/guests/<int:guest_id>/delete",
        "/events/<int:event_id>/edit",
        "/events/<int:event_id>/delete",
        "/events/<int:event_id>/questions",
        "/events/<int:event_id>/questions/<int:question_id>/remove",
        "/campaigns/<int:campaign_id>/<action>",
        "/campaigns/<int:campaign_id>/reschedule",
        "/inbox/<int:message_id>/rsvp",
        "/inbox/<int:message_id>/dismiss",
        "/guests/<int:guest_id>/replies",
        "/events/<int:event_id>/door/checkins",
        "/events/<int:event_id>/cancel",
        "/events/<int:event_id>/notify",
        "/events/<int:event_id>/thanks",
        "/events/<int:event_id>/missed",
        "/messages/<kind>/<language>",
        "/team/invites",
        "/team/invites/<int:invite_id>/revoke",
        "/team/users/<int:user_id>/role",
        "/team/users/<int:user_id>/remove",
        "/account/tokens",
        "/account/tokens/<int:token_id>/revoke",
        "/invite/<secret>",
        "/approvals/<int:approval_id>/approve",
        "/approvals/<int:approval_id>/reject",
        "/account/two-factor",
        "/account/two-factor/disable",
    }


@pytest.mark.parametrize("route", POST_ROUTES)
@pytest.mark.parametrize("token", [None, "forged-token"])
def test_posts_without_a_valid_token_are_refused(
    csrf_app: Flask, signed_in: FlaskClient, route: str, token: str | None
) -> None:
    ids = seed(csrf_app)
    before = snapshot(csrf_app)
    data = {"name": "New", "pasted": "Cy, +12025550103", "next": "/"}
    if token is not None:
        data["csrf_token"] = token
    response = signed_in.post(route.format(**ids), data=data)
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    assert snapshot(csrf_app) == before
    assert signed_in.get("/").status_code == 200  # still signed in (logout did nothing)


def test_login_refuses_a_post_without_a_token(csrf_app: Flask) -> None:
    add_admin(csrf_app)
    response = csrf_app.test_client().post("/login", data={"email": "a@b.c", "password": "x"})
    assert response.status_code == 400


def test_every_form_on_every_page_carries_a_token(csrf_app: Flask, signed_in: FlaskClient) -> None:
    ids = seed(csrf_app)
    pages = [
        "/",
        "/events/{event}",
        "/events/{event}/send",
        "/events/{event}/reminders",
        "/events/{event}/followups",
        "/events/{event}/edit",
        "/events/{event}/delete",
        "/guests/{guest}/edit",
        "/guests/{guest}/delete",
        "/campaigns/{campaign}",
        "/inbox",
        "/system",
        "/messages",
        "/messages/invitation/ar",
        "/team",
        "/account/tokens",
        "/account/two-factor",
    ]
    forms = 0
    for page in pages:
        html = signed_in.get(page.format(**ids)).get_data(as_text=True)
        for form in re.findall(r"<form\b[^>]*>.*?</form>", html, flags=re.S):
            if 'method="post"' in form:
                forms += 1
                assert 'name="csrf_token"' in form, (page, form[:200])
    assert forms >= 9  # sign out, new event, import, send, per-guest send, campaign controls


def test_a_real_token_goes_through(csrf_app: Flask, signed_in: FlaskClient) -> None:
    ids = seed(csrf_app)
    html = signed_in.get(f"/campaigns/{ids['campaign']}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert token
    response = signed_in.post(
        f"/campaigns/{ids['campaign']}/pause", data={"csrf_token": token.group(1)}
    )
    assert response.status_code == 302
    with csrf_app.app_context():
        campaign = db.session.get(Campaign, ids["campaign"])
        assert campaign is not None and campaign.state.value == "paused"
