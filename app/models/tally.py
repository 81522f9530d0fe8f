"""Running counts of guests and invitations, kept by PostgreSQL triggers as deltas.

Statement-level triggers (migration 0004) append one row per changed key and statement:
`+n` for rows that entered a key, `-n` for rows that left it. A count is the sum of a key's
rows; the worker's sweep compacts them into one row per key (`app.sending.tallies`). So
progress, stats and the pre-flight read a few rows instead of counting an event's guests,
and no write ever waits on another for a shared counter row.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Identity, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class InvitationTally(Base):
    """A change in the number of invitations with one combination of states."""

    __tablename__ = "invitation_tallies"
    __table_args__ = (
        Index("ix_invitation_tallies_event_id", "event_id"),
        Index("ix_invitation_tallies_campaign_id", "campaign_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    # No foreign keys: deleting an event or campaign appends its last negative deltas.
    # NULL for the rows of deleted guests a campaign still counts (not the event's).
    event_id: Mapped[int | None]
    campaign_id: Mapped[int | None]
    send_state: Mapped[str] = mapped_column(String(20))
    delivery_status: Mapped[str | None] = mapped_column(String(20))
    rsvp: Mapped[str | None] = mapped_column(String(20))
    error_code: Mapped[int | None]
    n: Mapped[int] = mapped_column(BigInteger)


class GuestTally(Base):
    """A change in the number of an event's guests."""

    __tablename__ = "guest_tallies"
    __table_args__ = (Index("ix_guest_tallies_event_id", "event_id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    event_id: Mapped[int]
    n: Mapped[int] = mapped_column(BigInteger)


# Indexes the migrations create only where the server allows (pg_trgm): not in the models.
DATABASE_ONLY_INDEXES = frozenset({"ix_guests_name_trgm", "ix_guests_phone_trgm"})
