"""The team around the dashboard: invitations to join it, API tokens, and the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, created_at_column
from app.models.enums import UserRole, enum_column

# A sha256 hex digest: what is stored of an invite link's or an API token's secret.
DIGEST_LENGTH = 64


class Invite(Base):
    """A single-use link that lets a person join the team with a role, until it expires."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[UserRole] = mapped_column(enum_column(UserRole))
    token_hash: Mapped[str] = mapped_column(String(DIGEST_LENGTH), unique=True)
    invited_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    # The invite's email, when SMTP is configured (`app.services.invite_mail`): queued, sent
    # or failed (with the reason); the link sealed until it went (never in plaintext).
    email_state: Mapped[str | None] = mapped_column(String(20))
    email_error: Mapped[str | None] = mapped_column(String(300))
    emailed_at: Mapped[datetime | None]
    sealed_link: Mapped[str | None] = mapped_column(Text)


class ApiToken(Base):
    """A user's named bearer token for `/api/v1`: their role, or read-only, until revoked."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(DIGEST_LENGTH), unique=True)
    read_only: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = created_at_column()
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class AuditEntry(Base):
    """Who did what, when: one row per action, never changed (a trigger refuses updates,
    and deletes except the retention's pruning: migration 0021)."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_action_at", "action", "at"),
        Index("ix_audit_log_event_id_at", "event_id", "at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[datetime] = created_at_column()
    # No foreign keys: the trail outlives the users and events it names.
    actor_id: Mapped[int | None]
    actor: Mapped[str] = mapped_column(String(254))  # the email then, or "API_TOKEN", "cli"
    via: Mapped[str] = mapped_column(String(20))  # dashboard, api, cli, worker
    action: Mapped[str] = mapped_column(String(50))
    event_id: Mapped[int | None]
    target: Mapped[str | None] = mapped_column(String(100))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    address: Mapped[str | None] = mapped_column(String(45))


class RecoveryCode(Base):
    """A single-use code that stands in for a user's second factor (stored as its sha256)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(DIGEST_LENGTH))
    used_at: Mapped[datetime | None]
