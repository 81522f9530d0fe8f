"""A guest's conversation page: the thread, the reply box inside the window, the closed
window said in words, and the inbox's way to it (Reply, Set aside)."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from app.models import InboundKind, Rsvp
from tests.support.dashboard import csrf_token, text_of
from tests.support.database import scalar
from tests.support.factories import ago, invite, make_event, make_guests, make_inbound

PHONE = "+34612345678"


def guest_who_wrote(app: Flask, body: str, hours_ago: float = 1, **inbound: object) -> int:
    """A guest (invited, no answer yet) who wrote `body` `hours_ago`; return their id."""
    event_id = make_event(app, "Boda")
    (guest_id,) = make_guests(app, event_id, [("Ana", PHONE)])
    invite(app, guest_id)
    make_inbound(
        app,
        from_phone=f"whatsapp:{PHONE}",
        body=body,
        guest_id=guest_id,
        event_id=event_id,
        received_at=ago(hours=hours_ago),
        **inbound,
    )
    return guest_id


def test_the_thread_shows_both_ways_and_a_reply_is_queued(app: Flask, user: FlaskClient) -> None:
    guest_id = guest_who_wrote(app, "¿Hay aparcamiento?")
    page = user.get(f"/guests/{guest_id}/conversation")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "¿Hay aparcamiento?" in text_of(html) and "Needs an answer" in text_of(html)
    assert 'id="reply-form"' in html

    sent = user.post(
        f"/guests/{guest_id}/replies",
        data={
            "body": "Sí, detrás del salón.",
            "csrf_token": csrf_token(user, f"/guests/{guest_id}/conversation"),
        },
    )

    assert sent.status_code == 302
    after = text_of(user.get(f"/guests/{guest_id}/conversation").get_data(as_text=True))
    assert "Sí, detrás del salón." in after and "Needs an answer" not in after
    assert scalar(app, "SELECT count(*) FROM invitations WHERE kind = 'reply'") == 1


def test_outside_the_window_the_page_says_why_and_offers_no_box(
    app: Flask, user: FlaskClient
) -> None:
    guest_id = guest_who_wrote(app, "hola", hours_ago=30)
    html = user.get(f"/guests/{guest_id}/conversation").get_data(as_text=True)
    assert 'id="reply-form"' not in html
    assert "only within 24 hours of the guest's last message" in text_of(html)
    refused = user.post(
        f"/guests/{guest_id}/replies",
        data={"body": "Hola", "csrf_token": csrf_token(user, f"/guests/{guest_id}/conversation")},
        follow_redirects=True,
    )
    assert "Not sent: the guest last wrote 30 hours ago" in text_of(refused.get_data(as_text=True))
    assert scalar(app, "SELECT count(*) FROM invitations WHERE kind = 'reply'") == 0


def test_an_empty_reply_is_a_form_error(app: Flask, user: FlaskClient) -> None:
    guest_id = guest_who_wrote(app, "hola")
    response = user.post(
        f"/guests/{guest_id}/replies",
        data={"body": "\u200b", "csrf_token": csrf_token(user, f"/guests/{guest_id}/conversation")},
    )
    assert response.status_code == 400
    assert "visible text" in text_of(response.get_data(as_text=True))
    assert user.get("/guests/999999/conversation").status_code == 404


def test_the_inbox_links_to_the_thread_and_sets_a_message_aside(
    app: Flask, user: FlaskClient
) -> None:
    guest_id = guest_who_wrote(app, "Sí… ¿y los niños?", kind=InboundKind.RSVP, rsvp=Rsvp.CONFIRMED)
    inbox = user.get("/inbox?kind=needs").get_data(as_text=True)
    assert f"/guests/{guest_id}/conversation" in inbox
    message_id = scalar(app, "SELECT id FROM inbound_messages")

    user.post(
        f"/inbox/{message_id}/dismiss",
        data={"kind": "needs", "csrf_token": csrf_token(user, "/inbox")},
    )

    assert "Sí… ¿y los niños?" not in text_of(user.get("/inbox?kind=needs").get_data(as_text=True))
    assert scalar(app, "SELECT dismissed_at IS NOT NULL FROM inbound_messages") is True
    assert scalar(app, "SELECT count(*) FROM inbound_messages") == 1  # kept, set aside
    # Still in the inbox under All: set aside, not deleted.
    assert "Sí… ¿y los niños?" in text_of(user.get("/inbox").get_data(as_text=True))
