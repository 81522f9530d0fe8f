"""The sender's backlog as PostgreSQL and Redis tell it, for the dashboard's `/system` page.

Due work, how overdue the oldest is, expired leases, stuck campaigns and the engine's last
error: read from `app.sending` here, so the page reaches the engine through the health layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import current_app

from app.extensions import db, redis_store
from app.sending import claims
from app.sending.stuck import StuckCampaign, last_error, stuck_campaigns


@dataclass(frozen=True)
class SendingState:
    """What PostgreSQL says about sending work."""

    next_due_in: float | None  # seconds; <= 0 means work is due now; None: nothing left
    stale_claims: int
    stuck: list[StuckCampaign] = field(default_factory=list)
    last_error: dict[str, Any] | None = None

    @property
    def overdue(self) -> float:
        """How long the oldest due work has waited (0 when none is due)."""
        return max(0.0, -self.next_due_in) if self.next_due_in is not None else 0.0


def sending_state() -> SendingState:
    """Read the sender's backlog from PostgreSQL."""
    connection = db.session.connection()
    return SendingState(
        claims.next_due_in(connection),
        claims.stale_claims(connection),
        stuck_campaigns(connection, current_app.config["SENDING"].stuck_after),
        last_error(redis_store.connection),
    )
