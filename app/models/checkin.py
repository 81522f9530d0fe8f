"""Passes at the door: the check-ins of a guest's party, as door devices record them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, created_at_column


class CheckIn(Base):
    """People of a guest's party let in at once by one scan (or a typed code, or a name)."""

    __tablename__ = "checkins"
    __table_args__ = (
        # A guest's arrivals, in order (how many are in, when the first came).
        Index("ix_checkins_guest", "guest_id", "id"),
        # An event's arrivals, newest first (the event page's live count).
        Index("ix_checkins_event", "event_id", "id"),
        CheckConstraint("people BETWEEN 1 AND 100", name="people"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    guest_id: Mapped[int] = mapped_column(ForeignKey("guests.id", ondelete="CASCADE"))
    people: Mapped[int]  # how many of the party came in
    # The pass code scanned or typed (NULL: found by name).
    pass_code: Mapped[str | None] = mapped_column(String(16))
    # Who let them in, and from which device.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    device: Mapped[str | None] = mapped_column(String(64))
    # The device's own id for the scan: a scan queued offline and sent twice is one check-in.
    client_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    # When the device scanned it (it may send it later), and when the server recorded it.
    scanned_at: Mapped[datetime]
    created_at: Mapped[datetime] = created_at_column()
