"""Apply delivery status callbacks: keep each one, and only ever move an invitation forward."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, text

from app.database import prepare_statements
from app.extensions import db, webhook_writes
from app.models import DeliveryStatus
from app.sending.reachability import effect_of, record_failures
from app.sending.twilio_errors import reason_for
from app.statements import Prepared, run_one

if TYPE_CHECKING:  # the web layer parses forms; importing it here would be circular
    from app.webhooks.forms import StatusForm

log = logging.getLogger(__name__)

S = DeliveryStatus
# Twilio's flow is queued -> sent | failed -> delivered | undelivered -> read, with callbacks
# in any order. A failure overrides only statuses before delivery; terminal ones stay.
RANKS = {
    S.QUEUED: 1,
    S.ACCEPTED: 1,
    S.SCHEDULED: 1,
    S.SENDING: 2,
    S.SENT: 3,
    S.FAILED: 4,
    S.UNDELIVERED: 4,
    S.CANCELED: 4,
    S.DELIVERED: 5,
    S.READ: 6,
}
TERMINAL = (S.FAILED, S.UNDELIVERED, S.CANCELED)
FAILURES = (S.FAILED, S.UNDELIVERED)
DELIVERED = (S.DELIVERED, S.READ)

_RANK_SQL = " ".join(f"WHEN '{status.value}' THEN {rank}" for status, rank in RANKS.items())
_TERMINAL_SQL = ", ".join(f"'{status.value}'" for status in TERMINAL)
# Evaluated by PostgreSQL on the row it has locked, so concurrent callbacks can't race.
FORWARD = (
    f"(delivery_status IS NULL OR (delivery_status NOT IN ({_TERMINAL_SQL})"
    f" AND (CASE delivery_status {_RANK_SQL} ELSE 0 END) < :rank))"
)
NOT_TERMINAL = f"(delivery_status IS NULL OR delivery_status NOT IN ({_TERMINAL_SQL}))"

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
ADVANCE_SET = f"""
    delivery_status = CASE WHEN {FORWARD} THEN :status ELSE delivery_status END,
    error_code = CASE WHEN {FORWARD} AND :failed THEN :error_code ELSE error_code END,
    error_reason = CASE WHEN {FORWARD} AND :failed THEN :reason ELSE error_reason END,
    delivered_at = CASE WHEN :delivered AND {NOT_TERMINAL}
        THEN LEAST(COALESCE(delivered_at, :at), :at) ELSE delivered_at END,
    read_at = CASE WHEN :read AND {NOT_TERMINAL}
        THEN LEAST(COALESCE(read_at, :at), :at) ELSE read_at END,
    updated_at = now()
"""
ADVANCE = text(f"""
    UPDATE invitations SET {ADVANCE_SET}
    WHERE id = :invitation_id
    RETURNING delivery_status
""")  # noqa: S608 - fragments are built from constants above
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

PHONE_OF = text("""
    SELECT g.phone FROM guests g JOIN invitations i ON i.guest_id = g.id WHERE i.id = :id
""")
# Callbacks of the last day that no invitation owned when they were stored, whose SID an
# invitation has now (their transaction straddled the commit that recorded the SID).
LINK_ORPHAN_CALLBACKS = text("""
    UPDATE status_callbacks AS sc SET invitation_id = i.id
    FROM invitations AS i
    WHERE sc.invitation_id IS NULL AND sc.received_at > now() - interval '1 day'
      AND i.message_sid = sc.message_sid
    RETURNING sc.invitation_id, sc.status, sc.error_code, sc.received_at
""")
LINK_EARLY_CALLBACKS = text("""
    UPDATE status_callbacks AS sc SET invitation_id = i.id
    FROM invitations AS i
    WHERE sc.message_sid = ANY(CAST(:sids AS text[])) AND sc.invitation_id IS NULL
      AND i.message_sid = sc.message_sid
    RETURNING sc.invitation_id, sc.status, sc.error_code, sc.received_at
""")


@dataclass(frozen=True)
class StatusOutcome:
    """What a callback did: stored (False for a replayed copy) and the invitation's status."""

    stored: bool
    invitation_id: int | None = None
    delivery_status: DeliveryStatus | None = None


def advance_params(
    status: DeliveryStatus | None, error_code: int | None, at: datetime
) -> dict[str, object]:
    """The parameters of ADVANCE_SET for a callback's status."""
    failed = status in FAILURES
    return {
        "status": status.value if status else None,
        "rank": RANKS[status] if status else 0,
        "failed": failed,
        "error_code": error_code,
        "reason": reason_for(error_code) if failed else None,
        "delivered": status in DELIVERED,
        "read": status is S.READ,
        "at": at,
    }


def advance(
    connection: Connection,
    invitation_id: int,
    status: DeliveryStatus,
    error_code: int | None,
    at: datetime,
) -> DeliveryStatus | None:
    """Move the invitation to `status` if that is forward; return its status afterwards."""
    params = {"invitation_id": invitation_id, **advance_params(status, error_code, at)}
    current = connection.execute(ADVANCE, params).scalar_one_or_none()
    if status in FAILURES and error_code is not None:
        mark_guest(connection, invitation_id, error_code)
    return DeliveryStatus(current) if current else None


def mark_guest(connection: Connection, invitation_id: int, error_code: int) -> None:
    """Record what a failure says about the guest's number (`reachability`)."""
    if effect_of(error_code) is None:
        return
    phone = connection.execute(PHONE_OF, {"id": invitation_id}).scalar_one_or_none()
    if phone is not None:
        record_failures(connection, [(phone, error_code)])
        log.info(
            "invitation %s: the number can no longer be sent to (%s)", invitation_id, error_code
        )


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


def link_early_callbacks(connection: Connection, message_sids: Sequence[str]) -> int:
    """Apply callbacks that arrived before their SIDs were recorded; return how many.

    Twilio may call back before the send's response is committed, when no invitation has
    the SID yet: the sender calls this in the transaction that records the SIDs.
    """
    rows = connection.execute(LINK_EARLY_CALLBACKS, {"sids": list(message_sids)}).all()
    return apply_linked(connection, rows)


def link_orphan_callbacks(connection: Connection) -> int:
    """Apply the recent callbacks still unlinked whose SID is now recorded (the sweep's pass).

    A callback whose transaction started before the writer committed the SID, and committed
    after the writer linked the early ones, is seen by neither: this pass catches it.
    """
    return apply_linked(connection, connection.execute(LINK_ORPHAN_CALLBACKS).all())


def apply_linked(connection: Connection, rows: Sequence[Any]) -> int:
    """Apply newly linked callbacks to their invitations, oldest first; return how many."""
    for row in sorted(rows, key=lambda found: found.received_at):
        if row.status is not None:
            status = DeliveryStatus(row.status)
            advance(connection, row.invitation_id, status, row.error_code, row.received_at)
    return len(rows)
