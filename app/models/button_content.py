"""The session contents with buttons the service sends (how many are coming, a choice): one
Content API resource per distinct content, shared by every guest who is sent it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, created_at_column


class ButtonContent(Base):
    """A content with quick replies or a list picker, keyed by a hash of what it is.

    `request` is the Content API create body; the drain that first sends it creates it at
    Twilio and keeps its SID (`app.sending.button_contents`). A content Twilio refused is
    `failed`: its messages go as their text question instead.
    """

    __tablename__ = "button_contents"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of `request`
    request: Mapped[dict[str, Any]] = mapped_column(JSONB)
    content_sid: Mapped[str | None] = mapped_column(String(34))
    failed_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()
