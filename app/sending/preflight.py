"""The pre-flight check of a campaign: how many guests, how long, and within which limits."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Connection, text

from app.sending.settings import PROVIDER_QUEUE_SECONDS, SendingSettings

# Guests who would get an invitation from a new campaign of the event: not invited yet (or
# their invitation was canceled unsent), not opted out, not known to be unreachable.
ELIGIBLE = """
    (i.id IS NULL OR i.send_state = 'canceled')
    AND g.unreachable_code IS NULL
    AND NOT EXISTS (SELECT 1 FROM opt_outs AS o WHERE o.phone = g.phone)
"""

AUDIENCE = text("""
SELECT count(*) FILTER (WHERE i.id IS NOT NULL AND i.send_state <> 'canceled') AS invited,
       count(*) FILTER (WHERE (i.id IS NULL OR i.send_state = 'canceled')
                        AND EXISTS (SELECT 1 FROM opt_outs AS o WHERE o.phone = g.phone))
           AS opted_out,
       count(*) FILTER (WHERE (i.id IS NULL OR i.send_state = 'canceled')
                        AND NOT EXISTS (SELECT 1 FROM opt_outs AS o WHERE o.phone = g.phone)
                        AND g.unreachable_code IS NOT NULL) AS unreachable,
       count(*) AS guests
FROM guests AS g LEFT JOIN invitations AS i ON i.guest_id = g.id
WHERE g.event_id = :event_id
""")

# Business-initiated messages of the last 24 hours count against Meta's daily tier.
SENT_LAST_DAY = text(
    "SELECT count(*) FROM invitations WHERE accepted_at > now() - interval '24 hours'"
)


@dataclass(frozen=True)
class Preflight:
    """How big and how long a campaign would be, and whether the provider's limits allow it."""

    recipients: int
    guests: int
    already_invited: int
    opted_out: int
    unreachable: int
    rate_per_second: float
    estimated_seconds: float
    provider_queue_seconds: int
    fits_provider_queue: bool
    daily_tier: int | None
    sent_last_24h: int
    fits_daily_tier: bool
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The pre-flight as JSON."""
        return asdict(self)


def plan_audience(
    connection: Connection,
    event_id: int,
    sending: SendingSettings,
    has_template: bool,
    has_callback_url: bool,
) -> Preflight:
    """Count the event's audience and check it against the queue window and daily tier."""
    audience = connection.execute(AUDIENCE, {"event_id": event_id}).one()
    recipients = audience.guests - audience.invited - audience.opted_out - audience.unreachable
    sent = int(connection.execute(SENT_LAST_DAY).scalar_one())
    seconds = recipients / sending.rate_per_second
    tier = sending.daily_tier
    plan = Preflight(
        recipients=recipients,
        guests=audience.guests,
        already_invited=audience.invited,
        opted_out=audience.opted_out,
        unreachable=audience.unreachable,
        rate_per_second=sending.rate_per_second,
        estimated_seconds=round(seconds, 1),
        provider_queue_seconds=PROVIDER_QUEUE_SECONDS,
        fits_provider_queue=seconds <= PROVIDER_QUEUE_SECONDS,
        daily_tier=tier,
        sent_last_24h=sent,
        fits_daily_tier=tier is None or sent + recipients <= tier,
    )
    plan.warnings.extend(warnings(plan, has_template, has_callback_url))
    return plan


def warnings(plan: Preflight, has_template: bool, has_callback_url: bool) -> list[str]:
    """What the organiser should know before sending."""
    found = []
    if not plan.fits_provider_queue:
        found.append("at this rate the backlog exceeds Twilio's 4-hour queue window")
    if not plan.fits_daily_tier:
        total = plan.sent_last_24h + plan.recipients
        found.append(f"{total} messages in 24 hours exceed the daily tier of {plan.daily_tier}")
    if not has_template:
        found.append("no template is configured: a plain Body only reaches guests inside 24 h")
    if not has_callback_url:
        found.append("PUBLIC_BASE_URL is not set: delivery status cannot be reported")
    return found
