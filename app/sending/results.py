"""Write send results back to PostgreSQL in batches: one transaction per flush.

Only an accepted result is written whoever holds the invitation (the provider has the
message, whatever else happened). Every other result applies only while this sender still
holds the lease; if it lost it, reconciliation owns the invitation and settles it.
Invitations returned to the queue become `canceled` or `paused` instead when their campaign is.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection

from app.models import DeliveryStatus
from app.models.enums import states_text
from app.sending.lifecycle import REQUEUED_STATE
from app.sending.reachability import record_failures
from app.sending.statuses import link_awaiting_replies, link_early_callbacks
from app.sending.stuck import mark_progress

log = logging.getLogger(__name__)


ACCEPT_INVITATIONS = states_text("""
UPDATE invitations AS i
SET send_state = :send_accepted, message_sid = v.sid,
    delivery_status = coalesce(i.delivery_status, v.status),
    accepted_at = coalesce(i.accepted_at, now()), claimed_by = NULL, claimed_until = NULL,
    next_attempt_at = NULL, error_code = NULL, error_reason = NULL, updated_at = now()
FROM unnest(CAST(:ids AS integer[]), CAST(:sids AS text[]), CAST(:statuses AS text[]))
    AS v(id, sid, status)
WHERE i.id = v.id AND (i.message_sid IS NULL OR i.message_sid = v.sid)
RETURNING i.id
""")

ACCEPT_ATTEMPTS = states_text("""
UPDATE message_attempts AS a
SET status = :attempt_accepted, provider_sid = v.sid, http_status = v.http, finished_at = now()
FROM unnest(CAST(:ids AS integer[]), CAST(:sids AS text[]), CAST(:https AS integer[]))
    AS v(id, sid, http)
WHERE a.id = v.id
""")

FAIL_INVITATIONS = states_text("""
UPDATE invitations AS i
SET send_state = :send_failed, error_code = v.code, error_reason = v.reason,
    claimed_by = NULL, claimed_until = NULL, next_attempt_at = NULL, updated_at = now()
FROM unnest(CAST(:ids AS integer[]), CAST(:codes AS integer[]), CAST(:reasons AS text[]))
    AS v(id, code, reason)
WHERE i.id = v.id AND i.claimed_by = :owner AND i.send_state = :send_sending
""")

RETRY_INVITATIONS = states_text(
    f"""
UPDATE invitations AS i
SET send_state = {REQUEUED_STATE},
    next_attempt_at = now() + make_interval(secs => v.delay),
    attempt_count = i.attempt_count - v.uncount, error_code = v.code, error_reason = v.reason,
    claimed_by = NULL, claimed_until = NULL, updated_at = now()
FROM unnest(CAST(:ids AS integer[]), CAST(:delays AS double precision[]),
            CAST(:uncounts AS integer[]), CAST(:codes AS integer[]), CAST(:reasons AS text[]))
    AS v(id, delay, uncount, code, reason)
WHERE i.id = v.id AND i.claimed_by = :owner AND i.send_state = :send_sending
"""  # noqa: S608 - constant SQL fragments, no input
)

FINISH_ATTEMPTS = states_text("""
UPDATE message_attempts AS a
SET status = v.status, http_status = v.http, error_code = v.code, error_message = v.message,
    finished_at = now()
FROM unnest(CAST(:ids AS integer[]), CAST(:statuses AS text[]), CAST(:https AS integer[]),
            CAST(:codes AS integer[]), CAST(:messages AS text[]))
    AS v(id, status, http, code, message)
WHERE a.id = v.id AND a.status = :attempt_in_flight
""")

HOLD_UNKNOWN = states_text("""
UPDATE invitations
SET claimed_by = NULL, claimed_until = now() + make_interval(secs => :hold), updated_at = now()
WHERE id = ANY(CAST(:ids AS integer[])) AND claimed_by = :owner AND send_state = :send_sending
""")

NOTE_UNKNOWN = states_text("""
UPDATE message_attempts AS a SET error_message = v.message
FROM unnest(CAST(:ids AS integer[]), CAST(:messages AS text[])) AS v(id, message)
WHERE a.id = v.id AND a.status = :attempt_in_flight
""")

HAND_BACK = states_text(
    f"""
WITH back AS (
    UPDATE invitations AS i
    SET send_state = {REQUEUED_STATE}, claimed_by = NULL, claimed_until = NULL,
        attempt_count = i.attempt_count - 1, updated_at = now()
    WHERE i.id = ANY(CAST(:ids AS integer[])) AND i.claimed_by = :owner
      AND i.send_state = :send_sending
    RETURNING i.id)
DELETE FROM message_attempts
WHERE id = ANY(CAST(:attempts AS integer[])) AND status = :attempt_in_flight
  AND invitation_id IN (SELECT id FROM back)
"""  # noqa: S608 - constant SQL fragments, no input
)

DELIVERY_VALUES = {status.value for status in DeliveryStatus}


@dataclass(frozen=True)
class Accepted:
    """The provider created the message."""

    invitation_id: int
    attempt_id: int
    sid: str
    status: str | None
    http_status: int | None


@dataclass(frozen=True)
class Failed:
    """The provider refused the message for good."""

    invitation_id: int
    attempt_id: int
    guest_id: int
    phone: str
    code: int | None
    reason: str
    http_status: int | None
    message: str | None


@dataclass(frozen=True)
class Retry:
    """Not sent (error answer or no connection): try again after `delay` seconds."""

    invitation_id: int
    attempt_id: int
    delay: float
    code: int | None
    reason: str
    http_status: int | None
    message: str | None
    counted: bool = True  # False for 429: the provider was busy, the attempt is free
    reached: bool = True  # False when no connection was made (attempt `lost`, not `rejected`)


@dataclass(frozen=True)
class Unknown:
    """No answer (timeout, connection lost): reconciliation decides after `hold` seconds."""

    invitation_id: int
    attempt_id: int
    message: str


@dataclass(frozen=True)
class HandBack:
    """Claimed but never requested: back to the queue, the attempt row deleted."""

    invitation_id: int
    attempt_id: int


Result = Accepted | Failed | Retry | Unknown | HandBack


def write_results(
    connection: Connection, owner: str, results: Sequence[Result], unknown_hold: float
) -> None:
    """Apply a batch of results in the caller's transaction."""
    write_accepted(connection, [r for r in results if isinstance(r, Accepted)])
    write_failed(connection, owner, [r for r in results if isinstance(r, Failed)])
    write_retries(connection, owner, [r for r in results if isinstance(r, Retry)])
    write_unknown(connection, owner, [r for r in results if isinstance(r, Unknown)], unknown_hold)
    write_hand_backs(connection, owner, [r for r in results if isinstance(r, HandBack)])
    # Last, so the campaign row is locked for the shortest time.
    settled = [r.invitation_id for r in results if isinstance(r, Accepted | Failed)]
    mark_progress(connection, settled)


def write_accepted(connection: Connection, accepted: Sequence[Accepted]) -> None:
    """Mark invitations accepted with their SIDs, whoever holds them."""
    if not accepted:
        return
    statuses = [r.status if r.status in DELIVERY_VALUES else None for r in accepted]
    written = connection.execute(
        ACCEPT_INVITATIONS,
        {
            "ids": [r.invitation_id for r in accepted],
            "sids": [r.sid for r in accepted],
            "statuses": statuses,
        },
    ).all()
    if len(written) != len(accepted):
        missing = {r.invitation_id for r in accepted} - {row.id for row in written}
        log.error("invitations %s already had another message sid: duplicate send", sorted(missing))
    # Twilio may call back before this commit, when no invitation had the SID yet.
    link_early_callbacks(connection, [r.sid for r in accepted])
    link_awaiting_replies(connection, [r.sid for r in accepted])
    connection.execute(
        ACCEPT_ATTEMPTS,
        {
            "ids": [r.attempt_id for r in accepted],
            "sids": [r.sid for r in accepted],
            "https": [r.http_status for r in accepted],
        },
    )


def write_failed(connection: Connection, owner: str, failed: Sequence[Failed]) -> None:
    """Fail invitations for good; mark unreachable guests and provider opt-outs."""
    if not failed:
        return
    connection.execute(
        FAIL_INVITATIONS,
        {
            "owner": owner,
            "ids": [r.invitation_id for r in failed],
            "codes": [r.code for r in failed],
            "reasons": [r.reason for r in failed],
        },
    )
    finish_attempts(
        connection, [(r.attempt_id, "rejected", r.http_status, r.code, r.message) for r in failed]
    )
    record_failures(connection, [(r.phone, r.code) for r in failed if r.code is not None])


def write_retries(connection: Connection, owner: str, retries: Sequence[Retry]) -> None:
    """Return invitations to the queue, due after their backoff."""
    if not retries:
        return
    connection.execute(
        RETRY_INVITATIONS,
        {
            "owner": owner,
            "ids": [r.invitation_id for r in retries],
            "delays": [r.delay for r in retries],
            "uncounts": [0 if r.counted else 1 for r in retries],
            "codes": [r.code for r in retries],
            "reasons": [r.reason for r in retries],
        },
    )
    finish_attempts(
        connection,
        [
            (r.attempt_id, "rejected" if r.reached else "lost", r.http_status, r.code, r.message)
            for r in retries
        ],
    )


def write_unknown(
    connection: Connection, owner: str, unknown: Sequence[Unknown], hold: float
) -> None:
    """Leave unanswered attempts in flight and the invitations to reconciliation."""
    if not unknown:
        return
    connection.execute(
        HOLD_UNKNOWN, {"owner": owner, "hold": hold, "ids": [r.invitation_id for r in unknown]}
    )
    connection.execute(
        NOTE_UNKNOWN,
        {"ids": [r.attempt_id for r in unknown], "messages": [r.message for r in unknown]},
    )


def write_hand_backs(connection: Connection, owner: str, backs: Sequence[HandBack]) -> None:
    """Return unrequested claims to the queue and forget their attempts."""
    if not backs:
        return
    connection.execute(
        HAND_BACK,
        {
            "owner": owner,
            "ids": [r.invitation_id for r in backs],
            "attempts": [r.attempt_id for r in backs],
        },
    )


def finish_attempts(
    connection: Connection, rows: Sequence[tuple[int, str, int | None, int | None, str | None]]
) -> None:
    """Close attempts still in flight with their status, HTTP status, code and message."""
    if not rows:
        return
    ids, statuses, https, codes, messages = (list(column) for column in zip(*rows, strict=True))
    connection.execute(
        FINISH_ATTEMPTS,
        {"ids": ids, "statuses": statuses, "https": https, "codes": codes, "messages": messages},
    )
