"""The events list, the new-event form, and an event's page (charts, guests, campaigns)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from app.dashboard import bp
from app.dashboard.auth import safe_next
from app.dashboard.campaigns import scheduled_items
from app.dashboard.charts import delivery_aside, delivery_funnel, rsvp_split, stage_count
from app.dashboard.forms import EventForm, FollowupForm, ImportForm, ReminderForm
from app.dashboard.guests import (
    BUCKET_LABELS,
    RSVP_FILTERS,
    GuestFilters,
    guest_page,
    require_event,
)
from app.i18n import language as page_language
from app.models import Campaign, Event, MessageKind
from app.models.base import utcnow
from app.services import (
    arrivals,
    campaigns,
    countries,
    event_changes,
    event_questions,
    events,
    guests,
    reach,
)
from app.services.campaigns import Preflight
from app.services.parsing import parse_id
from app.services.user_text import plain_text
from app.services.wording import format_start, guest_language, invitation_text

EVENTS_PAGE_SIZE = 20


@dataclass(frozen=True)
class EventSummary:
    """An event with the counts the events list shows."""

    event: Event
    guests: int
    rsvp: dict[str, int]
    sent: int
    delivered: int
    failed: int

    @classmethod
    def of(cls, event: Event, stats: dict[str, Any]) -> EventSummary:
        """Summarise the event's answers and deliveries from its stats."""
        delivery = stats["delivery"]
        return cls(
            event=event,
            guests=stats["guests"],
            rsvp=stats["rsvp"],
            sent=stage_count(delivery, "stage-sent"),
            delivered=stage_count(delivery, "stage-delivered"),
            failed=stage_count(delivery, "stage-failed"),
        )


def query_id(name: str) -> int | None:
    """A positive id from the query string, or None when absent or malformed."""
    return parse_id(request.args.get(name))


def render_events(form: EventForm, status: int = 200) -> ResponseReturnValue:
    """The events list, newest first, a page at a time, with the new-event form."""
    before = query_id("before")
    rows = events.list_events(EVENTS_PAGE_SIZE + 1, before_id=before)
    page = rows[:EVENTS_PAGE_SIZE]
    stats = events.events_stats([event.id for event, _ in page])
    summaries = [EventSummary.of(event, stats[event.id]) for event, _ in page]
    next_before = page[-1][0].id if len(rows) > EVENTS_PAGE_SIZE else None
    body = render_template(
        "dashboard/events.html",
        summaries=summaries,
        form=form,
        next_before=next_before,
        paged=before is not None,
    )
    return body, status


@bp.get("/")
def events_page() -> ResponseReturnValue:
    """Every event with its guests, answers and deliveries."""
    return render_events(EventForm())


LANGUAGE_LABELS = {
    "en": "English",
    "es": "Español",
    "pt": "Português",
    "ar": "العربية",
    "fr": "Français",
}


@bp.post("/events")
def create_event() -> ResponseReturnValue:
    """Create an event from the form and open its page."""
    form = EventForm()
    if not form.validate_on_submit():
        return render_events(form, status=400)
    default_zone = current_app.config["SETTINGS"].default_time_zone
    event = events.create_event(
        name=form.name.data or "",
        starts_at=form.starts_at_utc(default_zone),
        venue=form.venue.data,
        time_zone=form.zone_name(default_zone),
        country=form.country.data or None,
        language_from_replies=form.language_from_replies.data,
        passes=form.passes.data,
        plus_ones=form.plus_ones.data,
        capacity=form.capacity.data,
        offer_hours=form.offer_hours.data,
    )
    flash(
        _("Event “%(name)s” created. Add its guests below.", name=plain_text(event.name)),
        "success",
    )
    return redirect(url_for("dashboard.event_page", event_id=event.id))


@bp.get("/events/<int:event_id>")
def event_page(event_id: int) -> ResponseReturnValue:
    """The event's charts, its filtered guest table, import form and campaigns."""
    event = require_event(event_id)
    filters = GuestFilters.from_args(request.args)
    stats = events.event_stats(event.id)
    rows, next_after = guest_page(event.id, filters, query_id("after"))
    listed = campaigns.list_campaigns(event.id)
    plans = follow_on_plans(event, listed)
    return render_template(
        "dashboard/event.html",
        event=event,
        stats=stats,
        arrived=arrivals.event_arrivals(event.id, stats),
        rsvp_slices=rsvp_split(stats["rsvp"], stats.get("waitlisted", 0)),
        funnel=delivery_funnel(stats["delivery"], stats["guests"]),
        aside=delivery_aside(stats["delivery"], stats["guests"]),
        filters=filters,
        rows=rows,
        next_after=next_after,
        paged=query_id("after") is not None,
        rsvp_filters=RSVP_FILTERS,
        bucket_labels=BUCKET_LABELS,
        import_form=ImportForm(),
        campaigns=listed,
        here=request.full_path.rstrip("?"),
        languages=LANGUAGE_LABELS,
        guest_language=guest_language,
        invitation_texts=invitation_texts(event),
        question_count=event_questions.count_questions(event.id),
        untold_change=event_changes.untold(event),
        scheduled=scheduled_items(event, listed),
        reminder_form=ReminderForm(formdata=None),
        followup_form=FollowupForm(formdata=None),
        **plans,
        follow_on=plans,
        now=utcnow(),
    )


def follow_on_plans(event: Event, listed: list[Campaign]) -> dict[str, Any]:
    """Pre-flights of a reminder, a follow-up, a thank-you and a missed-you now (defaults),
    and why they can't be sent; none for a kind the event already has active
    (`<kind>_active`: one at a time)."""
    targets = {
        "reminder": campaigns.target(event.id, MessageKind.REMINDER),
        "followup": campaigns.target(event.id, MessageKind.FOLLOWUP),
        "thanks": campaigns.target(event.id, MessageKind.THANKS),
        "missed": campaigns.target(event.id, MessageKind.MISSED),
    }
    found: dict[str, Any] = {}
    for name, target in targets.items():
        active = next(
            (c for c in listed if c.kind == target.kind and c.state in campaigns.ACTIVE), None
        )
        plan = None if active else campaigns.preflight(event.id, target)
        found[f"{name}_active"] = active
        found[f"{name}_plan"] = plan
        found[f"{name}_warning"] = template_warning(plan) if plan else None
    return found


def template_warning(plan: Preflight) -> str | None:
    """In plain words, that the kind has no approved template (as a sentence), if so."""
    note = reach.template_note(plan)
    return f"{note}." if note else None


def invitation_texts(event: Event) -> dict[str, str]:
    """The plain-text invitation of the event in each language, for a guest named Ana."""
    return {language: invitation_text(event, language) for language in LANGUAGE_LABELS}


@bp.post("/guests/<int:guest_id>/language")
def set_guest_language(guest_id: int) -> ResponseReturnValue:
    """Change a guest's language, then go back to the page it came from."""
    language = request.form.get("language", "")
    if language not in LANGUAGE_LABELS:
        abort(
            400,
            description=_("language must be one of %(codes)s", codes=", ".join(LANGUAGE_LABELS)),
        )
    guest = guests.set_language(guest_id, language)
    if guest is None:
        abort(404, description=_("Guest %(id)s does not exist.", id=guest_id))
    flash(
        _(
            "%(name)s will get their messages in %(language)s.",
            name=plain_text(guest.name),
            language=LANGUAGE_LABELS[language],
        ),
        "success",
    )
    back = request.form.get("next") or url_for("dashboard.event_page", event_id=guest.event_id)
    return redirect(safe_next(back))


def can_invite(row: Any) -> bool:
    """Whether the table offers to send this guest's invitation on its own."""
    invitation = row.Invitation
    if row.opted_out or row.Guest.unreachable_code is not None:
        return False
    return invitation is None or invitation.send_state.value in ("failed", "canceled")


bp.add_app_template_global(can_invite, "can_invite")


bp.add_app_template_global(countries.country_name, "country_name")


@bp.app_template_global("numbers_country")
def numbers_country(event: Event) -> str:
    """The name of the country the event's national numbers are read in ("Spain", "España")."""
    default = current_app.config["SETTINGS"].default_phone_region
    return countries.country_name(countries.event_country(event, default), page_language())


@bp.app_template_filter("event_start")
def event_start(starts_at: datetime | None, time_zone: str) -> str:
    """An event's start in its own zone, with the zone's name (as guests read it)."""
    return format_start(starts_at, time_zone, page_language()) or "—"
