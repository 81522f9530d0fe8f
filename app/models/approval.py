"""Approvals: an organiser's big campaign waits for an owner's yes before it exists."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, created_at_column
from app.models.enums import enum_column


class ApprovalState(StrEnum):
    """Where a request to send is."""

    PENDING = "pending"  # submitted, waiting for an owner
    APPROVED = "approved"  # approved: its campaign was created (started or scheduled)
    REJECTED = "rejected"  # an owner said no, with a note
    STALE = "stale"  # the audience or the event changed since: submit again


# The kinds of campaign that send to guests, and so may need an approval.
APPROVED_KINDS = (
    "invitation",
    "reminder",
    "followup",
    "update",
    "cancellation",
    "thanks",
    "missed",
)


class Approval(Base):
    """An organiser's campaign as submitted: its pre-flight, and an owner's decision."""

    __tablename__ = "approvals"
    __table_args__ = (
        Index("ix_approvals_pending", "id", postgresql_where=text("state = 'pending'")),
        CheckConstraint(f"kind IN {APPROVED_KINDS}", name="approval_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    state: Mapped[ApprovalState] = mapped_column(
        enum_column(ApprovalState), default=ApprovalState.PENDING
    )
    # What approving creates: a campaign of this kind (`MessageKind`) with these choices
    # (hours_before, include_maybe, after_days, include_unanswered).
    kind: Mapped[str] = mapped_column(String(20), default="invitation", server_default="invitation")
    options: Mapped[dict[str, Any]] = mapped_column(
        default=dict, server_default=text("'{}'::jsonb")
    )
    send_at: Mapped[datetime | None]
    recipients: Mapped[int]
    estimated_seconds: Mapped[float | None]
    # What was submitted, as a digest of the audience and the event's words: an approval
    # is refused when it differs now.
    fingerprint: Mapped[str] = mapped_column(String(64))
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"))
