"""Apply delivery status callbacks: keep each one, and only ever move an invitation forward."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime

from app.database import prepare_statements
from app.extensions import db, webhook_writes
from app.models import DeliveryStatus
from app.sending.statuses import ADVANCE_SET, FAILURES, advance_params, mark_guest
from app.services.webhook_forms import StatusForm
from app.statements import Prepared, run_one

log = logging.getLogger(__name__)

# Kept even when it arrives for an unknown SID; one row per SID and status, so a replay
# (Twilio's retry of a callback that got no 2xx, a duplicate, a spooled copy) is not
# stored again and changes nothing.
STORE_CALLBACK = """
    INSERT INTO status_callbacks
        (message_sid, status, raw_status, error_code, invitation_id, params, received_at)
    VALUES (:sid, :status, :raw_status, :error_code,
            (SELECT id FROM invitations WHERE message_sid = :sid), :params, :at)
    ON CONFLICT (message_sid, raw_status) DO NOTHING
    RETURNING id, invitation_id
"""
# Store and apply in one statement (one round trip); `:tracked` is false for statuses
# the service does not follow, which are only stored.
# Prepared once per connection: PostgreSQL plans it once (see app.database.Prepared).
STORE_AND_ADVANCE = Prepared(
    "store_status_callback",
    f"""
    stored AS ({STORE_CALLBACK}),
    advanced AS (
        UPDATE invitations SET {ADVANCE_SET}
        FROM stored
        WHERE invitations.id = stored.invitation_id AND :tracked
        RETURNING invitations.delivery_status
    )""",  # noqa: S608 - fragments are built from constants above
    """
    SELECT stored.id, stored.invitation_id, advanced.delivery_status
    FROM stored LEFT JOIN advanced ON true""",
    {
        **dict.fromkeys(("sid", "status", "raw_status", "reason"), "text"),
        **dict.fromkeys(("error_code", "rank"), "integer"),
        **dict.fromkeys(("failed", "delivered", "read", "tracked"), "boolean"),
        "params": "jsonb",
        "at": "timestamptz",
    },
)


@dataclass(frozen=True)
class StatusOutcome:
    """What a callback did: stored (False for a replayed copy) and the invitation's status."""

    stored: bool
    invitation_id: int | None = None
    delivery_status: DeliveryStatus | None = None


def apply_status(form: StatusForm, received_at: datetime) -> StatusOutcome:
    """Store a status callback and apply it to its invitation, atomically."""
    params = {
        **advance_params(form.status, form.error_code, received_at),
        "sid": form.message_sid,
        "raw_status": form.raw_status,
        "params": json.dumps(form.params, ensure_ascii=False),
        "tracked": form.status is not None,
    }
    if form.status in FAILURES and form.error_code:
        # A failure may also mark the guest unreachable: one transaction for both.
        with db.engine.begin() as connection:
            row = run_one(connection, STORE_AND_ADVANCE, params, prepare_statements())
            if row is not None and row["invitation_id"] is not None:
                mark_guest(connection, row["invitation_id"], form.error_code)
    else:  # one statement, atomic on its own, committed with its group
        row = webhook_writes().run(STORE_AND_ADVANCE, params)
    if row is None:  # a replay of a callback already stored
        return StatusOutcome(stored=False)
    current = DeliveryStatus(row["delivery_status"]) if row["delivery_status"] else None
    log.debug("status %s %s -> %s", form.message_sid, form.raw_status, current)
    return StatusOutcome(True, row["invitation_id"], current)
