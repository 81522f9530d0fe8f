"""Claim due invitations in PostgreSQL, safely across workers, with an attempt row each.

A claim is one transaction: `UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED
LIMIT n) RETURNING` moves due invitations of running campaigns (and single sends) to
`sending` under this sender's lease, opted-out or unreachable guests are failed on the
spot (the send-time check), and a `message_attempts` row (`in_flight`) is inserted for
each of the others, all committed BEFORE any request is made. Whatever happens next, the
attempt row says a request may have been made, and reconciliation settles it.

A phone number never has two invitations in `sending` at once (a guest of two events gets
them one after the other): reconciliation matches by number, and two unanswered attempts
to one number could not be told apart. A transaction-scoped advisory lock per number
keeps two concurrent claims from both passing that check.

Every function takes a `Connection` inside a transaction the caller owns.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, text

from app.sending.message import Invitee
from app.services.twilio_errors import reason_for

OPTED_OUT = 21610

# Pending invitations a sender may take now: of running campaigns, or sent alone.
DUE = """
    d.send_state = 'pending'
    AND (d.campaign_id IS NULL
         OR d.campaign_id IN (SELECT c.id FROM campaigns AS c WHERE c.state = 'running'))
"""

CLAIM = text(
    f"""
UPDATE invitations AS i
SET send_state = 'sending', claimed_by = :owner,
    claimed_until = now() + make_interval(secs => :lease),
    attempt_count = i.attempt_count + 1, updated_at = now()
FROM guests AS g, events AS e
WHERE i.id IN (
        SELECT d.id FROM invitations AS d JOIN guests AS dg ON dg.id = d.guest_id
        WHERE {DUE} AND d.next_attempt_at <= now()
          AND NOT EXISTS (
              SELECT 1 FROM guests AS og JOIN invitations AS o ON o.guest_id = og.id
              WHERE og.phone = dg.phone AND o.send_state = 'sending')
          AND pg_try_advisory_xact_lock(hashtext('sending-phone:' || dg.phone))
        ORDER BY d.next_attempt_at, d.id
        LIMIT :limit
        FOR UPDATE OF d SKIP LOCKED)
  AND g.id = i.guest_id AND e.id = i.event_id
RETURNING i.id, i.campaign_id, i.guest_id, i.attempt_count, g.name, g.phone, g.variables,
    g.unreachable_code, g.unreachable_reason, e.name AS event_name, e.starts_at, e.venue,
    EXISTS (SELECT 1 FROM opt_outs AS o WHERE o.phone = g.phone) AS opted_out
"""  # noqa: S608 - constant SQL fragments, no input
)

# Claimed together with another invitation to the same number: back to the queue, untouched.
RELEASE = text("""
UPDATE invitations AS i
SET send_state = 'pending', claimed_by = NULL, claimed_until = NULL,
    attempt_count = i.attempt_count - 1, updated_at = now()
WHERE i.id = ANY(CAST(:ids AS integer[]))
""")

REFUSE = text("""
UPDATE invitations AS i
SET send_state = 'failed', error_code = v.code, error_reason = v.reason,
    claimed_by = NULL, claimed_until = NULL, next_attempt_at = NULL,
    attempt_count = i.attempt_count - 1, updated_at = now()
FROM unnest(CAST(:ids AS integer[]), CAST(:codes AS integer[]), CAST(:reasons AS text[]))
    AS v(id, code, reason)
WHERE i.id = v.id
""")

RECORD_ATTEMPTS = text("""
INSERT INTO message_attempts (invitation_id, status, to_phone, sender)
SELECT v.id, 'in_flight', v.phone, :sender
FROM unnest(CAST(:ids AS integer[]), CAST(:phones AS text[])) AS v(id, phone)
RETURNING id, invitation_id
""")

RENEW = text("""
UPDATE invitations SET claimed_until = now() + make_interval(secs => :lease)
WHERE id = ANY(CAST(:ids AS integer[])) AND claimed_by = :owner AND send_state = 'sending'
RETURNING id
""")

# The next moment there is work: a pending invitation coming due, or a lease running out
# (a dead sender's claims, or an unanswered request waiting to be reconciled).
NEXT_DUE = text(
    f"""
SELECT EXTRACT(EPOCH FROM (least(
    (SELECT d.next_attempt_at FROM invitations AS d
     WHERE {DUE} ORDER BY d.next_attempt_at LIMIT 1),
    (SELECT min(s.claimed_until) FROM invitations AS s WHERE s.send_state = 'sending')
) - now()))
"""  # noqa: S608 - constant SQL fragments, no input
)

STALE_COUNT = text("""
SELECT count(*) FROM invitations
WHERE send_state = 'sending' AND (claimed_until IS NULL OR claimed_until < now())
""")

CAMPAIGN_STATES = text("SELECT id, state FROM campaigns WHERE id = ANY(CAST(:ids AS integer[]))")

COMPLETE = text("""
UPDATE campaigns AS c SET state = 'completed', finished_at = now()
WHERE c.state = 'running' AND NOT EXISTS (
    SELECT 1 FROM invitations AS i
    WHERE i.campaign_id = c.id AND i.send_state IN ('pending', 'sending'))
RETURNING c.id
""")


@dataclass
class Claim:
    """An invitation this sender holds, with the attempt recorded for it."""

    invitation_id: int
    attempt_id: int
    campaign_id: int | None
    guest_id: int
    attempt_count: int
    invitee: Invitee
    params: dict[str, str] = field(default_factory=dict)
    # Monotonic time the lease runs out, as this process conservatively knows it.
    lease_end: float = 0.0
    started: bool = False  # set just before the request: unstarted claims are handed back


@dataclass(frozen=True)
class Refusal:
    """A claimed invitation failed at send time, without a request."""

    invitation_id: int
    code: int
    reason: str


@dataclass(frozen=True)
class ClaimBatch:
    """What one claim transaction took."""

    claims: list[Claim]
    refused: list[Refusal]


def claim_due(
    connection: Connection, owner: str, sender: str, limit: int, lease: float
) -> ClaimBatch:
    """Claim up to `limit` due invitations under `owner`'s lease; record their attempts."""
    if limit <= 0:
        return ClaimBatch([], [])
    rows = one_per_number(
        connection,
        connection.execute(CLAIM, {"owner": owner, "lease": lease, "limit": limit}).all(),
    )
    refused = [refusal for row in rows if (refusal := refusal_of(row)) is not None]
    if refused:
        connection.execute(
            REFUSE,
            {
                "ids": [r.invitation_id for r in refused],
                "codes": [r.code for r in refused],
                "reasons": [r.reason for r in refused],
            },
        )
    refused_ids = {r.invitation_id for r in refused}
    sendable = sorted((row for row in rows if row.id not in refused_ids), key=lambda r: r.id)
    if not sendable:
        return ClaimBatch([], refused)
    attempts = connection.execute(
        RECORD_ATTEMPTS,
        {"sender": sender, "ids": [r.id for r in sendable], "phones": [r.phone for r in sendable]},
    ).all()
    attempt_of = {row.invitation_id: row.id for row in attempts}
    return ClaimBatch([claim_of(row, attempt_of[row.id]) for row in sendable], refused)


def one_per_number(connection: Connection, rows: Sequence[Any]) -> list[Any]:
    """Keep one claimed invitation per phone number; put the others back.

    A number invited to two events gets its invitations one after the other, never with
    two requests in flight: reconciliation could not tell two unanswered attempts apart.
    """
    kept: dict[str, Any] = {}
    extra: list[int] = []
    for row in sorted(rows, key=lambda r: r.id):
        if row.phone in kept:
            extra.append(row.id)
        else:
            kept[row.phone] = row
    if extra:
        connection.execute(RELEASE, {"ids": extra})
    return list(kept.values())


def refusal_of(row: Any) -> Refusal | None:
    """Why a claimed invitation must not be sent now, if it must not."""
    if row.opted_out:
        return Refusal(row.id, OPTED_OUT, reason_for(OPTED_OUT))
    if row.unreachable_code is not None:
        reason = row.unreachable_reason or reason_for(row.unreachable_code)
        return Refusal(row.id, row.unreachable_code, reason)
    return None


def claim_of(row: Any, attempt_id: int) -> Claim:
    """A `Claim` from a row of the claim statement."""
    invitee = Invitee(
        name=row.name,
        phone=row.phone,
        event_name=row.event_name,
        starts_at=row.starts_at,
        venue=row.venue,
        variables=row.variables or {},
    )
    return Claim(
        invitation_id=row.id,
        attempt_id=attempt_id,
        campaign_id=row.campaign_id,
        guest_id=row.guest_id,
        attempt_count=row.attempt_count,
        invitee=invitee,
    )


def renew_leases(connection: Connection, owner: str, ids: Iterable[int], lease: float) -> set[int]:
    """Extend `owner`'s lease on the invitations it still holds; return their ids."""
    ids = list(ids)
    if not ids:
        return set()
    rows = connection.execute(RENEW, {"ids": ids, "owner": owner, "lease": lease})
    return {row.id for row in rows}


def campaign_states(connection: Connection, ids: Sequence[int]) -> dict[int, str]:
    """The current state of each campaign in `ids`."""
    if not ids:
        return {}
    rows = connection.execute(CAMPAIGN_STATES, {"ids": list(ids)}).all()
    return {row.id: str(row.state) for row in rows}


def next_due_in(connection: Connection) -> float | None:
    """Seconds until there is work (<= 0: now); None when nothing is pending or sending."""
    value = connection.execute(NEXT_DUE).scalar()
    return None if value is None else float(value)


def stale_claims(connection: Connection) -> int:
    """How many invitations sit in `sending` with an expired lease."""
    return int(connection.execute(STALE_COUNT).scalar_one())


def complete_finished_campaigns(connection: Connection) -> list[int]:
    """Mark running campaigns with nothing pending or sending as completed; return their ids."""
    return [row.id for row in connection.execute(COMPLETE)]
