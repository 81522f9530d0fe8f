"""Invitations, the campaigns that send them, and every attempt and answer along the way."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, false, func, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, created_at_column
from app.models.enums import (
    AttemptStatus,
    CampaignState,
    DeliveryStatus,
    MessageKind,
    OfferOutcome,
    Rsvp,
    SendState,
    enum_column,
)
from app.models.event import Event, Guest


class Campaign(Base):
    """A bulk send of one event's invitations, reminders, follow-ups or updates (`kind`)."""

    __tablename__ = "campaigns"
    __table_args__ = (
        # The worker's sweep starts scheduled campaigns whose time has come.
        Index("ix_campaigns_scheduled", "send_at", postgresql_where=text("state = 'scheduled'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    kind: Mapped[MessageKind] = mapped_column(
        enum_column(MessageKind), default=MessageKind.INVITATION, server_default="invitation"
    )
    state: Mapped[CampaignState] = mapped_column(
        enum_column(CampaignState), default=CampaignState.RUNNING
    )
    # When a scheduled campaign starts (a reminder's: the event's start minus `lead_seconds`).
    send_at: Mapped[datetime | None]
    include_maybe: Mapped[bool] = mapped_column(default=False, server_default=false())
    lead_seconds: Mapped[int | None]  # a reminder goes this long before the event starts
    after_seconds: Mapped[int | None]  # a follow-up goes this long after delivery
    # An update's: the change it tells of (the event's `calendar_sequence` then), and whether
    # guests who have not answered hear of it too.
    round: Mapped[int] = mapped_column(default=0, server_default="0")
    # What an update tells changed ("time", "venue"): its template's `{changed}`.
    changes: Mapped[list[str]] = mapped_column(
        ARRAY(String(10)), default=list, server_default=text("'{}'::varchar[]")
    )
    include_unanswered: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Why a scheduled campaign did not start, or what its pre-flight found when it did.
    note: Mapped[str | None] = mapped_column(Text)
    total: Mapped[int] = mapped_column(default=0)
    rate_per_second: Mapped[float]
    created_at: Mapped[datetime] = created_at_column()
    finished_at: Mapped[datetime | None]
    # When a sender last settled one of its invitations: a running campaign with due work
    # and no progress for a minute is stuck (see app.sending.stuck).
    progressed_at: Mapped[datetime | None] = mapped_column(server_default=func.now())

    event: Mapped[Event] = relationship()


class Invitation(Base):
    """One message the engine owes a guest: its sending state, delivery status and RSVP.

    A guest has at most one row of each kind of message (`app.sending.kinds`): the
    invitation (which holds the guest's RSVP), a reminder, a follow-up; and any number of
    the organiser's replies (`body`). Everything the engine does (claims, pacing,
    reconciliation, status callbacks) is the same for all of them.
    """

    __tablename__ = "invitations"
    __table_args__ = (
        # One row per guest, kind and round (an update per change of the event; the other
        # kinds keep round 0): exactly once each.
        Index(
            "uq_invitations_guest_id_kind_round",
            "guest_id",
            "kind",
            "round",
            unique=True,
            postgresql_where=text("kind NOT IN ('reply', 'offer', 'pass')"),
        ),
        # A guest's passes sent by the engine: once per pass and change of the event.
        Index(
            "uq_invitations_pass",
            "guest_id",
            "pass_code",
            "round",
            unique=True,
            postgresql_where=text("kind = 'pass'"),
        ),
        # A guest's replies, in order (their conversation).
        Index(
            "ix_invitations_replies",
            "guest_id",
            "created_at",
            postgresql_where=text("kind = 'reply'"),
        ),
        Index("ix_invitations_event_id", "event_id"),
        # A guest's message is answered by the engine once (`app.services.spooled_answers`).
        Index(
            "uq_invitations_answers_message",
            "answers_message_id",
            unique=True,
            postgresql_where=text("answers_message_id IS NOT NULL"),
        ),
        # A campaign's invitations in one state: pause, resume, cancel, retry, completion.
        Index("ix_invitations_campaign_state", "campaign_id", "send_state"),
        # Senders claim the earliest due pending invitations, across campaigns (LIMITed
        # scans of this index; paused campaigns' invitations are `paused`, not in it).
        Index(
            "ix_invitations_due",
            "next_attempt_at",
            "id",
            postgresql_where=text("send_state = 'pending'"),
        ),
        # Lease expiry (next due, stale claims) among the few invitations being sent.
        Index(
            "ix_invitations_sending",
            "claimed_until",
            postgresql_where=text("send_state = 'sending'"),
        ),
        # An event's reminders and follow-ups (counting their audiences).
        Index(
            "ix_invitations_follow_ons",
            "event_id",
            "kind",
            postgresql_where=text("kind <> 'invitation'"),
        ),
        # An event's delivered invitations with no answer (follow-ups).
        Index(
            "ix_invitations_unanswered",
            "event_id",
            "delivered_at",
            postgresql_where=text(
                "kind = 'invitation' AND rsvp IS NULL AND send_state = 'accepted'"
            ),
        ),
        # The pre-flight counts messages accepted in the last 24 hours (the daily tier).
        Index(
            "ix_invitations_accepted",
            "accepted_at",
            postgresql_where=text("accepted_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Both NULL once the guest is deleted: a row a campaign counted stays with the campaign
    # (`app.services.guest_edits`), out of the event's figures.
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    guest_id: Mapped[int | None] = mapped_column(ForeignKey("guests.id", ondelete="CASCADE"))
    kind: Mapped[MessageKind] = mapped_column(
        enum_column(MessageKind), default=MessageKind.INVITATION, server_default="invitation"
    )
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"))
    # Which change of its event an update tells of (its `calendar_sequence`); 0 otherwise.
    round: Mapped[int] = mapped_column(default=0, server_default="0")
    # The pass a `pass` message carries (the guest's `pass_code` when it was queued).
    pass_code: Mapped[str | None] = mapped_column(String(16))
    send_state: Mapped[SendState] = mapped_column(enum_column(SendState), default=SendState.PENDING)
    next_attempt_at: Mapped[datetime | None]
    attempt_count: Mapped[int] = mapped_column(default=0)
    # Lease of the worker currently sending it; expired leases are recovered.
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[datetime | None]
    message_sid: Mapped[str | None] = mapped_column(String(34), unique=True)
    delivery_status: Mapped[DeliveryStatus | None] = mapped_column(enum_column(DeliveryStatus))
    error_code: Mapped[int | None]
    error_reason: Mapped[str | None] = mapped_column(Text)
    rsvp: Mapped[Rsvp | None] = mapped_column(enum_column(Rsvp))
    rsvp_at: Mapped[datetime | None]
    accepted_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    read_at: Mapped[datetime | None]
    # A reply's text (the other kinds are written from templates or the plain invitation).
    body: Mapped[str | None] = mapped_column(Text)
    # A reply sent with buttons (`app.models.button_content`); `body` is its text fallback.
    content_key: Mapped[str | None] = mapped_column(
        ForeignKey("button_contents.key", ondelete="SET NULL")
    )
    # A reply the service wrote for itself (`by_service`), not the organiser's words: a
    # confirmation, a question with buttons, a question asked again.
    by_service: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The guest's message such a confirmation answers (one a spooled message's webhook could
    # not give), answered once.
    answers_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbound_messages.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())

    guest: Mapped[Guest] = relationship()
    campaign: Mapped[Campaign | None] = relationship()


class MessageAttempt(Base):
    """One request to the provider's Messages API, recorded before it is made."""

    __tablename__ = "message_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(
        ForeignKey("invitations.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[AttemptStatus] = mapped_column(
        enum_column(AttemptStatus), default=AttemptStatus.IN_FLIGHT
    )
    to_phone: Mapped[str] = mapped_column(String(20))
    # The `From` address or MessagingServiceSid used: reconciliation lists messages by it.
    sender: Mapped[str | None] = mapped_column(String(100))
    provider_sid: Mapped[str | None] = mapped_column(String(34), unique=True)
    http_status: Mapped[int | None]
    error_code: Mapped[int | None]
    error_message: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = created_at_column()
    finished_at: Mapped[datetime | None]


class RsvpResponse(Base):
    """Every answer a guest gave, in order; the invitation holds the latest."""

    __tablename__ = "rsvp_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(
        ForeignKey("invitations.id", ondelete="CASCADE"), index=True
    )
    rsvp: Mapped[Rsvp] = mapped_column(enum_column(Rsvp))
    inbound_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbound_messages.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = created_at_column()


class Offer(Base):
    """A freed seat offered to a waitlisted guest, held for them until `hold_until`."""

    __tablename__ = "offers"
    __table_args__ = (
        # One open offer per guest: the cascade cannot offer twice.
        Index("uq_offers_open", "guest_id", unique=True, postgresql_where=text("outcome IS NULL")),
        # An event's open offers (the heads they hold; the ones whose hold ran out).
        Index(
            "ix_offers_open_event",
            "event_id",
            "hold_until",
            postgresql_where=text("outcome IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    guest_id: Mapped[int] = mapped_column(ForeignKey("guests.id", ondelete="CASCADE"))
    # The message that carries it (a row of kind `offer`).
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitations.id", ondelete="SET NULL"), index=True
    )
    party: Mapped[int]  # the heads it holds
    created_at: Mapped[datetime] = created_at_column()
    hold_until: Mapped[datetime]
    outcome: Mapped[OfferOutcome | None] = mapped_column(enum_column(OfferOutcome))
    settled_at: Mapped[datetime | None]
