"""What Twilio tells us: guest messages and delivery status callbacks, each kept as received."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, created_at_column
from app.models.enums import DeliveryStatus, InboundKind, Rsvp, enum_column


class InboundMessage(Base):
    """A message a guest (or anyone) sent to the service's WhatsApp number."""

    __tablename__ = "inbound_messages"
    __table_args__ = (
        # The inbox and the messages API page by (received_at, id).
        Index("ix_inbound_messages_received", "received_at", "id"),
        Index("ix_inbound_messages_from_phone", "from_phone"),
        # A guest's messages, in order (their conversation).
        Index("ix_inbound_messages_guest", "guest_id", "received_at"),
        # Replies waiting for the SID they answer to be recorded (see app.services.inbound).
        Index(
            "ix_inbound_messages_awaiting",
            "replied_message_sid",
            postgresql_where=text("kind = 'rsvp' AND event_id IS NULL"),
        ),
        CheckConstraint("party_size BETWEEN 0 AND 999", name="party_size"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Twilio's delivery key: a retried webhook carries the same MessageSid.
    message_sid: Mapped[str] = mapped_column(String(34), unique=True)
    from_phone: Mapped[str] = mapped_column(String(40))
    to_phone: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[InboundKind] = mapped_column(enum_column(InboundKind), default=InboundKind.TEXT)
    button_payload: Mapped[str | None] = mapped_column(String(200))
    rsvp: Mapped[Rsvp | None] = mapped_column(enum_column(Rsvp))
    # The head count the message stated ("seremos tres": 3), accepted or not.
    party_size: Mapped[int | None]
    replied_message_sid: Mapped[str | None] = mapped_column(String(34))
    profile_name: Mapped[str | None] = mapped_column(String(200))
    guest_id: Mapped[int | None] = mapped_column(ForeignKey("guests.id", ondelete="SET NULL"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    # Every parameter Twilio sent, since it adds new ones without notice.
    params: Mapped[dict[str, Any]]
    received_at: Mapped[datetime] = created_at_column()
    # Set aside by the organiser without a reply: it no longer needs an answer.
    dismissed_at: Mapped[datetime | None]


class StatusCallback(Base):
    """One delivery status callback, kept even when it arrives late, twice or for no one."""

    __tablename__ = "status_callbacks"
    __table_args__ = (
        # One row per message and status: a replayed callback adds nothing.
        Index("ux_status_callbacks_sid_status", "message_sid", "raw_status", unique=True),
        # Recent callbacks no invitation owns yet, linked by the sweep.
        Index(
            "ix_status_callbacks_orphans",
            "received_at",
            postgresql_where=text("invitation_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_sid: Mapped[str] = mapped_column(String(34))
    status: Mapped[DeliveryStatus | None] = mapped_column(enum_column(DeliveryStatus))
    raw_status: Mapped[str] = mapped_column(String(40))
    error_code: Mapped[int | None]
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitations.id", ondelete="SET NULL"), index=True
    )
    params: Mapped[dict[str, Any]]
    received_at: Mapped[datetime] = created_at_column()
