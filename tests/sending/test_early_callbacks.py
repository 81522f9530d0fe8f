"""Status callbacks that arrive before the sender has recorded the message's SID."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import text

from app.extensions import db
from app.models import DeliveryStatus, Event, Guest, Invitation, MessageAttempt, SendState
from app.sending.results import Accepted, write_accepted
from app.services.delivery import apply_status
from app.services.webhook_forms import form_pairs, parse_status

SID = "SM" + "e" * 32


def test_callbacks_stored_before_the_sid_apply_once_it_is_written(app: Flask) -> None:
    with app.app_context():
        event = Event(name="Gala")
        guest = Guest(event=event, name="Ada", phone="+14155550101")
        db.session.add_all([event, guest])
        db.session.flush()
        invitation = Invitation(event_id=event.id, guest=guest, send_state=SendState.SENDING)
        db.session.add(invitation)
        db.session.flush()
        attempt = MessageAttempt(invitation_id=invitation.id, to_phone=guest.phone)
        db.session.add(attempt)
        db.session.commit()
        form = parse_status(
            form_pairs(
                [("MessageSid", SID), ("MessageStatus", "delivered"), ("To", "whatsapp:+1415")]
            )
        )
        assert apply_status(form, received_at=db.session.scalar(text("SELECT now()"))).stored
        with db.engine.begin() as connection:
            write_accepted(connection, [Accepted(invitation.id, attempt.id, SID, "queued", 201)])
        db.session.expire_all()
        stored = db.session.get(Invitation, invitation.id)
        assert stored is not None
        assert stored.message_sid == SID
        assert stored.delivery_status is DeliveryStatus.DELIVERED
