"""Delivery statuses, only ever forward, and what arrived before its SID was recorded.

Twilio may call back, and a guest may answer, before the send's result is committed (or,
after a crash, before reconciliation finds the message): those callbacks and replies are
stored unlinked, and applied here when the SID is recorded, in the same transaction
(`link_early_callbacks`, `link_awaiting_replies`), or by the sweep for the commit race
(`link_orphan_callbacks`, `link_awaiting_replies()`). The webhook path
(`app.services.delivery`) applies callbacks whose SID is known with the same rules.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from app.models import DeliveryStatus
from app.sending.reachability import effect_of, record_failures
from app.sending.twilio_errors import reason_for

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


# Replies that waited for their SID (see AWAITED), now that a message of the sender has it:
# linked to the guest's invitation (a reply to a reminder answers the invitation too), and
# the latest answer applied unless a newer one is there.
LINK_AWAITING = """
WITH linked AS (
    UPDATE inbound_messages AS m SET guest_id = g.id, event_id = g.event_id
    FROM invitations AS r
    JOIN invitations AS i ON i.guest_id = r.guest_id AND i.kind = 'invitation'
    JOIN guests AS g ON g.id = i.guest_id
    WHERE m.kind = 'rsvp' AND m.event_id IS NULL AND {which}
      AND r.message_sid = m.replied_message_sid
      AND m.from_phone IN (g.phone, 'whatsapp:' || g.phone)
    RETURNING m.id, i.id AS invitation_id, m.rsvp, m.received_at
),
latest AS (
    SELECT DISTINCT ON (invitation_id) * FROM linked ORDER BY invitation_id, received_at DESC
),
answered AS (
    UPDATE invitations AS i SET rsvp = latest.rsvp, rsvp_at = latest.received_at, updated_at = now()
    FROM latest
    WHERE i.id = latest.invitation_id AND (i.rsvp_at IS NULL OR i.rsvp_at <= latest.received_at)
)
INSERT INTO rsvp_responses (invitation_id, rsvp, inbound_message_id, created_at)
SELECT invitation_id, rsvp, id, received_at FROM linked
RETURNING invitation_id
"""
LINK_AWAITING_SIDS = text(
    LINK_AWAITING.format(which="m.replied_message_sid = ANY(CAST(:sids AS text[]))")
)
LINK_AWAITING_RECENT = text(LINK_AWAITING.format(which="m.replied_message_sid IS NOT NULL"))
# A reply that waited this long answers no message of ours: it goes to the inbox as text.
GIVE_UP_AWAITING = text("""
UPDATE inbound_messages SET kind = 'text'
WHERE kind = 'rsvp' AND event_id IS NULL AND received_at < now() - interval '15 minutes'
""")


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


def link_awaiting_replies(connection: Connection, message_sids: Sequence[str] | None = None) -> int:
    """Apply the replies that waited for these SIDs (all that can be linked when None).

    The sender calls it with the SIDs it records; the sweep without, which also catches a
    reply whose transaction straddled that commit, and sends to the inbox the replies that
    waited in vain.
    """
    if message_sids is not None:
        return len(connection.execute(LINK_AWAITING_SIDS, {"sids": list(message_sids)}).all())
    linked = len(connection.execute(LINK_AWAITING_RECENT).all())
    connection.execute(GIVE_UP_AWAITING)
    return linked
