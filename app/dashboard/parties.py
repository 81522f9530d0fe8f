"""Heads on the dashboard: the plus-ones, party-size, capacity and offer-hold fields of the
forms (checked by `app.services.parties`, refused in plain words) and the guest table's
party cell."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import LazyString, format_number, ngettext
from flask_babel import gettext as _
from wtforms import StringField
from wtforms.validators import ValidationError

from app.dashboard import bp
from app.models import Guest, Invitation, Rsvp
from app.models.event import MAX_CAPACITY, MAX_OFFER_HOURS, MAX_PLUS_ONES
from app.services import parties

# Typed as text: the service reads it, so "1.5" or "two" is refused rather than lost
# (a number box would submit them as empty).
NUMBER_BOX = {"inputmode": "numeric", "autocomplete": "off", "class": "input-count"}
HOURS_BOX = {"inputmode": "decimal", "autocomplete": "off", "class": "input-count"}


def number_field(label: str | LazyString, default: int | None = None) -> StringField:
    """A short box for a whole number, read by this module's functions."""
    return StringField(label, default=default, render_kw=NUMBER_BOX)


def hours_field(label: str | LazyString, default: str | None = None) -> StringField:
    """A short box for hours, fractions allowed, read by `read_offer_hours`."""
    return StringField(label, default=default, render_kw=HOURS_BOX)


def hours_text(hours: object) -> str:
    """Stored hours as people write them: `24`, `1.5`, not `24.0000`."""
    return f"{float(str(hours)):g}"


def read_capacity(text: str | None) -> int | None:
    """The capacity typed, in heads (None when empty: no limit); ValidationError in plain
    words."""
    try:
        return parties.check_capacity(text or "", text=True)
    except ValueError:
        raise ValidationError(
            _(
                "Enter a whole number of people from 0 to %(most)s, or leave it empty"
                " for no limit.",
                most=format_number(MAX_CAPACITY),
            )
        ) from None


def read_approval_above(text: str | None) -> int | None:
    """How many recipients an organiser's campaign may have before it waits for an owner
    (None when empty: the service's setting); ValidationError in plain words."""
    typed = (text or "").strip().replace(",", "")
    if not typed:
        return None
    if not typed.isdecimal() or len(typed) > 7 or int(typed) > MAX_CAPACITY:
        raise ValidationError(
            _(
                "Enter a whole number of guests from 0 to %(most)s, or leave it empty"
                " for the service's setting.",
                most=format_number(MAX_CAPACITY),
            )
        )
    return int(typed)


def read_offer_hours(text: str | None) -> float:
    """The hold typed, in hours (fractions allowed); ValidationError in plain words."""
    try:
        return parties.check_offer_hours(text or "", text=True)
    except ValueError:
        raise ValidationError(
            _(
                "Enter a number of hours above 0 and at most %(most)s, such as 24 or 1.5.",
                most=format_number(MAX_OFFER_HOURS),
            )
        ) from None


def read_plus_ones(text: str | None, blank: int | None) -> int | None:
    """The allowance typed (`blank` when empty); ValidationError in plain words."""
    typed = (text or "").strip()
    if not typed:
        return blank
    try:
        return parties.check_plus_ones(typed, text=True)
    except ValueError:
        if blank is None:
            refusal = _(
                "Enter a whole number from 0 to %(most)s or leave it empty.", most=MAX_PLUS_ONES
            )
        else:
            refusal = _("Enter a whole number from 0 to %(most)s.", most=MAX_PLUS_ONES)
        raise ValidationError(refusal) from None


def read_party_size(text: str | None, plus_ones: int) -> int | None:
    """How many are coming as typed (None when empty: not said), within 1 + `plus_ones`;
    ValidationError says what fits."""
    typed = (text or "").strip()
    if not typed:
        return None
    most = 1 + plus_ones
    try:
        number = parties.check_party_size(typed, MAX_PLUS_ONES, text=True)  # a party at all
    except ValueError:
        raise ValidationError(party_range(plus_ones)) from None
    try:
        return parties.check_party_size(number, plus_ones)
    except ValueError:
        if not plus_ones:
            raise ValidationError(
                _("Their invitation is for them alone: enter 1, or give them plus-ones first.")
            ) from None
        raise ValidationError(
            _(
                "Too many: their invitation is for up to %(most)s people, them included."
                " Raise their plus-ones to allow more.",
                most=most,
            )
        ) from None


def party_range(plus_ones: int) -> str:
    """What a party may be, as the refusal of a number that is none."""
    if not plus_ones:
        return _("Enter 1 (they may bring no one), or leave it empty.")
    return ngettext(
        "Enter a whole number from 1 to %(most)s (them and up to %(num)s other),"
        " or leave it empty.",
        "Enter a whole number from 1 to %(most)s (them and up to %(num)s others),"
        " or leave it empty.",
        plus_ones,
        most=1 + plus_ones,
    )


@dataclass(frozen=True)
class PartyCell:
    """What the guest table says of a guest's party: `text`, a `note` under it, whether the
    party is more than allowed (`over`), and whether it is only the allowance (`quiet`)."""

    text: str
    note: str = ""
    title: str = ""
    over: bool = False
    quiet: bool = False


@bp.app_template_global("party_cell")
def party_cell(guest: Guest, invitation: Invitation | None, event_plus_ones: int) -> PartyCell:
    """The party of a guest who said yes or maybe ("2 of 3"; "1" when they may bring no
    one), the allowance of one who has not answered ("Up to 3"), else a dash."""
    plus_ones = parties.allowance(guest.plus_ones, event_plus_ones)
    most = 1 + plus_ones
    answer = invitation.rsvp if invitation else None
    if answer is Rsvp.DECLINED or (answer is None and guest.party_size is None):
        if answer is None and plus_ones:
            return PartyCell(
                _("Up to %(most)s", most=most),
                title=_("They may bring %(count)s", count=plus_ones),
                quiet=True,
            )
        return PartyCell("—")
    size = guest.party_size or 1
    title = ngettext(
        "%(num)s person coming, of up to %(most)s",
        "%(num)s people coming, of up to %(most)s",
        size,
        most=most,
    )
    if size > most:
        return PartyCell(
            str(size), note=_("Over the limit of %(most)s", most=most), title=title, over=True
        )
    if not plus_ones:
        return PartyCell(str(size), title=_("Their invitation is for them alone"))
    note = "" if guest.party_size else _("Not said yet")
    return PartyCell(_("%(size)s of %(most)s", size=size, most=most), note=note, title=title)
