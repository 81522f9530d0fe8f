"""Answers the organiser records for a guest, from a message the service could not read.

A yes recorded so brings the guest's pass, when their event gives passes, from the engine
(`passes.renew_and_send`): no reply of the service carries it.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.models import InboundMessage, Invitation, MessageKind, Rsvp, RsvpResponse
from app.models.base import utcnow
from app.services import passes
from app.services.campaigns import ConflictError, NotFoundError


def answer_message(message_id: int, rsvp: Rsvp) -> Invitation:
    """Set the RSVP a guest's message meant, as the organiser read it, and keep its history.

    Raises:
        NotFoundError: no such message.
        ConflictError: the sender has no invitation to answer.
    """
    message = db.session.get(InboundMessage, message_id)
    if message is None:
        raise NotFoundError(_("message %(message_id)s not found", message_id=message_id))
    invitation = db.session.scalars(
        select(Invitation)
        .where(Invitation.guest_id == message.guest_id, Invitation.kind == MessageKind.INVITATION)
        .with_for_update()
    ).first()
    if message.guest_id is None or invitation is None:
        raise ConflictError(_("this sender has no invitation to answer"))
    invitation.rsvp = rsvp
    invitation.rsvp_at = utcnow()
    db.session.add(
        RsvpResponse(invitation_id=invitation.id, rsvp=rsvp, inbound_message_id=message.id)
    )
    passes.renew_and_send(message.guest_id)  # a yes recorded by hand: the pass from the engine
    db.session.commit()
    return invitation
