"""The dashboard's forms (Flask-WTF: every POST form carries a CSRF token)."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    FloatField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields import DateTimeLocalField, EmailField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError
from wtforms.widgets import NumberInput

from app.config import is_time_zone
from app.dashboard.parties import (
    hours_field,
    number_field,
    read_capacity,
    read_offer_hours,
    read_plus_ones,
)
from app.i18n import language
from app.models.base import utcnow
from app.services.campaigns import (
    DEFAULT_FOLLOWUP_DAYS,
    DEFAULT_REMINDER_HOURS,
    MAX_AHEAD,
    MAX_FOLLOWUP_DELAY,
    MAX_REMINDER_LEAD,
)
from app.services.conversations import REPLY_MAX_LENGTH
from app.services.countries import country_choices
from app.services.guest_upload import text_problem
from app.services.guests import NAME_MAX_LENGTH, NameProblem, clean_name

VENUE_MAX_LENGTH = 300
# Years PostgreSQL and Python both represent once converted to UTC (as the API allows).
MIN_YEAR, MAX_YEAR = 1900, 9998
TIME_ZONE_MAX_LENGTH = 64
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
# A send time this far in the past still means "now" (the minute it took to submit).
PAST_GRACE = timedelta(minutes=1)


def year_out_of_range() -> str:
    """Why a date's year is refused, in the page's language."""
    return _("Pick a year between %(first)s and %(last)s.", first=MIN_YEAR, last=MAX_YEAR)


class LoginForm(FlaskForm):
    """Email and password."""

    email = EmailField(
        _l("Email"),
        validators=[InputRequired(), Length(max=254)],
        render_kw={"autocomplete": "username", "autofocus": True, "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me signed in on this device"))
    next = HiddenField()


class EventForm(FlaskForm):
    """A new event: name, optional start time (in the browser's time zone), venue, country
    (where its guests' national numbers are read), whether replies may change a guest's
    language, how many people each guest may bring, how many may come (past it, yeses are
    waitlisted) and how long a freed seat is held for the next in line."""

    name = StringField(_l("Event name"), validators=[InputRequired(), Length(max=NAME_MAX_LENGTH)])
    starts_at = DateTimeLocalField(
        _l("Date and time"),
        validators=[Optional()],
        format=DATETIME_FORMATS,
    )
    venue = StringField(_l("Venue"), validators=[Optional(), Length(max=VENUE_MAX_LENGTH)])
    # Proposed by the page's script (the browser's IANA zone), editable; the event keeps it.
    time_zone = StringField(
        _l("Time zone"),
        validators=[Optional(), Length(max=TIME_ZONE_MAX_LENGTH)],
        render_kw={"data-time-zone": "", "spellcheck": "false", "autocomplete": "off"},
    )
    # Empty: the time zone's country, else DEFAULT_PHONE_REGION (`app.services.countries`).
    country = SelectField(
        _l("Country of the guests' numbers"),
        choices=lambda: [
            SelectChoice("", _l("The time zone's country")),
            *(SelectChoice(code, name) for code, name in country_choices(language())),
        ],
        default="",
    )
    language_from_replies = BooleanField(
        _l("A reply in another language changes the guest's language")
    )
    passes = BooleanField(_l("Give each guest who says yes a pass for the door"))
    # `number_field` types its label `str`; the lazy one becomes one when rendered.
    plus_ones = number_field(cast(str, _l("Plus-ones per guest")), default=0)
    capacity = number_field(cast(str, _l("Capacity (people)")))
    offer_hours = hours_field(cast(str, _l("Offer hold (hours)")), default="24")

    def validate_plus_ones(self, field: Any) -> None:
        """A whole number from 0 to 99; empty is 0 (guests come alone)."""
        field.data = read_plus_ones(field.data, blank=0)

    def validate_capacity(self, field: Any) -> None:
        """Heads that may come, as the API takes them; empty: no limit."""
        field.data = read_capacity(field.data)

    def validate_offer_hours(self, field: Any) -> None:
        """How long a freed seat is held, as the API takes it (fractions allowed)."""
        field.data = read_offer_hours(field.data)

    def validate_time_zone(self, field: Any) -> None:
        """Accept IANA zone names only ("Europe/Lisbon")."""
        field.data = (field.data or "").strip()
        if field.data and not is_time_zone(field.data):
            raise ValidationError(_("Pick an IANA time zone such as Europe/Lisbon or UTC."))

    def zone_name(self, default: str) -> str:
        """The event's zone: the one entered, else `default`."""
        return self.time_zone.data or default

    def validate_name(self, field: Any) -> None:
        """Apply the API's rules for names (trimmed, no control characters)."""
        try:
            field.data = clean_name(field.data or "")
        except NameProblem as error:
            sentence = error.sentence  # "name is empty", in the page's language
            raise ValidationError(f"{sentence[:1].upper()}{sentence[1:]}.") from None

    def validate_venue(self, field: Any) -> None:
        """Refuse text PostgreSQL can't store."""
        field.data = (field.data or "").strip() or None
        if field.data and text_problem(field.data):
            raise ValidationError(
                _("The venue contains characters that can't be stored (NUL or invalid Unicode).")
            )

    def validate_starts_at(self, field: Any) -> None:
        """Keep dates within what the database stores."""
        if field.data is not None and not MIN_YEAR <= field.data.year <= MAX_YEAR:
            raise ValidationError(year_out_of_range())

    def starts_at_utc(self, default_zone: str = "UTC") -> datetime | None:
        """The start time in UTC, reading the entered time in the event's time zone."""
        if self.starts_at.data is None:
            return None
        zone = browser_zone(self.zone_name(default_zone))
        return self.starts_at.data.replace(tzinfo=zone).astimezone(UTC)


def browser_zone(name: str | None) -> tzinfo:
    """The named IANA time zone, or UTC when it is missing or unknown."""
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return UTC


class SendAtForm(FlaskForm):
    """When a campaign starts: empty for now, else a time in the event's zone."""

    send_at = DateTimeLocalField(
        _l("Send at (optional, in the event's zone)"),
        validators=[Optional()],
        format=DATETIME_FORMATS,
    )

    def __init__(self, *args: Any, time_zone: str = "UTC", **kwargs: Any) -> None:
        """Read the entered time in `time_zone` (the event's)."""
        super().__init__(*args, **kwargs)
        self.zone = browser_zone(time_zone)

    def send_at_utc(self) -> datetime | None:
        """The entered time in UTC, or None for "now"."""
        if self.send_at.data is None:
            return None
        return self.send_at.data.replace(tzinfo=self.zone).astimezone(UTC)

    def validate_send_at(self, field: Any) -> None:
        """Refuse times more than a minute past, or more than a year ahead."""
        if field.data is None:
            return
        if not MIN_YEAR <= field.data.year <= MAX_YEAR:
            raise ValidationError(year_out_of_range())
        send_at, now = self.send_at_utc(), utcnow()
        assert send_at is not None
        if send_at < now - PAST_GRACE:
            raise ValidationError(
                _("This time has passed. Pick a time to come, or leave it empty.")
            )
        if send_at > now + MAX_AHEAD:
            raise ValidationError(_("Pick a time within a year."))


class MoveForm(SendAtForm):
    """A scheduled campaign's new time, in the event's zone."""

    send_at = DateTimeLocalField(
        _l("New time (in the event's zone)"),
        validators=[InputRequired()],
        format=DATETIME_FORMATS,
    )


class NumberField(FloatField):
    """A number in a number box, shown as people write it: `24`, not `24.0`."""

    widget = NumberInput(step="any", min=0)

    def _value(self) -> str:
        """What the box shows: as typed, else the number without a needless `.0`."""
        if self.raw_data:
            return str(self.raw_data[0])
        return "" if self.data is None else f"{self.data:g}"


# What `positive_up_to` says of a number out of range, by the unit the number counts.
OUT_OF_RANGE = {
    "hours": _l("Enter a number of hours more than 0 and at most %(max)s."),
    "days": _l("Enter a number of days more than 0 and at most %(max)s."),
}


def positive_up_to(maximum: float, unit: str) -> Callable[[Any, Any], None]:
    """A validator of a number more than 0 and at most `maximum` (`unit`: hours or days)."""

    def check(form: Any, field: Any) -> None:
        value = field.data
        if value is None or not math.isfinite(value) or not 0 < value <= maximum:
            raise ValidationError(str(OUT_OF_RANGE[unit]) % {"max": f"{maximum:g}"})

    return check


class ReminderForm(FlaskForm):
    """A reminder to confirmed guests, some hours before the event starts."""

    hours_before = NumberField(
        _l("Hours before the start"),
        default=DEFAULT_REMINDER_HOURS,
        validators=[positive_up_to(MAX_REMINDER_LEAD.total_seconds() / 3600, "hours")],
        render_kw={"inputmode": "decimal"},
    )
    include_maybe = BooleanField(_l("Include guests who answered maybe"))


class FollowupForm(FlaskForm):
    """A follow-up to guests who have not answered, some days after delivery."""

    after_days = NumberField(
        _l("Days after delivery"),
        default=DEFAULT_FOLLOWUP_DAYS,
        validators=[positive_up_to(MAX_FOLLOWUP_DELAY.days, "days")],
        render_kw={"inputmode": "decimal"},
    )


class ImportForm(FlaskForm):
    """Guests from a CSV or Excel file, or pasted lines of `name, phone`."""

    file = FileField(_l("CSV or Excel file, with a header row naming the name and phone columns"))
    pasted = TextAreaField(
        _l("Or paste guests, one per line: name, phone"),
        render_kw={"rows": 6, "spellcheck": "false", "dir": "auto"},
    )

    def validate(self, extra_validators: Any = None) -> bool:
        """Accept exactly one source: a file or pasted text."""
        if not super().validate(extra_validators):
            return False
        has_file = bool(self.file.data and getattr(self.file.data, "filename", ""))
        has_text = bool((self.pasted.data or "").strip())
        if has_file == has_text:
            self.pasted.errors = [
                _("Choose a file or paste guests, not both.")
                if has_file
                else _("Choose a file or paste at least one guest.")
            ]
            return False
        return True


class ReplyForm(FlaskForm):
    """The organiser's reply to one guest, in their own words."""

    body = TextAreaField(
        _l("Your reply"),
        validators=[InputRequired(), Length(max=REPLY_MAX_LENGTH)],
        render_kw={"rows": 3, "dir": "auto", "maxlength": REPLY_MAX_LENGTH},
    )
