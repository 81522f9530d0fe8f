"""Status callbacks that arrive before the sender has recorded the message's SID."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import text

from app.extensions import db
from app.models import DeliveryStatus, Invitation, SendState
from app.sending.results import Accepted, write_accepted
from app.services.delivery import apply_status
from app.services.webhook_forms import form_pairs, parse_status
from tests.support.factories import invite, make_attempts, make_event, make_guests

SID = "SM" + "e" * 32


def test_callbacks_stored_before_the_sid_apply_once_it_is_written(app: Flask) -> None:
    (guest_id,) = make_guests(app, make_event(app, "Gala"), [("Ada", "+14155550101")])
    invitation_id = invite(app, guest_id, send_state=SendState.SENDING)
    (attempt_id,) = make_attempts(app, invitation_id)
    with app.app_context():
        form = parse_status(
            form_pairs(
                [("MessageSid", SID), ("MessageStatus", "delivered"), ("To", "whatsapp:+1415")]
            )
        )
        assert apply_status(form, received_at=db.session.scalar(text("SELECT now()"))).stored
        with db.engine.begin() as connection:
            write_accepted(connection, [Accepted(invitation_id, attempt_id, SID, "queued", 201)])
        db.session.expire_all()
        stored = db.session.get(Invitation, invitation_id)
        assert stored is not None
        assert stored.message_sid == SID
        assert stored.delivery_status is DeliveryStatus.DELIVERED
