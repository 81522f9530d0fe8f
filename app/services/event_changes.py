"""Tell guests that their event changed, once per change, or that it is canceled.

An event's `calendar_sequence` rises with every change of its start, zone, venue or where
the venue is (`app.services.event_edits`). Telling the guests of a change is an `update`
campaign for that sequence (its `round`): its rows are one per guest, kind and round, so a
guest gets one update per change however often the organiser saves or confirms, and none
when nothing changed since the last one told. An older update still queued is withdrawn: the
newer one says the latest. Who hears: the guests who confirmed, optionally those who said
maybe and those who have not answered, checked again when each message is claimed. Guests
holding a pass get it again with the update (its card shows the new time), once per change
(`app.sending.pass_sends`).

Canceling an event withdraws everything of it still queued (its campaigns are canceled,
single sends too), raises its calendar entry's sequence (the `.ics` says CANCELLED), and,
unless told not to, tells every guest whose invitation was sent, once (a `cancellation`).
Nothing else is sent for it after that but the organiser's replies.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import text

from app.extensions import db
from app.models import Campaign, CampaignState, Event, MessageKind
from app.models.base import utcnow
from app.sending import lifecycle, pass_sends
from app.sending.audiences import Target
from app.sending.preflight import Preflight
from app.services import campaigns, event_edits, reach
from app.services.campaigns import ConflictError, NotFoundError
from app.services.event_edits import CANCEL_QUEUED, EventEdit

log = logging.getLogger(__name__)

# Whether any invitation of the event went out (only then is there anyone to tell).
INVITED = text("""
SELECT EXISTS (SELECT 1 FROM invitations
               WHERE event_id = :event_id AND kind = 'invitation' AND send_state = 'accepted')
""")


@dataclass(frozen=True)
class Audience:
    """Who an update of the event's latest change would go to."""

    include_maybe: bool = False
    include_unanswered: bool = False


@dataclass(frozen=True)
class Notified:
    """The update campaign that tells (or told) guests of the event's latest change."""

    campaign: Campaign
    created: bool  # False: this change was already told (a second save or confirmation)
    withdrawn: list[int]  # older update campaigns still running, canceled


@dataclass(frozen=True)
class Canceled:
    """An event canceled: what was withdrawn and the cancellation campaign, if any."""

    event: Event
    campaigns: list[int]  # its campaigns canceled
    withdrawn: int  # single sends (replies, offers) withdrawn
    cancellation: Campaign | None
    already: bool  # it was canceled before


def update_target(event: Event, audience: Audience) -> Target:
    """The audience of an update of the event's latest change."""
    return Target(
        event.id,
        MessageKind.UPDATE,
        include_maybe=audience.include_maybe,
        include_unanswered=audience.include_unanswered,
        round=event.calendar_sequence,
        changes=tuple(event.untold_changes),
    )


def has_invited(event_id: int) -> bool:
    """Whether any of the event's invitations went out."""
    return bool(db.session.execute(INVITED, {"event_id": event_id}).scalar_one())


def told_campaign(event: Event) -> Campaign | None:
    """The update campaign (not canceled) that tells of the event's latest change, if any."""
    found: Campaign | None = db.session.scalar(
        db.select(Campaign)
        .where(
            Campaign.event_id == event.id,
            Campaign.kind == MessageKind.UPDATE,
            Campaign.round == event.calendar_sequence,
            Campaign.state != CampaignState.CANCELED,
        )
        .order_by(Campaign.id)
        .limit(1)
    )
    return found


def untold(event: Event) -> bool:
    """Whether the event changed since its invitations went out and guests were not told."""
    return (
        event.canceled_at is None
        and event.calendar_sequence > 0
        and told_campaign(event) is None
        and has_invited(event.id)
    )


def preview(event_id: int, audience: Audience) -> Preflight:
    """How many an update of the latest change would reach now, and its warnings."""
    event = campaigns.event(event_id)
    return campaigns.preflight(event_id, update_target(event, audience))


def pass_warning(event_id: int) -> str | None:
    """What the organiser should know of the passes an update sends again, if anything: the
    holders outside their 24-hour window with no pass template in their language."""
    holders, closed = pass_sends.unsendable_passes(
        db.session.connection(), event_id, campaigns.message_defaults()
    )
    if not closed:
        return None
    return (
        f"{closed} of the {holders} guests holding a pass will not get their new one: they"
        " have not written in the last 24 hours and there is no approved pass template in"
        " their language (write it on the Messages page)"
    )


def explained_update(event_id: int, audience: Audience) -> tuple[Preflight, reach.Reach]:
    """`preview`, and what it would send to whom per guest language (`app.services.reach`),
    with the pass holders whose new pass could not be sent among its notes."""
    event = campaigns.event(event_id)
    plan, found = reach.explained(event_id, update_target(event, audience))
    warning = pass_warning(event_id)
    if warning:
        found.notes.append(warning)
    return plan, found


def explained_cancellation(event_id: int) -> tuple[Preflight, reach.Reach]:
    """`cancellation_preview`, and what it would send to whom per guest language."""
    return reach.explained(event_id, Target(event_id, MessageKind.CANCELLATION))


def cancellation_preview(event_id: int) -> Preflight:
    """How many a cancellation would tell now (every guest whose invitation went out)."""
    return campaigns.preflight(event_id, Target(event_id, MessageKind.CANCELLATION))


def notify_change(event_id: int, audience: Audience) -> Notified:
    """Tell the guests of the event's latest change, once: a new update campaign, or the one
    that already tells of it; older updates still queued are withdrawn.

    Raises:
        NotFoundError: no such event.
        ConflictError: the event is canceled, has not changed, or no one is left to tell.
    """
    return _notify_locked(_locked(event_id), audience)


def edit_and_notify(
    event_id: int, values: dict[str, Any], audience: Audience
) -> tuple[EventEdit, Notified]:
    """Store an edit of the event and tell its guests of it, in one transaction under the
    event's row lock: two saves at once (two PATCHes, the dashboard and the API) are applied
    one after the other, each change its own round, the later one telling the final state.

    Raises:
        EditMissing, EditError, EditConflict: as `event_edits.update_event`.
        ConflictError: as `notify_change`; nothing is stored then.
    """
    event, moved = event_edits.apply_edit(event_id, values)
    return notify_edited(event, values, moved, audience)


def notify_edited(
    event: Event, values: dict[str, Any], moved: list[tuple[int, datetime]], audience: Audience
) -> tuple[EventEdit, Notified]:
    """Tell of an edit still in the session's transaction (`event_edits.apply_edit`, the
    event locked), committing both; the edit and the update."""
    notified = _notify_locked(event, audience)  # commits the edit with its campaign
    db.session.refresh(event)
    return event_edits.finish_edit(event, values, moved), notified


def _notify_locked(event: Event, audience: Audience) -> Notified:
    """`notify_change` of the locked event, in its transaction (committed here)."""
    if event.canceled_at is not None:
        db.session.rollback()
        raise ConflictError(_("the event is canceled: tell guests with the cancellation"))
    if event.calendar_sequence == 0:
        db.session.rollback()
        raise ConflictError(_("the event's start, zone and venue have not changed"))
    existing = told_campaign(event)
    if existing is not None:
        db.session.commit()  # an edit made in this transaction (a name) is kept
        return Notified(existing, created=False, withdrawn=[])
    withdrawn = _cancel_active(event.id, MessageKind.UPDATE)
    target = update_target(event, audience)
    event.untold_changes = []  # told from now on: committed with the campaign
    # The time or venue on their pass changed: each holder gets it again, once per change.
    pass_sends.queue_event_passes(db.session.connection(), event.id)
    campaign, _plan = campaigns.create_notice(target)
    log.info("event %s: change %s told in campaign %s", event.id, campaign.round, campaign.id)
    return Notified(campaign, created=True, withdrawn=withdrawn)


def cancel_event(event_id: int, notify: bool = True) -> Canceled:
    """Cancel the event: withdraw everything still queued and tell every guest who was
    invited, once (unless `notify` is false); a second cancel changes nothing.

    Raises:
        NotFoundError: no such event.
    """
    event = _locked(event_id)
    if event.canceled_at is not None:
        found = db.session.scalar(
            db.select(Campaign).where(
                Campaign.event_id == event.id, Campaign.kind == MessageKind.CANCELLATION
            )
        )
        db.session.rollback()
        return Canceled(event, [], 0, found, already=True)
    event.canceled_at = utcnow()
    event.calendar_sequence += 1
    stopped = _cancel_active(event.id, None)
    withdrawn = db.session.connection().execute(CANCEL_QUEUED, {"event_id": event.id}).rowcount
    cancellation = None
    if notify and cancellation_preview(event.id).recipients > 0:
        target = Target(event.id, MessageKind.CANCELLATION)
        cancellation, _plan = campaigns.create_notice(target)  # commits the cancel with it
    else:
        db.session.commit()
    log.info("event %s canceled: campaigns %s, %s single sends withdrawn", event_id, stopped,
             withdrawn)  # fmt: skip
    db.session.refresh(event)
    return Canceled(event, stopped, withdrawn, cancellation, already=False)


def _locked(event_id: int) -> Event:
    """The event, locked against concurrent changes and campaign creation."""
    event = db.session.get(
        Event, event_id, with_for_update={"key_share": True}, populate_existing=True
    ) if 0 < event_id <= campaigns.MAX_ID else None  # fmt: skip
    if event is None:
        db.session.rollback()
        raise NotFoundError(_("event %(event_id)s not found", event_id=event_id))
    return event


def _cancel_active(event_id: int, kind: MessageKind | None) -> list[int]:
    """Cancel the event's active campaigns (of `kind`, or all), in this transaction."""
    query = db.select(Campaign.id).where(
        Campaign.event_id == event_id, Campaign.state.in_(lifecycle.ACTIVE)
    )
    if kind is not None:
        query = query.where(Campaign.kind == kind)
    ids = list(db.session.scalars(query.order_by(Campaign.id)))
    for campaign_id in ids:
        lifecycle.apply(db.session.connection(), campaign_id, "cancel")
    return ids
