"""The rules of heads: how many a guest may bring (`plus_ones`), how many are coming
(`party_size`), how many may come (an event's `capacity`) and how long a freed seat is held
(`offer_hours`), checked the same way by the API, the dashboard and the import."""

from __future__ import annotations

import math
import re
from typing import Any

from flask_babel import gettext as _

from app.models.event import MAX_CAPACITY, MAX_OFFER_HOURS, MAX_PLUS_ONES

# Hours as a form writes them: digits, a point and more digits ("1.5", ".5", "24").
DECIMAL = re.compile(r"[0-9]*\.?[0-9]+|[0-9]+\.")


def _whole_number(value: Any) -> int | None:
    """The value as a whole number (a number, or digits in text as a sheet writes them:
    "2", "2.0"), or None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip()
        if text.endswith(".0"):
            text = text[:-2]
        return int(text) if text.isdecimal() and len(text) <= 6 else None
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < 1e6 else None
    return value if isinstance(value, int) else None


def check_plus_ones(value: Any, field: str = "plus_ones", *, text: bool = False) -> int:
    """How many people a guest may bring besides themself: a whole number, 0 to 99 (in
    text too when `text`: a sheet's cell, a form's field); ValueError says what is wrong."""
    number = None if isinstance(value, str) and not text else _whole_number(value)
    if number is None or not 0 <= number <= MAX_PLUS_ONES:
        shown = repr(value)[:40]
        raise ValueError(
            _(
                "%(field)s must be a whole number from 0 to %(limit)s, not %(value)s",
                field=field,
                limit=MAX_PLUS_ONES,
                value=shown,
            )
        )
    return number


def allowance(guest_plus_ones: int | None, event_plus_ones: int) -> int:
    """How many a guest may bring: their own allowance, else their event's."""
    return event_plus_ones if guest_plus_ones is None else guest_plus_ones


def check_party_size(value: Any, plus_ones: int, *, text: bool = False) -> int:
    """How many are coming, the guest included: a whole number from 1 to 1 + `plus_ones`
    (in text too when `text`: a form's field); ValueError names the allowance."""
    number = _whole_number(value) if text or not isinstance(value, str) else None
    if number is None or not 1 <= number <= 1 + plus_ones:
        shown = repr(value)[:40]
        if not plus_ones:
            raise ValueError(
                _(
                    "party_size must be a whole number 1 (the guest may bring no one: plus_ones"
                    " is 0), not %(value)s",
                    value=shown,
                )
            )
        raise ValueError(
            _(
                "party_size must be a whole number from 1 to %(most)s (the guest may bring"
                " %(plus_ones)s), not %(value)s",
                most=1 + plus_ones,
                plus_ones=plus_ones,
                value=shown,
            )
        )
    return number


def check_capacity(value: Any, field: str = "capacity", *, text: bool = False) -> int | None:
    """An event's capacity in heads: a whole number from 0 to 1,000,000, or None for no cap
    (in text too when `text`: a form's field, empty for none); ValueError says what is
    wrong."""
    if value is None or (text and isinstance(value, str) and not value.strip()):
        return None
    if text and isinstance(value, str):
        typed = value.strip().removesuffix(".0")
        number = int(typed) if typed.isdecimal() and len(typed) <= 7 else None
    else:
        number = None if isinstance(value, bool | float | str) else _whole_number(value)
    if number is None or not 0 <= number <= MAX_CAPACITY:
        raise ValueError(
            _(
                "%(field)s must be a whole number of heads from 0 to %(limit)s, or null for no"
                " cap, not %(value)s",
                field=field,
                limit=MAX_CAPACITY,
                value=repr(value)[:40],
            )
        )
    return number


def check_offer_hours(value: Any, field: str = "offer_hours", *, text: bool = False) -> float:
    """How long an offered seat is held: hours, fractions allowed, above 0 and at most 720,
    as stored (4 decimals, never 0); in text too when `text` ("1.5", "24"); ValueError says
    what is wrong."""
    number = _decimal_text(value) if text and isinstance(value, str) else value
    if (
        not isinstance(number, int | float)
        or isinstance(number, bool)
        or not math.isfinite(number)
        or not 0 < number <= MAX_OFFER_HOURS
    ):
        raise ValueError(
            _(
                "%(field)s must be a number of hours above 0 and at most %(limit)s (fractions"
                " allowed, e.g. 0.5), not %(value)s",
                field=field,
                limit=MAX_OFFER_HOURS,
                value=repr(value)[:40],
            )
        )
    return round(float(number), 4) or 0.0001


def _decimal_text(value: str) -> float | None:
    """Digits with an optional decimal point ("1.5", ".5", "24") as a number, else None."""
    typed = value.strip()
    return float(typed) if DECIMAL.fullmatch(typed) and len(typed) <= 12 else None
