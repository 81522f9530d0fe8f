"""The organiser's own templates: one per kind of message and language, and header images."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, created_at_column
from app.models.enums import enum_column


class TemplateStatus(StrEnum):
    """Where a template stands with WhatsApp (what the Messages page shows)."""

    SUBMITTING = "submitting"  # saved; the worker creates it at Twilio and asks for approval
    PENDING = "pending"  # with Meta for review
    APPROVED = "approved"
    REJECTED = "rejected"  # `rejection_reason` says why
    FAILED = "failed"  # Twilio refused the request itself (`rejection_reason` has its words)


class MessageTemplate(Base):
    """The organiser's wording of one kind of message in one language, and its approval.

    `body` keeps the organiser's text with its chips (`{guest}`, `{event}`, ...); what went
    to Twilio is numbered (`{{1}}`, ...), with `variables` saying which engine value each
    number takes. The last approved content stays in use (`approved_sid`) while a newer
    wording is reviewed.
    """

    __tablename__ = "message_templates"
    __table_args__ = (UniqueConstraint("kind", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(5))
    body: Mapped[str] = mapped_column(Text)
    # The quick replies: [{"id": "yes", "title": "Sí"}, ...] (ids from the RSVP vocabulary).
    buttons: Mapped[list[dict[str, str]]] = mapped_column(JSONB, default=list)
    image_token: Mapped[str | None] = mapped_column(
        ForeignKey("template_images.token", ondelete="SET NULL")
    )
    status: Mapped[TemplateStatus] = mapped_column(enum_column(TemplateStatus))
    content_sid: Mapped[str | None] = mapped_column(String(34))
    # Placeholder number -> engine variable ("1" guest name, ..., "page_url"), as submitted.
    variables: Mapped[dict[str, Any]] = mapped_column(default=dict)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    approved_sid: Mapped[str | None] = mapped_column(String(34))
    approved_variables: Mapped[dict[str, Any] | None]
    submitted_at: Mapped[datetime | None]
    checked_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = created_at_column()


class TemplateImage(Base):
    """A header image, served to Twilio and WhatsApp at `/media/<token>` (unguessable)."""

    __tablename__ = "template_images"

    token: Mapped[str] = mapped_column(String(43), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(20))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    width: Mapped[int]
    height: Mapped[int]
    created_at: Mapped[datetime] = created_at_column()
