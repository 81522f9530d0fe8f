"""Campaigns: the pre-flight and confirm step (now or at a time), live progress,
pause/resume/cancel/retry, and the event's schedule (reminders, follow-ups, moves)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_decimal, format_number, ngettext
from flask_babel import gettext as _
from werkzeug.exceptions import NotFound

from app.dashboard import bp
from app.dashboard.auth import safe_next
from app.dashboard.forms import FollowupForm, MoveForm, ReminderForm, SendAtForm
from app.dashboard.guests import require_event
from app.dashboard.http import counted
from app.i18n import language
from app.models import Campaign, CampaignState, Event, MessageKind
from app.services import approvals, audit, campaigns, reach
from app.services.campaign_status import campaign_status, first_claimed_at
from app.services.campaigns import CampaignError, ConflictError, target_of
from app.services.wording import format_start


def _pause(campaign_id: int) -> str:
    """Pause; say what happens to messages in flight."""
    campaigns.pause(campaign_id)
    return _("Campaign paused. Messages already on their way still go out.")


def _resume(campaign_id: int) -> str:
    """Resume."""
    campaigns.resume(campaign_id)
    return _("Campaign resumed.")


def _cancel(campaign_id: int) -> str:
    """Cancel; say how many invitations were withdrawn (none yet, for a scheduled one)."""
    campaign = campaigns.get_campaign(campaign_id)
    was_scheduled = campaign.state is CampaignState.SCHEDULED
    canceled = campaigns.cancel(campaign_id)[1]
    if was_scheduled:
        return _("Scheduled campaign canceled: nothing will be sent.")
    return ngettext(
        "Campaign canceled: %(count)s invitation will not be sent.",
        "Campaign canceled: %(count)s invitations will not be sent.",
        canceled,
        count=format_number(canceled),
    )


def _retry_failed(campaign_id: int) -> str:
    """Retry the failed; say how many were requeued and how many stay failed."""
    requeued, skipped = campaigns.retry_failed(campaign_id)[1:]
    queued = ngettext(
        "%(count)s failed invitation queued again.",
        "%(count)s failed invitations queued again.",
        requeued,
        count=format_number(requeued),
    )
    if not skipped:
        return queued
    kept = ngettext(
        "%(count)s stays failed (opted out or not reachable).",
        "%(count)s stay failed (opted out or not reachable).",
        skipped,
        count=format_number(skipped),
    )
    return f"{queued} {kept}"


CONTROLS: dict[str, Callable[[int], str]] = {
    "pause": _pause,
    "resume": _resume,
    "cancel": _cancel,
    "retry-failed": _retry_failed,
}


def in_zone(value: datetime | None, time_zone: str) -> str:
    """A time in the event's zone, with the zone's name."""
    return format_start(value, time_zone, language()) or "—"


@dataclass(frozen=True)
class ScheduledItem:
    """A campaign still to come (scheduled) or watching (a running follow-up), with its form."""

    campaign: Campaign
    recipients: int | None  # a scheduled one's audience if it started now
    move_form: MoveForm | None  # scheduled ones can be moved


def scheduled_items(event: Event, listed: list[Campaign]) -> list[ScheduledItem]:
    """The scheduled campaigns of the event (`listed`: its campaigns), soonest first, then
    its running watching ones (follow-ups)."""
    waiting = sorted(
        (c for c in listed if c.state is CampaignState.SCHEDULED),
        key=lambda c: (c.send_at is None, c.send_at, c.id),
    )
    watching = [c for c in listed if campaigns.watches(c) and c.state is CampaignState.RUNNING]
    coming = [
        ScheduledItem(c, campaigns.preflight(event.id, target_of(c)).recipients, move_form(c))
        for c in waiting
    ]
    # A watching follow-up queues its guests as they come due: the table says what it sent.
    return [*coming, *(ScheduledItem(c, None, None) for c in watching)]


def move_form(campaign: Campaign) -> MoveForm:
    """The form that moves a scheduled campaign, showing its time in the event's zone."""
    form = MoveForm(formdata=None, prefix=f"move-{campaign.id}", time_zone=campaign.event.time_zone)
    if campaign.send_at is not None:
        form.send_at.data = campaign.send_at.astimezone(form.zone).replace(tzinfo=None)
    return form


def render_new_campaign(event: Event, form: SendAtForm, status: int = 200) -> ResponseReturnValue:
    """The pre-flight page with its form."""
    plan, found = reach.explained(event.id)
    estimate = campaigns.estimate_for_preflight()
    body = render_template(
        "dashboard/campaign_new.html",
        event=event,
        plan=plan,
        reach=found,
        estimate=estimate,
        form=form,
    )
    return body, status


@bp.get("/events/<int:event_id>/send")
def new_campaign(event_id: int) -> ResponseReturnValue:
    """Show the pre-flight of sending every guest not yet invited, with a confirm button."""
    event = require_event(event_id)
    return render_new_campaign(event, SendAtForm(time_zone=event.time_zone))


@bp.post("/events/<int:event_id>/send")
def create_campaign(event_id: int) -> ResponseReturnValue:
    """Create the campaign (the workers send it, now or at the time given) and open its page."""
    event = require_event(event_id)
    form = SendAtForm(time_zone=event.time_zone)
    if not form.validate_on_submit():
        return render_new_campaign(event, form, status=400)
    try:
        send = approvals.Send(event.id, send_at=form.send_at_utc())
        outcome = approvals.create_or_submit(send, audit.current_actor())
    except ConflictError as error:
        flash(_("Nothing to send: %(reason)s.", reason=campaigns.in_plain_words(error)), "error")
        return redirect(url_for("dashboard.event_page", event_id=event.id))
    except CampaignError as error:
        form.send_at.errors = [f"{str(error).capitalize()}."]
        return render_new_campaign(event, form, status=400)
    campaign = outcome.campaign
    if campaign is None:
        return waiting_for_an_owner(outcome, "invitation")
    if campaign.state is CampaignState.SCHEDULED:
        flash(
            _("Scheduled for %(time)s.", time=in_zone(campaign.send_at, event.time_zone)), "success"
        )
    else:
        total = campaign.total
        sending = ngettext(
            "Sending %(count)s invitation.",
            "Sending %(count)s invitations.",
            total,
            count=format_number(total),
        )
        flash(sending, "success")
    return redirect(url_for("dashboard.campaign_page", campaign_id=campaign.id))


def waiting_for_an_owner(outcome: approvals.Outcome, what: str) -> ResponseReturnValue:
    """Say that the campaign waits for an owner's approval, and show the request (`what`: a
    noun `counted` knows, "3 reminders: an owner approves first.")."""
    assert outcome.approval is not None
    counted_what = counted(outcome.plan.recipients, what)
    flash(_("%(what)s: an owner approves first.", what=counted_what), "info")
    return redirect(url_for("dashboard.approval_page", approval_id=outcome.approval.id))


def back_to_schedule(event_id: int) -> ResponseReturnValue:
    """The event page, at its schedule."""
    return redirect(url_for("dashboard.event_page", event_id=event_id, _anchor="schedule"))


def flash_form_errors(form: ReminderForm | FollowupForm | MoveForm) -> None:
    """Say what was wrong with a form submitted from the event page."""
    for field in form:
        for error in field.errors:
            flash(_("%(field)s: %(error)s", field=field.label.text, error=error), "error")


@bp.post("/events/<int:event_id>/reminders")
def create_reminder(event_id: int) -> ResponseReturnValue:
    """Schedule a reminder to the guests who confirmed, hours before the event starts."""
    event = require_event(event_id)
    form = ReminderForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return back_to_schedule(event.id)
    hours = form.hours_before.data or campaigns.DEFAULT_REMINDER_HOURS
    options = {"hours_before": hours, "include_maybe": bool(form.include_maybe.data)}
    send = approvals.Send(event.id, MessageKind.REMINDER, options=options)
    try:
        outcome = approvals.create_or_submit(send, audit.current_actor())
    except CampaignError as error:
        reason = campaigns.in_plain_words(error)
        flash(_("No reminder scheduled: %(reason)s.", reason=reason), "error")
        return back_to_schedule(event.id)
    campaign, plan = outcome.campaign, outcome.plan
    if campaign is None:
        return waiting_for_an_owner(outcome, "reminder")
    if campaign.state is CampaignState.SCHEDULED:
        when = in_zone(campaign.send_at, event.time_zone)
        now = plan.recipients
        scheduled = ngettext(
            "Reminder scheduled for %(time)s (%(count)s guest now).",
            "Reminder scheduled for %(time)s (%(count)s guests now).",
            now,
            time=when,
            count=format_number(now),
        )
        flash(scheduled, "success")
    else:
        total = campaign.total
        sending = ngettext(
            "Reminder sending now to %(count)s guest.",
            "Reminder sending now to %(count)s guests.",
            total,
            count=format_number(total),
        )
        flash(sending, "success")
    return back_to_schedule(event.id)


@bp.post("/events/<int:event_id>/followups")
def create_followup(event_id: int) -> ResponseReturnValue:
    """Follow up the guests who have not answered, days after their invitation was delivered."""
    event = require_event(event_id)
    form = FollowupForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return back_to_schedule(event.id)
    days = form.after_days.data or campaigns.DEFAULT_FOLLOWUP_DAYS
    send = approvals.Send(event.id, MessageKind.FOLLOWUP, options={"after_days": days})
    try:
        outcome = approvals.create_or_submit(send, audit.current_actor())
    except CampaignError as error:
        reason = campaigns.in_plain_words(error)
        flash(_("No follow-up set up: %(reason)s.", reason=reason), "error")
        return back_to_schedule(event.id)
    campaign = outcome.campaign
    if campaign is None:
        return waiting_for_an_owner(outcome, "follow-up")
    # A fraction of a day (2.5) reads as a plural; the plural rules take whole numbers.
    whole = int(days) if float(days).is_integer() else 2
    set_up = ngettext(
        "Follow-up set up: guests who have not answered %(count)s day after delivery"
        " get one message (campaign #%(id)s).",
        "Follow-up set up: guests who have not answered %(count)s days after delivery"
        " get one message (campaign #%(id)s).",
        whole,
        count=format_decimal(days),
        id=campaign.id,
    )
    flash(set_up, "success")
    return back_to_schedule(event.id)


@bp.post("/campaigns/<int:campaign_id>/reschedule")
def reschedule_campaign(campaign_id: int) -> ResponseReturnValue:
    """Move a scheduled campaign to another time in the event's zone."""
    campaign = campaigns.get_campaign(campaign_id)
    event = campaign.event
    form = MoveForm(prefix=f"move-{campaign.id}", time_zone=event.time_zone)
    back = safe_next(
        request.form.get("next") or url_for("dashboard.campaign_page", campaign_id=campaign.id)
    )
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(back)
    send_at = form.send_at_utc()
    assert send_at is not None
    try:
        moved = campaigns.reschedule(campaign.id, send_at)
    except CampaignError as error:
        flash(_("Not moved: %(reason)s.", reason=error), "error")
        return redirect(back)
    if moved.state is CampaignState.SCHEDULED:
        flash(_("Moved to %(time)s.", time=in_zone(moved.send_at, event.time_zone)), "success")
    else:
        flash(_("Moved to now: the campaign has started."), "success")
    return redirect(back)


@bp.get("/campaigns/<int:campaign_id>")
def campaign_page(campaign_id: int) -> ResponseReturnValue:
    """The campaign's progress and its controls; the page's script keeps it up to date (and
    shows it again as it starts, ends or changes state)."""
    campaign = campaigns.get_campaign(campaign_id)
    status = campaign_status(campaign)
    scheduled = campaign.state is CampaignState.SCHEDULED
    return render_template(
        "dashboard/campaign.html",
        campaign=campaign,
        status=status,
        event=campaign.event,
        started_at=None if scheduled else first_claimed_at(campaign),
        starts_at=in_zone(campaign.send_at, campaign.event.time_zone) if scheduled else None,
        move_form=move_form(campaign) if scheduled else None,
        audience=campaigns.preflight(campaign.event_id, target_of(campaign)).recipients
        if scheduled
        else None,
        holds=reach.holds(campaign),
        # The badge's words for the script that follows the campaign without a reload.
        state_words={state.value: str(label) for state, label in campaigns.STATE_LABELS.items()},
    )


@bp.get("/campaigns/<int:campaign_id>/progress.json")
def campaign_progress(campaign_id: int) -> ResponseReturnValue:
    """The campaign's state and counts as JSON, for the progress bar."""
    return jsonify(campaign_status(campaigns.get_campaign(campaign_id)).as_json())


@bp.post("/campaigns/<int:campaign_id>/<action>")
def control_campaign(campaign_id: int, action: str) -> ResponseReturnValue:
    """Pause, resume, cancel, or retry the failed invitations; then show the campaign (or
    the page named by the form's `next`, e.g. the event's schedule)."""
    control = CONTROLS.get(action)
    if control is None:
        raise NotFound(_("Campaigns can't be told to %(action)s.", action=action[:40]))
    try:
        flash(control(campaign_id), "success")
    except ConflictError as error:
        flash(_("Not done: %(reason)s.", reason=error), "error")
    page = url_for("dashboard.campaign_page", campaign_id=campaign_id)
    return redirect(safe_next(request.form.get("next") or page))
