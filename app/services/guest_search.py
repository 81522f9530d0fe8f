"""What a guest search matches: a name substring in any script, or a phone number's digits.

The search runs in SQL as `ILIKE '%...%'` on the name (and `LIKE '%digits%'` on the phone
for a search that looks like a number), the shape PostgreSQL serves from the trigram
indexes `ix_guests_name_trgm` / `ix_guests_phone_trgm` where pg_trgm exists, and from the
event's guests in id order (`ix_guests_event_id`, filtered) where it does not. Case is
folded by the database's locale: Arabic, accented and any other letters compare as typed.
"""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement

from app.models import Guest

SEARCH_MAX_LENGTH = 100
# A search that looks like a phone number (three digits in a row, among digits and the
# punctuation people type in numbers) also matches phone numbers containing its digits.
PHONE_SEARCH = re.compile(r"[\d\s+().-]*\d{3}[\d\s+().-]*")
# PostgreSQL can't hold NUL in text; lone surrogates can't be encoded.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# LIKE's wildcards and its (default) escape character, to be matched literally.
_LIKE_SPECIAL = re.compile(r"([\\%_])")


def clean_search(raw: str) -> str:
    """The search as typed, leniently: unstorable characters dropped, whitespace collapsed, cut."""
    return " ".join(_UNSTORABLE.sub(" ", raw).split())[:SEARCH_MAX_LENGTH]


def like_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, with `%`, `_` and `\\` taken literally."""
    return "%" + _LIKE_SPECIAL.sub(r"\\\1", text) + "%"


def phone_digits(search: str) -> str | None:
    """The digits to look for in phone numbers, when the search looks like one."""
    if not PHONE_SEARCH.fullmatch(search):
        return None
    return re.sub(r"\D", "", search)


def search_condition(search: str) -> ColumnElement[bool]:
    """Guests whose name contains the search (any case), or whose phone contains its digits.

    The patterns are bound as plain values (no function around the column or the pattern)
    so that the planner sees them and can pick the trigram indexes.
    """
    name = Guest.name.ilike(like_pattern(search))
    digits = phone_digits(search)
    return name | Guest.phone.like(like_pattern(digits)) if digits else name
