"""Settle attempts whose outcome is unknown by asking the provider, before anything is resent.

An invitation in `sending` whose lease expired belongs to a worker that died, or to a
request that got no answer (timeout, reset). Its `in_flight` attempt may or may not have
reached Twilio, and creating a message has no idempotency key, so the reconciler takes
the invitation under its own lease, lists the messages the REST API created to that
number from the attempt's sender since the attempt started (minus a clock-skew margin;
queued ones included), and:

- a message whose SID no other invitation or attempt owns, and whose content is this
  invitation's: it was ours. The invitation is accepted with that SID (and the status
  callbacks that came for it before are applied), nothing is resent;
- none: the attempt is `lost` and the invitation goes back to the queue;
- the provider could not be asked: the invitation is left for the next sweep.

Content: a plain-text invitation's body must be the one this invitation sends. A template's
body is rendered at the provider from a text the service does not hold, so the candidates
are ranked by how many of this invitation's numbered variables (guest, event, date, venue)
their body shows, and only the best are kept: a guest of two events whose sends both went
unanswered gets each event's message on its own invitation.

A reply with buttons (`app.sending.button_contents`) went either with its content, whose
message shows the content's body, or as its text question: either body is this reply's.

Leases are long enough that a live worker's request has ended (it starts one only with
`request_timeout + reconcile_grace` seconds of lease left) before its lease can expire.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, text

from app.models.enums import MessageKind, states_text
from app.sending.claims import invitee_of
from app.sending.client import ProviderClient, ProviderMessage, ProviderUnavailable
from app.sending.lifecycle import REQUEUED_STATE
from app.sending.message import (
    NUMBERED_VARIABLES,
    Invitee,
    MessageDefaults,
    MissingTemplate,
    build_params,
    content_variables,
    whatsapp_address,
)
from app.sending.results import Accepted, write_accepted
from app.sending.stuck import mark_progress

log = logging.getLogger(__name__)

PROVIDER_CONCURRENCY = 10
RETRY_LATER = 5.0

TAKE_STALE = states_text("""
WITH stale AS (
    SELECT i.id FROM invitations AS i
    WHERE i.send_state = :send_sending AND (i.claimed_until IS NULL OR i.claimed_until < now())
    ORDER BY i.id LIMIT :limit
    FOR UPDATE SKIP LOCKED)
UPDATE invitations AS i
SET claimed_by = :owner, claimed_until = now() + make_interval(secs => :lease), updated_at = now()
FROM stale WHERE i.id = stale.id
RETURNING i.id
""")

IN_FLIGHT_ATTEMPTS = states_text("""
SELECT a.id, a.invitation_id, a.to_phone, a.sender, a.started_at, i.kind, i.body,
    (SELECT b.request FROM button_contents AS b WHERE b.key = i.content_key) AS content_request,
    g.name, g.phone, g.page_token, g.variables, g.language, e.name AS event_name, e.starts_at,
    e.venue, e.time_zone
FROM message_attempts AS a
JOIN invitations AS i ON i.id = a.invitation_id
JOIN guests AS g ON g.id = i.guest_id
JOIN events AS e ON e.id = i.event_id
WHERE a.invitation_id = ANY(CAST(:ids AS integer[])) AND a.status = :attempt_in_flight
ORDER BY a.started_at, a.id
""")

REQUEUE = states_text(
    f"""
UPDATE invitations AS i
SET send_state = {REQUEUED_STATE}, next_attempt_at = now(), claimed_by = NULL,
    claimed_until = NULL, updated_at = now()
WHERE i.id = ANY(CAST(:ids AS integer[])) AND i.claimed_by = :owner AND i.send_state = :send_sending
"""  # noqa: S608 - constant SQL fragments, no input
)

MARK_LOST = states_text("""
UPDATE message_attempts SET status = :attempt_lost, finished_at = now(),
    error_message = coalesce(error_message || '; ', '') || 'not found at the provider'
WHERE invitation_id = ANY(CAST(:ids AS integer[])) AND status = :attempt_in_flight
""")

RELEASE = states_text("""
UPDATE invitations SET claimed_by = NULL,
    claimed_until = now() + make_interval(secs => :delay), updated_at = now()
WHERE id = ANY(CAST(:ids AS integer[])) AND claimed_by = :owner AND send_state = :send_sending
""")

KNOWN_SIDS = text("""
SELECT message_sid AS sid FROM invitations WHERE message_sid = ANY(CAST(:sids AS text[]))
UNION
SELECT provider_sid FROM message_attempts WHERE provider_sid = ANY(CAST(:sids AS text[]))
""")


@dataclass(frozen=True)
class Unsettled:
    """An invitation taken for reconciliation, with its first in-flight attempt."""

    invitation_id: int
    attempt_id: int
    to_phone: str
    sender: str
    started_at: datetime
    params: Mapping[str, str]
    # What else it may have sent: a reply's content with buttons, by the body it shows.
    also: tuple[Mapping[str, str], ...] = ()


@dataclass
class Verdict:
    """What the provider said about one unsettled invitation."""

    unsettled: Unsettled
    candidates: list[ProviderMessage] = field(default_factory=list)
    unavailable: bool = False


@dataclass
class Report:
    """What one reconciliation pass did."""

    accepted: int = 0
    requeued: int = 0
    deferred: int = 0

    @property
    def total(self) -> int:
        """Invitations settled or deferred."""
        return self.accepted + self.requeued + self.deferred


def take_stale(
    connection: Connection, owner: str, lease: float, limit: int, defaults: MessageDefaults
) -> list[Unsettled]:
    """Take expired claims under `owner`; requeue at once those with no attempt in flight."""
    ids = [
        row.id
        for row in connection.execute(TAKE_STALE, {"owner": owner, "lease": lease, "limit": limit})
    ]
    if not ids:
        return []
    firsts: dict[int, Unsettled] = {}
    for row in connection.execute(IN_FLIGHT_ATTEMPTS, {"ids": ids}):
        firsts.setdefault(
            row.invitation_id,
            Unsettled(
                row.invitation_id,
                row.id,
                row.to_phone,
                row.sender or defaults.sender,
                row.started_at,
                sent_params(defaults, invitee_of(row)),
                content_params(row.content_request),
            ),
        )
    idle = [i for i in ids if i not in firsts]
    if idle:
        connection.execute(REQUEUE, {"ids": idle, "owner": owner})
    return list(firsts.values())


def sent_params(defaults: MessageDefaults, invitee: Invitee) -> dict[str, str]:
    """What the attempt sent, as far as today's settings tell: a reminder whose template was
    removed since is matched by its variables alone, and so is a pass (sent as free-form
    media or as its template, as the guest's window then was: both show the guest and the
    event)."""
    if invitee.kind == MessageKind.PASS:
        return {"ContentVariables": json.dumps(content_variables(invitee), ensure_ascii=False)}
    try:
        return build_params(defaults, invitee)
    except MissingTemplate:
        return {"ContentVariables": json.dumps(content_variables(invitee), ensure_ascii=False)}


def content_params(request: Mapping[str, Any] | None) -> tuple[Mapping[str, str], ...]:
    """A content with buttons as the body its message shows (none without one)."""
    if not request:
        return ()
    shown = next(iter((request.get("types") or {}).values()), None) or {}
    body = shown.get("body")
    return ({"Body": str(body)},) if body else ()


def content_score(message: ProviderMessage, params: Mapping[str, str]) -> int | None:
    """How well a listed message's content matches what `params` sent; None: not this one.

    A plain-text body must be the same. A template's body must show at least one of the
    invitation's numbered variables, and scores one per variable shown; an empty body
    (content the provider does not show) cannot be judged and scores 0.
    """
    body = params.get("Body")
    if body is not None:
        return 1 if message.body.strip() == body.strip() else None
    if not message.body:
        return 0
    variables = json.loads(params.get("ContentVariables") or "{}")
    shown = {str(variables[key]) for key in NUMBERED_VARIABLES if variables.get(key)}
    score = sum(1 for value in shown if value in message.body)
    return score or None


def pick(
    candidates: Sequence[ProviderMessage], params: Mapping[str, str], taken: set[str]
) -> ProviderMessage | None:
    """The oldest free candidate among those whose content matches `params` best."""
    scored = [
        (score, message)
        for message in candidates
        if message.sid not in taken and (score := content_score(message, params)) is not None
    ]
    if not scored:
        return None
    best = max(score for score, _ in scored)
    return next(message for score, message in scored if score == best)


async def ask_provider(
    provider: ProviderClient, unsettled: Sequence[Unsettled], skew: float
) -> list[Verdict]:
    """List the provider's messages for each unsettled invitation, a few at a time."""
    gate = asyncio.Semaphore(PROVIDER_CONCURRENCY)

    async def ask(item: Unsettled) -> Verdict:
        since = item.started_at.astimezone(UTC) - timedelta(seconds=skew)
        async with gate:
            try:
                found = await provider.recent_messages(
                    whatsapp_address(item.to_phone), item.sender, since
                )
            except ProviderUnavailable as error:
                log.warning(
                    "reconciliation of invitation %s deferred: %s", item.invitation_id, error
                )
                return Verdict(item, unavailable=True)
        return Verdict(item, candidates=found)

    return list(await asyncio.gather(*(ask(item) for item in unsettled)))


def apply_verdicts(connection: Connection, owner: str, verdicts: Sequence[Verdict]) -> Report:
    """Accept, requeue or defer each invitation as its verdict says."""
    report = Report()
    all_sids = [m.sid for v in verdicts for m in v.candidates]
    taken = (
        {row.sid for row in connection.execute(KNOWN_SIDS, {"sids": all_sids})}
        if all_sids
        else set()
    )
    accepted: list[Accepted] = []
    lost: list[int] = []
    deferred: list[int] = []
    for verdict in verdicts:
        invitation_id = verdict.unsettled.invitation_id
        if verdict.unavailable:
            deferred.append(invitation_id)
            continue
        sent = (verdict.unsettled.params, *verdict.unsettled.also)
        mine = next(
            (found for params in sent if (found := pick(verdict.candidates, params, taken))),
            None,
        )
        if mine is None:
            lost.append(invitation_id)
            continue
        taken.add(mine.sid)
        accepted.append(
            Accepted(invitation_id, verdict.unsettled.attempt_id, mine.sid, mine.status, None)
        )
    write_accepted(connection, accepted)
    mark_progress(connection, [a.invitation_id for a in accepted])
    if accepted:
        # Any other attempt of an accepted invitation did not create a message.
        connection.execute(MARK_LOST, {"ids": [a.invitation_id for a in accepted]})
    if lost:
        connection.execute(MARK_LOST, {"ids": lost})
        connection.execute(REQUEUE, {"ids": lost, "owner": owner})
    if deferred:
        connection.execute(RELEASE, {"ids": deferred, "owner": owner, "delay": RETRY_LATER})
    report.accepted, report.requeued, report.deferred = len(accepted), len(lost), len(deferred)
    return report


async def reconcile_stale(
    engine: Engine,
    provider: ProviderClient,
    *,
    owner: str,
    lease: float,
    skew: float,
    defaults: MessageDefaults,
    limit: int,
) -> Report:
    """One pass: take expired claims, ask the provider, settle them."""

    def take() -> list[Unsettled]:
        with engine.begin() as connection:
            return take_stale(connection, owner, lease, limit, defaults)

    unsettled = await asyncio.to_thread(take)
    if not unsettled:
        return Report()
    verdicts = await ask_provider(provider, unsettled, skew)

    def apply() -> Report:
        with engine.begin() as connection:
            return apply_verdicts(connection, owner, verdicts)

    report = await asyncio.to_thread(apply)
    log.info(
        "reconciled %s invitations: %s accepted, %s requeued, %s deferred",
        report.total,
        report.accepted,
        report.requeued,
        report.deferred,
    )
    return report
