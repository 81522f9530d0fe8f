"""Questions an event asks the guests who say yes, and each guest's answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    SmallInteger,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, created_at_column
from app.models.enums import QuestionKind, enum_column

# Most questions one event asks, and most choices one question offers (a WhatsApp list
# holds ten rows).
MAX_QUESTIONS = 20
MAX_CHOICES = 10


class Question(Base):
    """One question an event asks, worded per language (`{"en": ..., "es": ...}`)."""

    __tablename__ = "questions"
    __table_args__ = (
        UniqueConstraint("event_id", "position"),
        CheckConstraint(f"position BETWEEN 1 AND {MAX_QUESTIONS}", name="position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    # The order it is asked in, from 1.
    position: Mapped[int] = mapped_column(SmallInteger)
    kind: Mapped[QuestionKind] = mapped_column(enum_column(QuestionKind))
    wording: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # Its choices in order, each worded per language; empty for a text question.
    choices: Mapped[list[dict[str, str]]] = mapped_column(JSONB, server_default="[]")
    created_at: Mapped[datetime] = created_at_column()


class Answer(Base):
    """A guest's answer to one question (at most one, the latest), and how often it was
    asked."""

    __tablename__ = "answers"
    __table_args__ = (
        # The answers to a question (counts, exports).
        Index(
            "ix_answers_question", "question_id", postgresql_where=text("answered_at IS NOT NULL")
        ),
        CheckConstraint("asks BETWEEN 0 AND 2", name="asks"),
    )

    guest_id: Mapped[int] = mapped_column(
        ForeignKey("guests.id", ondelete="CASCADE"), primary_key=True
    )
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True
    )
    # The words of a text answer; NULL for a choice.
    text: Mapped[str | None] = mapped_column(Text)
    # The chosen choices' numbers, from 1; NULL for a text answer.
    choices: Mapped[list[int] | None] = mapped_column(ARRAY(SmallInteger))
    # Times asked (the first ask and at most one more), and when last asked and answered.
    asks: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    asked_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    # The guest's message that answered it.
    inbound_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbound_messages.id", ondelete="SET NULL")
    )
