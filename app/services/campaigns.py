"""Campaigns: plan with a pre-flight check, create or schedule, pause, resume, cancel, retry.

An invitation campaign covers every guest of its event not yet invited (no invitation, or
one that was canceled before it was sent), not opted out and not known to be unreachable;
the follow-on kinds (a reminder, a follow-up) the guests their audience names
(`app.sending.kinds`). Every change of state is the lifecycle's (`app.sending.lifecycle`,
which has the state machine, its locks and its SQL); this module checks the organiser's
input, runs the lifecycle in the request's transaction, and wakes the sender. Starting a
campaign writes its rows in one transaction (`INSERT ... SELECT`); the web process never
calls Twilio.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import LazyString, lazy_pgettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from app.extensions import db, redis_store
from app.models import (
    Campaign,
    CampaignState,
    Event,
    Guest,
    Invitation,
    MessageKind,
    OptOut,
    SendState,
)
from app.models.base import utcnow
from app.models.enums import states_text
from app.sending import lifecycle
from app.sending.approved import load_approved
from app.sending.audiences import Target
from app.sending.kinds import AFTER_EVENT, KINDS, kind_of
from app.sending.message import MessageDefaults
from app.sending.preflight import Preflight, plan_audience, warnings
from app.sending.progress import campaign_progress, campaigns_progress
from app.sending.reachability import OPTED_OUT, refusal
from app.sending.settings import SendingSettings
from app.sending.wakeup import request_drain_quietly
from app.services import estimates
from app.services.estimates import SendEstimate, send_estimate
from app.services.events import MAX_ID
from app.services.kind_words import kind_word

log = logging.getLogger(__name__)

# Row locks, always taken in this order: event, campaign, guest, invitations (see
# `lifecycle.lock`). FOR NO KEY UPDATE (not FOR UPDATE), so the foreign-key checks of inserts
# elsewhere (FOR KEY SHARE) never wait on them: a creation and a single send cannot deadlock.
NO_KEY_UPDATE = {"key_share": True}
# A campaign in one of these states is its event's current one of its kind.
ACTIVE = lifecycle.ACTIVE
# How the dashboard names each kind of message ("Follow-up"), in the page's language; the
# kinds' own `label` stays the English of the engine's sentences.
KIND_LABELS: dict[MessageKind, LazyString] = {
    MessageKind.INVITATION: _l("Invitation"),
    MessageKind.REMINDER: _l("Reminder"),
    MessageKind.FOLLOWUP: _l("Follow-up"),
    MessageKind.REPLY: _l("Reply"),
    MessageKind.OFFER: _l("Offer"),
    MessageKind.UPDATE: _l("Update"),
    MessageKind.CANCELLATION: _l("Cancellation"),
    MessageKind.THANKS: _l("Thank-you"),
    MessageKind.MISSED: _l("Missed-you"),
    MessageKind.PASS: _l("Pass"),
}
# How the dashboard names each state of a campaign, in the page's language (in the
# context "campaign": the word agrees with it, "programada", "concluída").
STATE_LABELS: dict[CampaignState, LazyString] = {
    CampaignState.SCHEDULED: lazy_pgettext("campaign", "Scheduled"),
    CampaignState.RUNNING: lazy_pgettext("campaign", "Running"),
    CampaignState.PAUSED: lazy_pgettext("campaign", "Paused"),
    CampaignState.CANCELED: lazy_pgettext("campaign", "Canceled"),
    CampaignState.COMPLETED: lazy_pgettext("campaign", "Completed"),
}
# How far ahead a campaign may be scheduled, and how long before the start a reminder goes.
MAX_AHEAD = timedelta(days=366)
PAST_GRACE = timedelta(minutes=1)
MAX_REMINDER_LEAD = timedelta(days=30)
MAX_FOLLOWUP_DELAY = timedelta(days=60)
DEFAULT_REMINDER_HOURS = 24.0
DEFAULT_FOLLOWUP_DAYS = 3.0

COUNT_FAILED = states_text(
    "SELECT count(*) FROM invitations"
    " WHERE campaign_id = :campaign_id AND send_state = :send_failed"
)


# Why a guest's invitation can't be queued on its own, by the state it is in already.
ALREADY = {
    SendState.PENDING: _l("the guest's invitation is already pending"),
    SendState.PAUSED: _l("the guest's invitation is already paused"),
    SendState.SENDING: _l("the guest's invitation is already sending"),
    SendState.ACCEPTED: _l("the guest's invitation is already accepted"),
    SendState.FAILED: _l("the guest's invitation is already failed"),
    SendState.CANCELED: _l("the guest's invitation is already canceled"),
}
# "cannot pause a canceled campaign": the action and the state, in the page's language.
ACTION_WORDS = {
    "move": _l("move"),
    "pause": _l("pause"),
    "resume": _l("resume"),
    "cancel": _l("cancel"),
    "retry-failed": _l("retry the failed invitations of"),
    "start": _l("start"),
    "refuse": _l("refuse to start"),
    "complete": _l("complete"),
}
STATE_WORDS = {
    CampaignState.SCHEDULED: _l("scheduled"),
    CampaignState.RUNNING: _l("running"),
    CampaignState.PAUSED: _l("paused"),
    CampaignState.CANCELED: _l("canceled"),
    CampaignState.COMPLETED: _l("completed"),
}
# Nothing to send: no guest is left for a new campaign of the kind.
NONE_LEFT = {
    MessageKind.INVITATION: _l("no guest of this event is left to invite"),
    MessageKind.REMINDER: _l("no guest of this event is left to remind"),
    MessageKind.FOLLOWUP: _l("no guest of this event is left to follow up"),
    MessageKind.REPLY: _l("no guest of this event is left to reply to"),
    MessageKind.OFFER: _l("no guest of this event is left to offer a seat to"),
    MessageKind.UPDATE: _l("no guest of this event is left to tell of the change"),
    MessageKind.CANCELLATION: _l("no guest of this event is left to tell of the cancellation"),
    MessageKind.THANKS: _l("no guest of this event is left to thank"),
    MessageKind.MISSED: _l("no guest of this event is left to tell we missed"),
    MessageKind.PASS: _l("no guest of this event is left to send the pass to"),
}


class CampaignError(Exception):
    """A campaign request that cannot be done."""


class NotFoundError(CampaignError):
    """No such event, campaign or guest."""


class ConflictError(CampaignError):
    """The request does not fit the current state (an invalid transition, nothing to send)."""


class TemplateMissing(ConflictError):
    """A kind that needs an approved template has none: the operator's words (with the
    setting's name) as the message, the organiser's in `plain`."""

    def __init__(self, technical: str, plain: str) -> None:
        super().__init__(technical)
        self.plain = plain


def in_plain_words(error: CampaignError) -> str:
    """What the organiser reads of a refusal: never a setting's name."""
    return error.plain if isinstance(error, TemplateMissing) else str(error)


def _sending() -> SendingSettings:
    """The sending settings of this process."""
    sending: SendingSettings = current_app.config["SENDING"]
    return sending


def _event(event_id: int, lock: bool = False) -> Event:
    """The event, optionally locked against concurrent campaign creation.

    `FOR NO KEY UPDATE`: two creations for one event wait for each other, while the
    foreign-key checks of single sends (`FOR KEY SHARE` on the event) go through.
    """
    if not 0 < event_id <= MAX_ID:
        raise NotFoundError(_("event %(event_id)s not found", event_id=event_id))
    event = db.session.get(Event, event_id, with_for_update=NO_KEY_UPDATE if lock else None)
    if event is None:
        raise NotFoundError(_("event %(event_id)s not found", event_id=event_id))
    return event


def event(event_id: int) -> Event:
    """The event, or NotFoundError."""
    return _event(event_id)


def preflight(event_id: int, target: Target | None = None) -> Preflight:
    """Plan a campaign of the event (an invitation campaign by default) without creating it."""
    _event(event_id)
    return _preflight(target or Target(event_id), _sending())


def _preflight(target: Target, sending: SendingSettings) -> Preflight:
    """Count the audience and check it against the queue window and the daily tier.

    The duration is the honest one (`estimates`): the rate, capped by the in-flight limit
    against the provider's recent latency.
    """
    settings = current_app.config["SETTINGS"]
    has_template = bool(message_defaults().templates(target.kind))
    has_callback_url = bool(settings.public_base_url)
    plan = plan_audience(db.session.connection(), target, sending, has_template, has_callback_url)
    seconds = send_estimate(db.session.connection(), sending).seconds_for(plan.recipients)
    honest = replace(
        plan,
        estimated_seconds=round(seconds, 1),
        fits_provider_queue=seconds <= plan.provider_queue_seconds,
        warnings=[],
    )
    honest.warnings.extend(warnings(honest, has_template, has_callback_url))
    return honest


def message_defaults() -> MessageDefaults:
    """The templates this process sends with (the worker's settings are the same), the
    dashboard's approved ones among them."""
    defaults = MessageDefaults.from_settings(current_app.config["SETTINGS"], None, 0)
    return defaults.with_approved(load_approved(db.session.connection()))


def estimate_for_preflight() -> SendEstimate:
    """The assumption behind a pre-flight's duration, to show with it."""
    return send_estimate(db.session.connection(), _sending())


def target(
    event_id: int,
    kind: str = MessageKind.INVITATION,
    *,
    include_maybe: bool = False,
    after_days: float | None = None,
) -> Target:
    """The audience of a campaign of `kind` with the options that kind takes ("maybe" for a
    kind chosen by answer, a delay for a watching one); CampaignError for an unknown kind."""
    try:
        spec = kind_of(kind)
    except ValueError:
        raise CampaignError(
            _("'kind' must be one of %(choices)s", choices=", ".join(KINDS))
        ) from None
    days = DEFAULT_FOLLOWUP_DAYS if after_days is None else after_days
    after_seconds = round(days * 86400) if spec.watches else 0
    return Target(event_id, spec.kind, include_maybe and spec.answers is not None, after_seconds)


def watches(campaign: Campaign) -> bool:
    """Whether the campaign is of a watching kind, queueing guests as they come due."""
    return kind_of(campaign.kind).watches


def target_of(campaign: Campaign) -> Target:
    """The audience of an existing campaign."""
    return lifecycle.CampaignRow(
        campaign.id,
        campaign.event_id,
        campaign.kind,
        campaign.state,
        campaign.send_at,
        campaign.include_maybe,
        campaign.after_seconds,
        campaign.include_unanswered,
        campaign.round,
    ).target


def create_campaign(event_id: int, send_at: datetime | None = None) -> tuple[Campaign, Preflight]:
    """Create a running invitation campaign over the event's eligible guests, in one
    transaction; with a future `send_at`, a scheduled one that starts then."""
    if send_at is not None:
        check_send_at(send_at)
    return _create(Target(event_id), send_at)


def check_send_at(send_at: datetime) -> None:
    """A time to start at: not past (a minute's grace: "now"), within a year."""
    now = utcnow()
    if send_at < now - PAST_GRACE:
        raise CampaignError(_("send_at is in the past"))
    if send_at > now + MAX_AHEAD:
        raise CampaignError(_("send_at must be within a year"))


def schedule_reminder(
    event_id: int, hours_before: float = DEFAULT_REMINDER_HOURS, include_maybe: bool = False
) -> tuple[Campaign, Preflight]:
    """Schedule the event's reminder to confirmed guests `hours_before` its start.

    When that moment has passed but the event has not started, the reminder goes now.
    """
    send_at = reminder_time(event_id, hours_before)
    lead = timedelta(hours=hours_before)
    target = Target(event_id, MessageKind.REMINDER, include_maybe=include_maybe)
    return _create(target, send_at, lead_seconds=round(lead.total_seconds()))


def reminder_time(event_id: int, hours_before: float) -> datetime:
    """When a reminder `hours_before` the event's start goes; CampaignError or ConflictError
    when there can be none."""
    found = _event(event_id)
    lead = timedelta(hours=hours_before)
    if not timedelta(0) < lead <= MAX_REMINDER_LEAD:
        raise CampaignError(_("hours_before must be more than 0 and at most 720"))
    if found.starts_at is None:
        raise ConflictError(_("the event has no start time to remind guests of"))
    if found.starts_at <= utcnow():
        raise ConflictError(_("the event has already started"))
    if found.starts_at - lead > utcnow() + MAX_AHEAD:
        raise CampaignError(_("the reminder would be more than a year ahead"))
    return found.starts_at - lead


def create_followup(
    event_id: int, after_days: float = DEFAULT_FOLLOWUP_DAYS
) -> tuple[Campaign, Preflight]:
    """Follow up, once, every guest who has not answered `after_days` after delivery.

    The campaign runs until the event starts; each sweep queues the guests who came due.
    """
    check_followup(event_id, after_days)
    after = timedelta(days=after_days)
    target = Target(event_id, MessageKind.FOLLOWUP, after_seconds=round(after.total_seconds()))
    return _create(target, None, after_seconds=target.after_seconds)


def check_followup(event_id: int, after_days: float) -> None:
    """CampaignError or ConflictError when there can be no follow-up `after_days` after."""
    found = _event(event_id)
    after = timedelta(days=after_days)
    if not timedelta(0) < after <= MAX_FOLLOWUP_DELAY:
        raise CampaignError(_("after_days must be more than 0 and at most 60"))
    if found.starts_at is not None and found.starts_at <= utcnow():
        raise ConflictError(_("the event has already started"))


def _create(
    target: Target,
    send_at: datetime | None,
    lead_seconds: int | None = None,
    after_seconds: int | None = None,
) -> tuple[Campaign, Preflight]:
    """Create a campaign of `target`, scheduled for `send_at`; one due now starts at once,
    through the lifecycle's one start, in the same transaction."""
    sending = _sending()
    spec = kind_of(target.kind)
    found = _event(target.event_id, lock=True)
    if found.canceled_at is not None and target.kind != MessageKind.CANCELLATION:
        db.session.rollback()
        raise ConflictError(_("the event is canceled: nothing more is sent for it"))
    if spec.one_per_event:
        _refuse_a_second(target)
    plan = _preflight(target, sending)
    review = _checks().review(_connection(), target)
    if review.rejected:
        db.session.rollback()
        raise ConflictError(lifecycle.rejection_note(target.kind, review))
    if plan.missing_template and not review.waiting:
        db.session.rollback()
        plain = _(
            "no %(kind)s is approved in any language yet: write one on the Messages page",
            kind=kind_word(target.kind),
        )
        raise TemplateMissing(plan.warnings[0], plain)
    scheduled = send_at is not None and send_at > utcnow()
    if plan.recipients == 0 and not (scheduled or spec.watches):
        db.session.rollback()
        raise ConflictError(str(NONE_LEFT[spec.kind]))
    campaign = Campaign(
        event_id=target.event_id,
        kind=target.kind,
        state=CampaignState.SCHEDULED,  # until its start, below or by the sweep
        send_at=send_at if scheduled else None,
        include_maybe=target.include_maybe,
        include_unanswered=target.include_unanswered,
        round=target.round,
        changes=list(target.changes),
        lead_seconds=lead_seconds,
        after_seconds=after_seconds,
        total=plan.recipients,
        rate_per_second=sending.rate_per_second,
    )
    db.session.add(campaign)
    db.session.flush()
    started = None if scheduled else lifecycle.start(_connection(), campaign.id, _checks())
    db.session.commit()
    db.session.refresh(campaign)
    log.info(
        "%s campaign %s %s for event %s: %s guests",
        target.kind,
        campaign.id,
        f"scheduled at {send_at:%Y-%m-%dT%H:%M:%SZ}" if scheduled and send_at else "created",
        target.event_id,
        campaign.total,
    )
    if started is not None:
        wake_sender(sending)
    return campaign, plan


def create_notice(target: Target) -> tuple[Campaign, Preflight]:
    """Create and start an update or cancellation campaign now (`app.services.event_changes`
    decides which round, and whether there is anyone to tell)."""
    return _create(target, None)


def create_after_event(
    event_id: int, kind: str, send_at: datetime | None = None
) -> tuple[Campaign, Preflight]:
    """Thank the guests who came (`thanks`), or tell the confirmed ones who did not that they
    were missed (`missed`): now, once the event has started, or at `send_at`, after its start.

    Raises:
        ConflictError: the event has no start, or has not started and no later time is given.
        CampaignError: an unknown kind, or a `send_at` before the start or too far ahead.
    """
    check_after_event(event_id, kind, send_at)
    return _create(Target(event_id, kind), send_at)


def check_after_event(event_id: int, kind: str, send_at: datetime | None) -> None:
    """The checks of `create_after_event`, raising what it raises."""
    if kind not in AFTER_EVENT:
        raise CampaignError(_("'kind' must be one of %(choices)s", choices=", ".join(AFTER_EVENT)))
    found = _event(event_id)
    if found.starts_at is None:
        raise ConflictError(_("the event has no start time: it can't be over"))
    if send_at is not None:
        check_send_at(send_at)
        if send_at < found.starts_at:
            raise CampaignError(_("send_at must be after the event's start"))
    elif found.starts_at > utcnow():
        raise ConflictError(_("the event has not started yet: send it after its start"))


def _refuse_a_second(target: Target) -> None:
    """One active campaign of a kind that allows one per event (the event's row is locked)."""
    other = db.session.scalar(
        db.select(Campaign.id).where(
            Campaign.event_id == target.event_id,
            Campaign.kind == target.kind,
            Campaign.state.in_(ACTIVE),
        )
    )
    if other is not None:
        db.session.rollback()
        raise ConflictError(
            _(
                "the event already has a %(kind)s (campaign %(campaign)s): move or cancel it"
                " instead",
                kind=kind_word(target.kind),
                campaign=other,
            )
        )


def _connection() -> Connection:
    """The request's transaction, for the engine's statements."""
    return db.session.connection()


def _checks() -> lifecycle.StartChecks:
    """What a start checks again: this process's rate, tier and templates."""
    settings = current_app.config["SETTINGS"]
    return lifecycle.StartChecks(_sending(), message_defaults(), bool(settings.public_base_url))


def reschedule(campaign_id: int, send_at: datetime) -> Campaign:
    """Move a scheduled campaign to another time (now, within a minute, starts it now)."""
    check_send_at(send_at)
    _apply(campaign_id, "move", send_at=send_at)
    log.info("campaign %s moved to %s", campaign_id, f"{send_at:%Y-%m-%dT%H:%M:%SZ}")
    if send_at <= utcnow():
        start_due(campaign_id)
    return get_campaign(campaign_id)


def follow_start(event_id: int, starts_at: datetime | None) -> list[tuple[int, datetime]]:
    """Move the event's scheduled reminders with its new start, their lead kept, in the
    caller's transaction (the event locked); return each one moved and its new time.

    One whose time has passed while the event has not started goes now, as at its
    scheduling: its time is now, and `start_due` starts it once the caller commits.

    Raises:
        ConflictError: a reminder is scheduled and the event has no start, or has started.
        CampaignError: a reminder would be more than a year ahead.
    """
    reminders = db.session.scalars(
        db.select(Campaign)
        .where(
            Campaign.event_id == event_id,
            Campaign.kind == MessageKind.REMINDER,
            Campaign.state == CampaignState.SCHEDULED,
            Campaign.lead_seconds.is_not(None),
        )
        .order_by(Campaign.id)
    ).all()
    now, moved = utcnow(), []
    for reminder in reminders:
        lead = timedelta(seconds=reminder.lead_seconds or 0)
        if starts_at is None or starts_at <= now:
            if starts_at is None:
                raise ConflictError(
                    _(
                        "the event has no start time, and its reminder (campaign %(campaign)s)"
                        " is scheduled before its start: cancel the reminder first",
                        campaign=reminder.id,
                    )
                )
            raise ConflictError(
                _(
                    "the event would have started already, and its reminder (campaign"
                    " %(campaign)s) is scheduled before its start: cancel the reminder first",
                    campaign=reminder.id,
                )
            )
        send_at = max(starts_at - lead, now)
        if send_at > now + MAX_AHEAD:
            raise CampaignError(_("the event's reminder would be more than a year ahead"))
        try:
            lifecycle.apply(_connection(), reminder.id, "move", send_at=send_at)
        except lifecycle.NotAllowed:
            continue  # canceled meanwhile: nothing left to move
        moved.append((reminder.id, send_at))
    return moved


def cancel_scheduled(event_id: int) -> list[int]:
    """Cancel the event's scheduled campaigns before it is deleted, in the caller's
    transaction (the event locked); return their ids.

    Raises:
        ConflictError: one of its campaigns is running or paused.
    """
    listed = db.session.scalars(
        db.select(Campaign).where(Campaign.event_id == event_id).order_by(Campaign.id)
    ).all()
    busy = [c for c in listed if c.state in (CampaignState.RUNNING, CampaignState.PAUSED)]
    if busy:
        named = ", ".join(
            _("campaign %(campaign)s is running", campaign=c.id)
            if c.state is CampaignState.RUNNING
            else _("campaign %(campaign)s is paused", campaign=c.id)
            for c in busy
        )
        raise ConflictError(_("%(campaigns)s: cancel it first, or let it finish", campaigns=named))
    scheduled = [c.id for c in listed if c.state is CampaignState.SCHEDULED]
    for campaign_id in scheduled:
        lifecycle.apply(_connection(), campaign_id, "cancel")
    return scheduled


def start_due(campaign_id: int) -> bool | None:
    """Start a scheduled campaign whose time has come now, as the sweep would.

    True when it started, False when its pre-flight refused it, None when it was not due.
    """
    moved = lifecycle.start(_connection(), campaign_id, _checks())
    db.session.commit()
    db.session.expire_all()
    if moved is None:
        return None
    if moved.after is CampaignState.RUNNING:
        wake_sender()
        return True
    return False


def wake_sender(sending: SendingSettings | None = None) -> None:
    """Ask a worker to drain due invitations (the sweeper does it anyway if Redis is down)."""
    request_drain_quietly(redis_store.connection, sending or _sending())


def get_campaign(campaign_id: int) -> Campaign:
    """The campaign, or NotFoundError."""
    campaign = db.session.get(Campaign, campaign_id) if 0 < campaign_id <= MAX_ID else None
    if campaign is None:
        raise NotFoundError(_("campaign %(campaign_id)s not found", campaign_id=campaign_id))
    return campaign


def list_campaigns(event_id: int) -> list[Campaign]:
    """The event's campaigns, newest first."""
    _event(event_id)
    query = db.select(Campaign).where(Campaign.event_id == event_id).order_by(Campaign.id.desc())
    return list(db.session.scalars(query))


def progress(campaign_id: int) -> dict[str, Any]:
    """The campaign's counts per invitation state and delivery status, and top errors."""
    return campaign_progress(db.session.connection(), campaign_id)


def observed_rate(campaign_id: int) -> float | None:
    """Messages per second the provider accepted for the campaign lately, if any."""
    return estimates.observed_rate(db.session.connection(), campaign_id)


def progresses(campaign_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """`progress` of each campaign, in a fixed number of queries whatever their number."""
    return campaigns_progress(db.session.connection(), campaign_ids)


def _apply(campaign_id: int, action: str, **values: Any) -> lifecycle.Moved:
    """Do an organiser's action through the lifecycle and commit; NotFoundError or
    ConflictError when it can't be done."""
    if not 0 < campaign_id <= MAX_ID:
        raise NotFoundError(_("campaign %(campaign_id)s not found", campaign_id=campaign_id))
    try:
        _before, moved = lifecycle.apply(_connection(), campaign_id, action, **values)
    except lifecycle.CampaignMissing:
        db.session.rollback()
        raise NotFoundError(
            _("campaign %(campaign_id)s not found", campaign_id=campaign_id)
        ) from None
    except lifecycle.NotAllowed as refused:
        db.session.rollback()
        raise ConflictError(refusal_words(refused)) from None
    db.session.commit()
    db.session.expire_all()
    return moved


def pause(campaign_id: int) -> Campaign:
    """Stop sending new invitations of a running campaign (within a second or two)."""
    _apply(campaign_id, "pause")
    log.info("campaign %s paused", campaign_id)
    return get_campaign(campaign_id)


def resume(campaign_id: int) -> Campaign:
    """Send a paused campaign's remaining invitations again."""
    _apply(campaign_id, "resume")
    log.info("campaign %s resumed", campaign_id)
    wake_sender()
    return get_campaign(campaign_id)


def cancel(campaign_id: int) -> tuple[Campaign, int]:
    """Cancel every invitation not yet sent; return the campaign and how many were canceled.

    Requests already in flight finish; what they leave unsent is canceled too.
    """
    canceled = _apply(campaign_id, "cancel").rows
    log.info("campaign %s canceled: %s invitations", campaign_id, canceled)
    return get_campaign(campaign_id), canceled


def retry_failed(campaign_id: int) -> tuple[Campaign, int, int]:
    """Queue the failed invitations again; return the campaign, requeued and skipped counts.

    Guests who opted out or can never receive stay failed (skipped).
    """
    failed = int(db.session.execute(COUNT_FAILED, {"campaign_id": campaign_id}).scalar_one())
    requeued = _apply(campaign_id, "retry-failed").rows
    log.info("campaign %s: %s failed invitations requeued", campaign_id, requeued)
    if requeued:
        wake_sender()
    return get_campaign(campaign_id), requeued, failed - requeued


def guest(guest_id: int) -> Guest:
    """The guest, or NotFoundError."""
    found = db.session.get(Guest, guest_id) if 0 < guest_id <= MAX_ID else None
    if found is None:
        raise NotFoundError(_("guest %(guest_id)s not found", guest_id=guest_id))
    return found


def send_invitation(guest_id: int) -> Invitation:
    """Queue one guest's invitation on its own, outside any campaign (202 semantics).

    A new invitation is created; a failed or canceled one is queued again (and leaves its
    campaign). Opted-out or unreachable guests, and invitations already pending, being
    sent or accepted, are conflicts.
    """
    found = guest(guest_id)
    db.session.refresh(found, with_for_update=NO_KEY_UPDATE)
    refusal = _refusal(found)
    if refusal:
        db.session.rollback()
        raise ConflictError(refusal)
    invitation = db.session.scalar(
        db.select(Invitation)
        .where(Invitation.guest_id == guest_id, Invitation.kind == MessageKind.INVITATION)
        .with_for_update(key_share=True)
    )
    if invitation is None:
        invitation = Invitation(event_id=found.event_id, guest_id=found.id)
        db.session.add(invitation)
    elif invitation.send_state not in (SendState.FAILED, SendState.CANCELED):
        db.session.rollback()
        raise ConflictError(str(ALREADY[invitation.send_state]))
    invitation.campaign_id = None
    invitation.send_state = SendState.PENDING
    invitation.next_attempt_at = db.func.now()
    invitation.attempt_count = 0
    invitation.error_code = invitation.error_reason = None
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ConflictError(_("the guest's invitation was created meanwhile")) from None
    log.info("invitation %s queued alone", invitation.id)
    wake_sender()
    return invitation


def refusal_words(refused: lifecycle.NotAllowed) -> str:
    """Why an action can't be done to a campaign, in the page's language."""
    action = ACTION_WORDS.get(refused.action)
    state = STATE_WORDS.get(CampaignState(refused.state)) if refused.state else None
    if action is None or state is None:
        return str(refused)
    return _("cannot %(action)s a %(state)s campaign", action=action, state=state)


def _refusal(found: Guest) -> str | None:
    """Why this guest must not be sent an invitation, if they must not (`reachability`)."""
    opted_out = db.session.get(OptOut, found.phone) is not None
    blocked = refusal(opted_out, found.unreachable_code, found.unreachable_reason)
    if blocked is None:
        return None
    if blocked.code == OPTED_OUT:
        return _("the guest opted out of messages")
    return _("the guest's number cannot receive messages (%(reason)s)", reason=blocked.reason)
