"""The pre-flight check of a campaign: how many guests, how long, and within which limits."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Connection, text

from app.models import MessageKind, SendState
from app.models.enums import states_text
from app.sending.audiences import Target, count_follow_on
from app.sending.kinds import kind_of
from app.sending.settings import PROVIDER_QUEUE_SECONDS, SendingSettings
from app.sending.tallies import event_tallies, guest_counts

# Guests a new campaign would skip, among those not invited yet (or canceled): opted out,
# and (not opted out but) known to be unreachable. Each is driven by a small set (the
# opt-out list, the event's unreachable guests), never by a scan of the event's guests:
# the LATERAL ... LIMIT keeps the planner from turning the first one around.
SKIPPED = states_text("""
SELECT
    (SELECT count(*) FROM opt_outs AS o CROSS JOIN LATERAL (
         SELECT 1 FROM guests AS g
         LEFT JOIN invitations AS i ON i.guest_id = g.id AND i.kind = :kind_invitation
         WHERE g.event_id = :event_id AND g.phone = o.phone
           AND (i.id IS NULL OR i.send_state = :send_canceled)
         LIMIT 1) AS guest) AS opted_out,
    (SELECT count(*) FROM guests AS g
     LEFT JOIN invitations AS i ON i.guest_id = g.id AND i.kind = :kind_invitation
     WHERE g.event_id = :event_id AND g.unreachable_code IS NOT NULL
       AND (i.id IS NULL OR i.send_state = :send_canceled)
       AND NOT EXISTS (SELECT 1 FROM opt_outs AS o WHERE o.phone = g.phone)) AS unreachable
""")

# Business-initiated messages of the last 24 hours count against Meta's daily tier.
SENT_LAST_DAY = text(
    "SELECT count(*) FROM invitations WHERE accepted_at > now() - interval '24 hours'"
)


@dataclass(frozen=True)
class Audience:
    """An event's guests as a new campaign would see them."""

    guests: int
    invited: int  # with an invitation that was not canceled
    opted_out: int
    unreachable: int

    @property
    def recipients(self) -> int:
        """Guests a new campaign would invite."""
        return self.guests - self.invited - self.opted_out - self.unreachable


def count_audience(connection: Connection, event_id: int) -> Audience:
    """Count the event's audience from the tallies and the (small) sets of skipped guests."""
    tallies = event_tallies(connection, [event_id])[event_id]
    invited = sum(tally.n for tally in tallies if tally.send_state != SendState.CANCELED)
    skipped = connection.execute(SKIPPED, {"event_id": event_id}).one()
    return Audience(
        guests=guest_counts(connection, [event_id])[event_id],
        invited=invited,
        opted_out=skipped.opted_out,
        unreachable=skipped.unreachable,
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
    sent_last_24h: int | None  # counted only when a daily tier is set
    fits_daily_tier: bool
    warnings: list[str] = field(default_factory=list)
    kind: str = MessageKind.INVITATION
    # A reminder or follow-up with no approved template: it is refused, never sent as text.
    missing_template: bool = False

    def to_json(self) -> dict[str, Any]:
        """The pre-flight as JSON."""
        return asdict(self)


def plan_audience(
    connection: Connection,
    event_id: int | Target,
    sending: SendingSettings,
    has_template: bool,
    has_callback_url: bool,
) -> Preflight:
    """Count the audience and check it against the queue window and daily tier.

    `event_id` alone plans an invitation campaign; a `Target` plans any kind.
    """
    target = event_id if isinstance(event_id, Target) else Target(event_id)
    if target.kind == MessageKind.INVITATION:
        audience = count_audience(connection, target.event_id)
    else:
        # A reminder's or follow-up's guests are those it is meant for (who confirmed, who
        # did not answer); the opted-out among them count as unreachable.
        follow_on = count_follow_on(connection, target)
        audience = Audience(
            guests=follow_on.recipients + follow_on.already + follow_on.unreachable,
            invited=follow_on.already,
            opted_out=0,
            unreachable=follow_on.unreachable,
        )
    recipients = audience.recipients
    tier = sending.daily_tier
    # Only a set tier needs the 24-hour count (an index range scan, but as long as the day).
    sent = int(connection.execute(SENT_LAST_DAY).scalar_one()) if tier is not None else None
    seconds = recipients / sending.rate_per_second
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
        fits_daily_tier=tier is None or (sent or 0) + recipients <= tier,
        kind=target.kind,
        missing_template=not _may_be_text(target.kind) and not has_template,
    )
    plan.warnings.extend(warnings(plan, has_template, has_callback_url))
    return plan


def warnings(plan: Preflight, has_template: bool, has_callback_url: bool) -> list[str]:
    """What the organiser should know before sending."""
    found = []
    if not plan.fits_provider_queue:
        found.append("at this rate the backlog exceeds Twilio's 4-hour queue window")
    if not plan.fits_daily_tier:
        total = (plan.sent_last_24h or 0) + plan.recipients
        found.append(f"{total} messages in 24 hours exceed the daily tier of {plan.daily_tier}")
    if plan.missing_template:
        variable = kind_of(plan.kind).template_setting
        found.append(
            f"no approved {plan.kind} template ({variable}): outside the 24-hour window"
            " WhatsApp rejects free text (63016), so nothing can be sent"
        )
    elif not has_template and kind_of(plan.kind).text_in_window:
        variable = kind_of(plan.kind).template_setting
        found.append(
            f"no approved {plan.kind} template ({variable}): only guests who wrote in the last"
            " 24 hours can get it, as plain text; the others fail with 63016's reason"
        )
    elif not has_template:
        found.append("no template is configured: a plain Body only reaches guests inside 24 h")
    if not has_callback_url:
        found.append("PUBLIC_BASE_URL is not set: delivery status cannot be reported")
    return found


def _may_be_text(kind: str) -> bool:
    """Whether a kind may go as a plain body without a template (to some guests at least)."""
    spec = kind_of(kind)
    return spec.free_text or spec.text_in_window
