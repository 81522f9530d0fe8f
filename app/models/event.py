"""Events, their guests, and numbers that asked not to be contacted."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, created_at_column

if TYPE_CHECKING:
    from app.models.invitation import Invitation


# Most people a guest may bring besides themself; most heads one party may have (the
# allowance decides in the service; the database refuses only the absurd).
MAX_PLUS_ONES = 99
MAX_PARTY = 100
# A guest page's token: 64 hex digits from two random UUIDs (244 random bits).
NEW_PAGE_TOKEN = "replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '')"  # noqa: S105 - SQL
# The largest capacity in heads, and the longest an offered seat may be held.
MAX_CAPACITY = 1_000_000
MAX_OFFER_HOURS = 720


class Event(Base):
    """Something guests are invited to."""

    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint(f"plus_ones BETWEEN 0 AND {MAX_PLUS_ONES}", name="plus_ones"),
        CheckConstraint(f"capacity BETWEEN 0 AND {MAX_CAPACITY}", name="capacity"),
        CheckConstraint(
            f"offer_hours > 0 AND offer_hours <= {MAX_OFFER_HOURS}", name="offer_hours"
        ),
        CheckConstraint("latitude BETWEEN -90 AND 90", name="latitude"),
        CheckConstraint("longitude BETWEEN -180 AND 180", name="longitude"),
        CheckConstraint("approval_above >= 0", name="approval_above"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime | None]
    # The IANA zone guests and organiser read the event's dates in ("Europe/Lisbon").
    time_zone: Mapped[str] = mapped_column(String(64), server_default="UTC")
    venue: Mapped[str | None] = mapped_column(String(300))
    # The ISO 3166 alpha-2 country its guests' national numbers are read in ("ES"); NULL
    # for events from before it was kept (the country of its zone, else the default region).
    country: Mapped[str | None] = mapped_column(String(2))
    # Whether a guest's reply in another language changes the language they are written in.
    language_from_replies: Mapped[bool] = mapped_column(default=False, server_default=false())
    # How many people each guest may bring besides themself, unless the guest says otherwise.
    plus_ones: Mapped[int] = mapped_column(default=0, server_default="0")
    # How many heads may come (NULL: no cap); past it, yeses are waitlisted.
    capacity: Mapped[int | None]
    # Above this many recipients an organiser's campaign of the event waits for an owner's
    # approval (NULL: the service's APPROVAL_ABOVE; 0: always), `app.services.approvals`.
    approval_above: Mapped[int | None]
    # How long a freed seat offered to a waitlisted guest is held for them.
    offer_hours: Mapped[Decimal] = mapped_column(
        Numeric(8, 4), default=Decimal(24), server_default="24"
    )
    # Where the venue is, in degrees, for a map link (else the venue's words are searched).
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    # Whether a seated guest's yes brings them a pass for the door (`app.services.passes`).
    passes: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The calendar entry's SEQUENCE: raised when the start, zone or venue changes.
    calendar_sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    # What of it changed since guests were last told ("time", "venue"): the next update's.
    untold_changes: Mapped[list[str]] = mapped_column(
        ARRAY(String(10)), default=list, server_default=text("'{}'::varchar[]")
    )
    # When the organiser canceled it: only the cancellation and replies are sent after.
    canceled_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_at_column()

    guests: Mapped[list[Guest]] = relationship(
        back_populates="event", cascade="all, delete-orphan", passive_deletes=True
    )


class Guest(Base):
    """A person invited to one event, reachable at one E.164 phone number."""

    __tablename__ = "guests"
    __table_args__ = (
        UniqueConstraint("event_id", "phone"),
        # Inbound messages are matched to guests by the sender's number.
        Index("ix_guests_phone", "phone"),
        # An event's guests in pages, by id.
        Index("ix_guests_event_id", "event_id", "id"),
        # Guests the provider said can never receive, per event (stats, pre-flight).
        Index(
            "ix_guests_unreachable",
            "event_id",
            postgresql_where=text("unreachable_code IS NOT NULL"),
        ),
        # Guests who come with others, per event: the heads beyond one a guest (stats).
        Index("ix_guests_parties", "event_id", postgresql_where=text("party_size > 1")),
        # An event's waitlist, in arrival order.
        Index(
            "ix_guests_waitlist",
            "event_id",
            "waitlisted_at",
            "id",
            postgresql_where=text("waitlisted_at IS NOT NULL"),
        ),
        # An event's answers not yet seated or waitlisted, in arrival order.
        Index(
            "ix_guests_seat_pending",
            "event_id",
            "seat_pending_at",
            "id",
            postgresql_where=text("seat_pending_at IS NOT NULL"),
        ),
        # Senders who were asked a question (their next message may answer it).
        Index(
            "ix_guests_asking",
            "phone",
            postgresql_where=text("asking_question_id IS NOT NULL"),
        ),
        # A guest's page by its token: the index holds the token's hash, not the secret.
        Index("uq_guests_page_token", text("sha256(page_token::bytea)"), unique=True),
        CheckConstraint(f"plus_ones BETWEEN 0 AND {MAX_PLUS_ONES}", name="plus_ones"),
        CheckConstraint(f"party_size BETWEEN 1 AND {MAX_PARTY}", name="party_size"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(20))  # E.164, e.g. +14155550100
    # Extra import columns, available to the invitation template.
    variables: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    # The guest's language (en, es, pt, ar, fr): imported, else inferred from the phone's
    # country; NULL for guests from before it was kept (inferred when read).
    language: Mapped[str | None] = mapped_column(String(8))
    # Set when the provider says this number can never receive (e.g. 63024 not on WhatsApp).
    unreachable_code: Mapped[int | None]
    unreachable_reason: Mapped[str | None] = mapped_column(Text)
    # The people this guest may bring besides themself; NULL: the event's `plus_ones`.
    plus_ones: Mapped[int | None]
    # How many are coming, the guest included, as they (or the organiser) said; NULL: not
    # said, counted as one. At most 1 + the allowance (checked where it is set).
    party_size: Mapped[int | None]
    # When their yes found the event full (the waitlist's order); NULL: not waitlisted.
    waitlisted_at: Mapped[datetime | None]
    # When an answer to an event with a capacity arrived that is not yet seated or
    # waitlisted (`app.sending.waitlist.decide`), and the heads the guest held before it.
    seat_pending_at: Mapped[datetime | None]
    seat_held: Mapped[int | None]
    # The question the guest was asked last and has not answered: their next message may
    # answer it (`app.services.question_flow`).
    asking_question_id: Mapped[int | None] = mapped_column(
        ForeignKey("questions.id", ondelete="SET NULL")
    )
    # The unguessable part of the guest's page URL (`/e/<token>`), made by the database.
    page_token: Mapped[str] = mapped_column(Text, server_default=text(NEW_PAGE_TOKEN))
    # The code of the guest's pass at the door (in its QR code and written beside it); NULL
    # until a yes gives them one. A new one voids the old (a party changed, a decline).
    pass_code: Mapped[str | None] = mapped_column(String(16), unique=True)
    created_at: Mapped[datetime] = created_at_column()

    event: Mapped[Event] = relationship(back_populates="guests")
    # The guest's invitation (not a reminder or follow-up): it holds their RSVP.
    invitation: Mapped[Invitation | None] = relationship(
        primaryjoin="and_(Guest.id == Invitation.guest_id, Invitation.kind == 'invitation')",
        viewonly=True,
        uselist=False,
    )


class OptOut(Base):
    """A phone number that sent STOP (or that the provider reports as opted out)."""

    __tablename__ = "opt_outs"

    phone: Mapped[str] = mapped_column(String(20), primary_key=True)
    source: Mapped[str] = mapped_column(String(20))  # "keyword" or "provider"
    keyword: Mapped[str | None] = mapped_column(String(50))
    created_at: Mapped[datetime] = created_at_column()
