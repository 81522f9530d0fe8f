"""Claim due invitations in PostgreSQL, safely across workers, with an attempt row each.

A claim is one transaction, every step of it bounded by the batch size, whatever the
number of invitations in the database and whatever the planner knows about them:

1. PICK takes the `limit` earliest due pending invitations with `FOR UPDATE SKIP LOCKED`
   on a LIMITed scan of `ix_invitations_due`: the rows locked are the rows returned.
2. Invitations whose campaign does not send (paused, canceled: `lifecycle.PARKED`) are
   parked: a campaign paused or canceled since they were queued leaves the due path.
3. A phone number never has two invitations in `sending` at once (a guest of two events
   gets them one after the other): reconciliation matches by number, and two unanswered
   attempts to one number could not be told apart. A transaction-scoped advisory lock per
   number of the batch (taken after the LIMIT, so at most `limit` locks) keeps two
   concurrent claims from both passing that check; a number busy elsewhere is deferred.
4. TAKE moves the rest to `sending` under this sender's lease; opted-out or unreachable
   guests are failed on the spot (the send-time check), and a `message_attempts` row
   (`in_flight`) is inserted for each of the others, all committed BEFORE any request.

Whatever happens next, the attempt row says a request may have been made, and
reconciliation settles it. Every function takes a `Connection` inside a transaction the
caller owns.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection, text

from app.models.enums import MessageKind, SendState, states_text
from app.sending import reachability
from app.sending.kinds import ClaimFacts, kind_of
from app.sending.languages import guest_language
from app.sending.lifecycle import PARKED
from app.sending.message import Invitee, MessageDefaults, PassSent

# Twilio's code for free text outside the 24-hour window: what a reminder without a
# template would get, so it is refused with it instead.
OUTSIDE_WINDOW = 63016

# A number with another invitation in flight is tried again this much later.
BUSY_NUMBER_DELAY = 5.0


PICK = states_text("""
WITH due AS (
    SELECT d.id, d.guest_id, d.campaign_id FROM invitations AS d
    WHERE d.send_state = :send_pending AND d.next_attempt_at <= now()
    ORDER BY d.next_attempt_at, d.id
    LIMIT :limit
    FOR UPDATE SKIP LOCKED)
SELECT due.id, g.phone, c.state AS campaign_state
FROM due JOIN guests AS g ON g.id = due.guest_id
LEFT JOIN campaigns AS c ON c.id = due.campaign_id
""")

# For the claim's transaction only: the one good plan for PICK is the ordered scan of
# ix_invitations_due that stops at the LIMIT, whatever the statistics say (right after a
# bulk import there are none, and the planner would sort every due row instead). Every
# later statement of a claim looks rows up by id, which these settings don't change.
# JIT compilation costs more than any of these statements.
INDEX_ONLY_PLANS = text(
    "SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off;"
    " SET LOCAL enable_sort = off; SET LOCAL jit = off"
)

PARK = states_text("""
UPDATE invitations
SET send_state = v.state,
    next_attempt_at = CASE WHEN v.state = :send_canceled THEN NULL ELSE next_attempt_at END,
    updated_at = now()
FROM unnest(CAST(:ids AS integer[]), CAST(:states AS text[])) AS v(id, state)
WHERE invitations.id = v.id
""")

LOCK_NUMBERS = text("""
SELECT n.phone FROM unnest(CAST(:phones AS text[])) AS n(phone)
WHERE pg_try_advisory_xact_lock(hashtext('sending-phone:' || n.phone))
""")

# Driven by the few invitations in `sending` (ix_invitations_sending), not by the numbers.
BUSY_NUMBERS = states_text("""
SELECT DISTINCT g.phone FROM invitations AS i JOIN guests AS g ON g.id = i.guest_id
WHERE i.send_state = :send_sending AND g.phone = ANY(CAST(:phones AS text[]))
""")

DEFER = text("""
UPDATE invitations
SET next_attempt_at = now() + make_interval(secs => :delay), updated_at = now()
WHERE id = ANY(CAST(:ids AS integer[]))
""")

TAKE = states_text("""
UPDATE invitations AS i
SET send_state = :send_sending, claimed_by = :owner,
    claimed_until = now() + make_interval(secs => :lease),
    attempt_count = i.attempt_count + 1, updated_at = now()
FROM guests AS g, events AS e
WHERE i.id = ANY(CAST(:ids AS integer[])) AND g.id = i.guest_id AND e.id = i.event_id
RETURNING i.id, i.kind, i.campaign_id, i.guest_id, i.attempt_count, g.name, g.phone,
    g.page_token, g.variables, g.language, g.unreachable_code, g.unreachable_reason,
    e.name AS event_name, e.starts_at, e.venue, e.time_zone,
    EXISTS (SELECT 1 FROM opt_outs AS o WHERE o.phone = g.phone) AS opted_out,
    -- What a reminder or follow-up is checked against again (CASE: never for an invitation).
    CASE WHEN i.kind <> :kind_invitation THEN (
        SELECT v.rsvp FROM invitations AS v
        WHERE v.guest_id = i.guest_id AND v.kind = :kind_invitation) END AS rsvp,
    CASE WHEN i.kind <> :kind_invitation THEN (
        SELECT c.include_maybe FROM campaigns AS c WHERE c.id = i.campaign_id) END
        AS include_maybe,
    CASE WHEN i.kind = :kind_update THEN (
        SELECT c.include_unanswered FROM campaigns AS c WHERE c.id = i.campaign_id) END
        AS include_unanswered,
    e.starts_at IS NOT NULL AND e.starts_at <= now() AS event_started,
    e.canceled_at IS NOT NULL AS event_canceled,
    -- Whether the guest came in (the after-event kinds: thanked, or told we missed them).
    CASE WHEN i.kind IN (:kind_thanks, :kind_missed) THEN EXISTS (
        SELECT 1 FROM checkins AS k WHERE k.guest_id = i.guest_id) END AS checked_in,
    i.body,
    -- Free text reaches a guest only within 24 hours of their last message (a reply's
    -- check; an update's or cancellation's plain body when there is no template).
    CASE WHEN i.kind IN (:kind_reply, :kind_update, :kind_cancellation, :kind_pass) THEN EXISTS (
        SELECT 1 FROM inbound_messages AS m
        WHERE m.from_phone = 'whatsapp:' || g.phone
          AND m.received_at > now() - make_interval(hours => 24)) END AS window_open,
    g.waitlisted_at IS NOT NULL AS waitlisted,
    -- An offer goes only while it is open and held (`app.sending.waitlist`).
    CASE WHEN i.kind = :kind_offer THEN EXISTS (
        SELECT 1 FROM offers AS o
        WHERE o.invitation_id = i.id AND o.outcome IS NULL AND o.hold_until > now()) END
        AS offer_open,
    -- What its template shows: an update's changes, an offer's end of hold.
    CASE WHEN i.kind = :kind_update THEN (
        SELECT c.changes FROM campaigns AS c WHERE c.id = i.campaign_id) END AS changes,
    CASE WHEN i.kind = :kind_offer THEN (
        SELECT max(o.hold_until) FROM offers AS o WHERE o.invitation_id = i.id) END
        AS hold_until,
    -- A pass: the one it carries, the guest's party, and whether it is still theirs.
    i.pass_code, coalesce(g.party_size, 1) AS party,
    i.kind <> :kind_pass OR i.pass_code IS NOT DISTINCT FROM g.pass_code AS pass_current,
    -- A reply with buttons: its content, and its SID once created (none once it failed).
    i.content_key,
    CASE WHEN i.content_key IS NOT NULL THEN (
        SELECT b.content_sid FROM button_contents AS b
        WHERE b.key = i.content_key AND b.failed_at IS NULL) END AS content_sid,
    i.content_key IS NOT NULL AND EXISTS (
        SELECT 1 FROM button_contents AS b
        WHERE b.key = i.content_key AND b.failed_at IS NOT NULL) AS content_failed
""")

# Refused at send time, without a request: failed (opted out, unreachable, no template), or
# canceled (the guest is no longer in the audience: answered, or the event has started).
REFUSE = states_text("""
UPDATE invitations AS i
SET send_state = v.state, error_code = v.code, error_reason = v.reason,
    claimed_by = NULL, claimed_until = NULL, next_attempt_at = NULL,
    attempt_count = i.attempt_count - 1, updated_at = now()
FROM unnest(CAST(:ids AS integer[]), CAST(:states AS text[]), CAST(:codes AS integer[]),
            CAST(:reasons AS text[])) AS v(id, state, code, reason)
WHERE i.id = v.id
""")

RECORD_ATTEMPTS = states_text("""
INSERT INTO message_attempts (invitation_id, status, to_phone, sender)
SELECT v.id, :attempt_in_flight, v.phone, :sender
FROM unnest(CAST(:ids AS integer[]), CAST(:phones AS text[])) AS v(id, phone)
RETURNING id, invitation_id
""")

RENEW = states_text("""
UPDATE invitations SET claimed_until = now() + make_interval(secs => :lease)
WHERE id = ANY(CAST(:ids AS integer[])) AND claimed_by = :owner AND send_state = :send_sending
RETURNING id
""")

# The next moment there is work: a pending invitation coming due, or a lease running out
# (a dead sender's claims, or an unanswered request waiting to be reconciled). Each side is
# the first entry of its partial index.
NEXT_DUE = states_text("""
SELECT EXTRACT(EPOCH FROM (least(
    (SELECT d.next_attempt_at FROM invitations AS d
     WHERE d.send_state = :send_pending ORDER BY d.next_attempt_at LIMIT 1),
    (SELECT s.claimed_until FROM invitations AS s
     WHERE s.send_state = :send_sending ORDER BY s.claimed_until LIMIT 1)
) - now()))
""")

STALE_COUNT = states_text("""
SELECT count(*) FROM invitations
WHERE send_state = :send_sending AND (claimed_until IS NULL OR claimed_until < now())
""")

CAMPAIGN_STATES = text("SELECT id, state FROM campaigns WHERE id = ANY(CAST(:ids AS integer[]))")


@dataclass(frozen=True)
class Picked:
    """A due invitation PICK locked: its guest's number and its campaign's state."""

    id: int
    phone: str
    campaign_state: str | None


class MessageFields(Protocol):
    """The guest and event fields a message is built from (a claim's, a reconciled one's)."""

    @property
    def kind(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def phone(self) -> str: ...
    @property
    def page_token(self) -> str: ...
    @property
    def variables(self) -> Mapping[str, Any] | None: ...
    @property
    def language(self) -> str | None: ...
    @property
    def event_name(self) -> str: ...
    @property
    def starts_at(self) -> datetime | None: ...
    @property
    def venue(self) -> str | None: ...
    @property
    def time_zone(self) -> str: ...
    @property
    def body(self) -> str | None: ...


@dataclass(frozen=True)
class Taken:
    """An invitation TAKE moved to `sending`: what its message is built from, and what it is
    checked against again before any request (reachability, the kind's withdrawal)."""

    id: int
    kind: str
    campaign_id: int | None
    guest_id: int
    attempt_count: int
    name: str
    phone: str
    page_token: str
    variables: dict[str, Any] | None
    language: str | None
    unreachable_code: int | None
    unreachable_reason: str | None
    event_name: str
    starts_at: datetime | None
    venue: str | None
    time_zone: str
    opted_out: bool
    rsvp: str | None  # the guest's answer (follow-on kinds only)
    include_maybe: bool | None  # the campaign's option (follow-on kinds only)
    event_started: bool
    body: str | None  # a reply's text
    window_open: bool | None  # whether the guest wrote in the last 24 hours (replies only)
    waitlisted: bool = False  # whether the guest waits for a seat
    offer_open: bool | None = None  # whether its offer is open and held (offers only)
    include_unanswered: bool | None = None  # an update campaign's option
    event_canceled: bool = False
    checked_in: bool | None = None  # whether the guest came in (after-event kinds)
    changes: list[str] | None = None  # what an update tells changed
    hold_until: datetime | None = None  # when an offer's hold runs out
    pass_code: str | None = None  # the pass a pass message carries
    party: int = 1  # the guest's party (a pass shows it)
    pass_current: bool = True  # whether a pass message's pass is still the guest's
    content_key: str | None = None  # a reply with buttons (`app.sending.button_contents`)
    content_sid: str | None = None  # its content's SID, once created
    content_failed: bool = False  # its content failed: the reply goes as its text


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
    """A claimed invitation failed (or withdrawn: canceled) at send time, without a request."""

    invitation_id: int
    code: int | None
    reason: str
    state: str = SendState.FAILED.value


@dataclass(frozen=True)
class ClaimBatch:
    """What one claim transaction took."""

    claims: list[Claim]
    refused: list[Refusal]


def claim_due(
    connection: Connection,
    owner: str,
    sender: str,
    limit: int,
    lease: float,
    *,
    defaults: MessageDefaults | None = None,
) -> ClaimBatch:
    """Claim up to `limit` due invitations under `owner`'s lease; record their attempts.

    With `defaults`, reminders and follow-ups with no template for the guest's language
    are refused (without, templates are not checked).
    """
    if limit <= 0:
        return ClaimBatch([], [])
    connection.execute(INDEX_ONLY_PLANS)
    picked = sorted(
        (Picked(**row._mapping) for row in connection.execute(PICK, {"limit": limit})),
        key=lambda row: row.id,
    )
    sendable = one_per_number(connection, park_stopped(connection, picked))
    rows = take(connection, sendable, owner, lease)
    refused = [refusal for row in rows if (refusal := refusal_of(row, defaults)) is not None]
    if refused:
        connection.execute(
            REFUSE,
            {
                "ids": [r.invitation_id for r in refused],
                "states": [r.state for r in refused],
                "codes": [r.code for r in refused],
                "reasons": [r.reason for r in refused],
            },
        )
    refused_ids = {r.invitation_id for r in refused}
    rows = [row for row in rows if row.id not in refused_ids]
    if not rows:
        return ClaimBatch([], refused)
    attempts = connection.execute(
        RECORD_ATTEMPTS,
        {"sender": sender, "ids": [r.id for r in rows], "phones": [r.phone for r in rows]},
    ).all()
    attempt_of = {row.invitation_id: row.id for row in attempts}
    return ClaimBatch([claim_of(row, attempt_of[row.id]) for row in rows], refused)


def park_stopped(connection: Connection, picked: Sequence[Picked]) -> list[Picked]:
    """Park invitations of paused or canceled campaigns; return the others."""
    parked = {row.id: PARKED[row.campaign_state] for row in picked if row.campaign_state in PARKED}
    if parked:
        connection.execute(PARK, {"ids": list(parked), "states": list(parked.values())})
    return [row for row in picked if row.id not in parked]


def one_per_number(connection: Connection, rows: Sequence[Picked]) -> list[Picked]:
    """Keep the rows whose number no other invitation is being sent to; defer the others.

    The advisory locks are taken before the `sending` check, in its own statement, so the
    check's snapshot sees every claim committed by a transaction that held a lock first.
    """
    first: dict[str, Picked] = {}
    deferred: list[int] = []
    for row in rows:
        if row.phone in first:
            deferred.append(row.id)  # the same number twice in this batch
        else:
            first[row.phone] = row
    if first:
        phones = list(first)
        locked = set(connection.execute(LOCK_NUMBERS, {"phones": phones}).scalars())
        busy = set(connection.execute(BUSY_NUMBERS, {"phones": sorted(locked)}).scalars())
        for phone in phones:
            if phone not in locked or phone in busy:
                deferred.append(first.pop(phone).id)
    if deferred:
        connection.execute(DEFER, {"ids": deferred, "delay": BUSY_NUMBER_DELAY})
    return list(first.values())


def take(connection: Connection, rows: Sequence[Picked], owner: str, lease: float) -> list[Taken]:
    """Move the picked invitations to `sending` under the lease; their send details."""
    if not rows:
        return []
    params = {"ids": [row.id for row in rows], "owner": owner, "lease": lease}
    taken = (Taken(**row._mapping) for row in connection.execute(TAKE, params))
    return sorted(taken, key=lambda row: row.id)


def refusal_of(row: Taken, defaults: MessageDefaults | None = None) -> Refusal | None:
    """Why a claimed row must not be sent now, if it must not.

    The guest must be reachable (`reachability`); a follow-on kind must still be meant for
    them (`Kind.withdrawal`: a guest who declined is not reminded, one who answered is not
    followed up, and neither goes once the event has started); a kind without free text
    must have an approved template for the guest's language.
    """
    blocked = reachability.refusal(row.opted_out, row.unreachable_code, row.unreachable_reason)
    if blocked:
        return Refusal(row.id, blocked.code, blocked.reason)
    spec = kind_of(row.kind)
    open_window = row.window_open is not False
    facts = ClaimFacts(
        row.rsvp,
        bool(row.include_maybe),
        row.event_started,
        open_window,
        row.waitlisted,
        row.offer_open is not False,
        bool(row.include_unanswered),
        row.event_canceled,
        row.checked_in,
        row.pass_current,
    )
    withdrawn = spec.withdrawal(facts)
    if withdrawn:
        return Refusal(row.id, None, withdrawn, SendState.CANCELED.value)
    if row.kind == MessageKind.PASS and defaults is not None and not defaults.page_base:
        return Refusal(row.id, None, "a pass's image needs PUBLIC_BASE_URL, which is not set")
    language = guest_language(row.language, row.phone)
    if spec.free_text or defaults is None or defaults.template_for(language, row.kind):
        return None
    if spec.text_in_window and open_window:
        return None  # a plain body reaches a guest who wrote in the last 24 hours
    reason = (
        f"No approved {row.kind} template for language {language!r}"
        f" ({spec.template_setting}): free text outside the 24-hour window is rejected"
    )
    return Refusal(row.id, OUTSIDE_WINDOW, reason)


def invitee_of(
    row: MessageFields,
    changes: list[str] | None = None,
    hold_until: datetime | None = None,
    pass_sent: PassSent | None = None,
    *,
    content_key: str | None = None,
    content_sid: str | None = None,
) -> Invitee:
    """The guest and event fields of a row (claim or reconciliation) a message is built from,
    with an update's changes, an offer's end of hold, a pass's own and a reply's content
    with buttons (a claim's)."""
    return Invitee(
        name=row.name,
        phone=row.phone,
        event_name=row.event_name,
        starts_at=row.starts_at,
        venue=row.venue,
        variables=row.variables or {},
        time_zone=row.time_zone,
        language=guest_language(row.language, row.phone),
        kind=row.kind,
        body=row.body,
        page_token=row.page_token,
        changes=None if changes is None else tuple(changes),
        hold_until=hold_until,
        pass_sent=pass_sent,
        content_key=content_key,
        content_sid=content_sid,
    )


def claim_of(row: Taken, attempt_id: int) -> Claim:
    """A `Claim` from a row of the claim statement."""
    pass_sent = (
        PassSent(row.pass_code, row.party, row.window_open is True) if row.pass_code else None
    )
    content_key = None if row.content_failed else row.content_key
    invitee = invitee_of(
        row,
        row.changes,
        row.hold_until,
        pass_sent,
        content_key=content_key,
        content_sid=row.content_sid,
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
