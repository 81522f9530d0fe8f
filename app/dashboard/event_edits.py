"""Correct an event, and delete one after a confirmation page (rules in
`app.services.event_edits`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.dashboard import bp
from app.dashboard.edits import show_error
from app.dashboard.forms import EventForm
from app.dashboard.guests import require_event
from app.dashboard.parties import hours_text, number_field, read_approval_above
from app.i18n import language
from app.models import CampaignState, Event, UserRole
from app.services import approvals, audit, campaigns, event_changes, event_edits, events
from app.services.edits import EditConflict, EditError, EditMissing
from app.services.user_text import plain_text
from app.services.wording import format_start


class EventEditForm(EventForm):
    """An event's name, start (in its zone), zone, venue, country of its guests' numbers,
    whether replies may change a guest's language, its plus-ones, capacity and offer hold, as
    stored; and, for owners, above how many recipients a campaign waits for approval."""

    approval_above = number_field(_l("Approval above (guests)"))

    def validate_approval_above(self, field: Any) -> None:
        """A whole number of guests, or empty for the service's setting."""
        field.data = read_approval_above(field.data)


def event_form(event: Event) -> EventEditForm:
    """The form as posted, or filled from the event (its start in its own zone)."""
    if request.method == "POST":
        return EventEditForm()
    local = event.starts_at.astimezone(ZoneInfo(event.time_zone)) if event.starts_at else None
    return EventEditForm(
        data={
            "name": event.name,
            "starts_at": local.replace(tzinfo=None) if local else None,
            "venue": event.venue,
            "time_zone": event.time_zone,
            "country": event.country or "",
            "language_from_replies": event.language_from_replies,
            "passes": event.passes,
            "plus_ones": event.plus_ones,
            "capacity": event.capacity,
            "offer_hours": hours_text(event.offer_hours),
            "approval_above": event.approval_above,
        }
    )


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
def edit_event(event_id: int) -> ResponseReturnValue:
    """Correct an event's name, start, zone, venue, country, replies' language setting,
    plus-ones, capacity and offer hold, then go back to its page."""
    event = require_event(event_id)
    form, status, problem = event_form(event), 200, None
    if form.validate_on_submit():
        values = {
            "name": form.name.data or "",
            "venue": (form.venue.data or "").strip() or None,
            "time_zone": form.zone_name(event.time_zone),
            "starts_at": form.starts_at_utc(event.time_zone),
            "country": form.country.data or None,
            "language_from_replies": form.language_from_replies.data,
            "passes": form.passes.data,
            "plus_ones": form.plus_ones.data,
            "capacity": form.capacity.data,
            "offer_hours": Decimal(str(form.offer_hours.data)),
        }
        if "approval_above" in request.form:  # shown to owners only: a crafted one is refused
            values["approval_above"] = form.approval_above.data
            try:
                approvals.check_threshold_change(
                    audit.current_actor(), event.approval_above, form.approval_above.data
                )
            except approvals.OwnersOnly as error:
                abort(403, description=f"{str(error).capitalize()}.")
        try:
            edit = event_edits.update_event(event.id, values)
        except EditMissing:
            abort(404, description=_("Event %(id)s does not exist.", id=event_id))
        except EditError as error:
            status, problem = show_error(form, error)
        else:
            flash(_("Event “%(name)s” saved.", name=plain_text(edit.event.name)), "success")
            for reminder in edit.reminders:
                flash(reminder_note(reminder, edit.event), "info")
            # Invitations went out and the start, zone or venue changed: offer to tell them.
            if event_changes.untold(edit.event):
                return redirect(url_for("dashboard.notify_page", event_id=event.id))
            return redirect(url_for("dashboard.event_page", event_id=event.id))
    elif request.method == "POST":
        status = 400
    event = require_event(event_id)
    body = render_template(
        "dashboard/event_edit.html",
        form=form,
        event=event,
        problem=problem,
        sets_approval=audit.current_actor().role is UserRole.OWNER,
        service_approval=approvals.threshold(),
    )
    return body, status


def reminder_note(reminder: event_edits.MovedReminder, event: Event) -> str:
    """What happened to a reminder that moved with the start."""
    if reminder.started:
        return _(
            "The reminder (campaign #%(id)s) is being sent now: its time had come.",
            id=reminder.campaign_id,
        )
    when = format_start(reminder.send_at, event.time_zone, language())
    return _(
        "The reminder (campaign #%(id)s) moved with the start: %(when)s.",
        id=reminder.campaign_id,
        when=when,
    )


@bp.get("/events/<int:event_id>/delete")
def confirm_event_deletion(event_id: int) -> ResponseReturnValue:
    """Ask before deleting an event, saying what goes, and what stops it."""
    event = require_event(event_id)
    listed = campaigns.list_campaigns(event.id)
    busy = [c for c in listed if c.state in (CampaignState.RUNNING, CampaignState.PAUSED)]
    scheduled = [c for c in listed if c.state is CampaignState.SCHEDULED]
    return render_template(
        "dashboard/event_delete.html",
        event=event,
        stats=events.event_stats(event.id),
        campaigns=listed,
        busy=busy,
        scheduled=scheduled,
    )


@bp.post("/events/<int:event_id>/delete")
def delete_event(event_id: int) -> ResponseReturnValue:
    """Delete an event with everything of it, then go to the events list."""
    event = require_event(event_id)
    name = plain_text(event.name)
    try:
        canceled = event_edits.delete_event(event_id)
    except EditMissing:
        abort(404, description=_("Event %(id)s does not exist.", id=event_id))
    except EditConflict as error:
        flash(_("“%(name)s” was not deleted: %(reason)s.", name=name, reason=error), "error")
        return redirect(url_for("dashboard.confirm_event_deletion", event_id=event_id))
    if canceled:
        deleted = _(
            "Event “%(name)s” deleted. Scheduled campaigns canceled: %(count)s.",
            name=name,
            count=len(canceled),
        )
    else:
        deleted = _("Event “%(name)s” deleted.", name=name)
    flash(deleted, "success")
    return redirect(url_for("dashboard.events_page"))
