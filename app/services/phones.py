"""Phone numbers: normalise what people type to E.164; convert to and from WhatsApp addresses."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import phonenumbers
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType, ValidationResult

WHATSAPP_PREFIX = "whatsapp:"
# Longer input is never a phone number; bounding it keeps the parser's work bounded too.
MAX_RAW_LENGTH = 64
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
# International call prefixes: 00 (most of the world) and 011 (North America).
_INTERNATIONAL_PREFIX = re.compile(r"^(00|011)(?=[1-9])")
# What WhatsApp reaches: a number that may be a mobile one.
MOBILE = (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)

_PARSE_REASONS = {
    NumberParseException.INVALID_COUNTRY_CODE: _l(
        "unknown country code (write it as +<country code>)"
    ),
    NumberParseException.NOT_A_NUMBER: _l("not a phone number"),
    NumberParseException.TOO_SHORT_AFTER_IDD: _l("too short after the international prefix"),
    NumberParseException.TOO_SHORT_NSN: _l("too short"),
    NumberParseException.TOO_LONG: _l("too long"),
}
_POSSIBLE_REASONS = {
    ValidationResult.INVALID_COUNTRY_CODE: _l("unknown country code"),
    ValidationResult.TOO_SHORT: _l("too short"),
    ValidationResult.TOO_LONG: _l("too long"),
    ValidationResult.INVALID_LENGTH: _l("wrong number of digits for its country"),
}


class InvalidPhoneNumber(ValueError):
    """A phone number that cannot be normalised; `reason` says why, for a person to read (in
    the page's language, when there is a page)."""

    def __init__(self, raw: str, reason: str) -> None:
        super().__init__(f"invalid phone number {raw!r}: {reason}")
        self.raw = raw
        self.reason = reason


def to_e164(raw: str, region: str) -> str:
    """Return `raw` as E.164 (`+14155550100`), reading national numbers as from `region`.

    Accepts what people and spreadsheets write: spaces, dashes, dots, brackets, Arabic-Indic
    digits, a leading `00` or `011` international prefix (whatever `region` dials), and a
    `whatsapp:` prefix. Rejects numbers that are
    not valid for their country (by libphonenumber's metadata), since Twilio would refuse
    them anyway (error 21211).

    Raises:
        InvalidPhoneNumber: with a human-readable `reason`.
    """
    text = raw.strip()
    if text.lower().startswith(WHATSAPP_PREFIX):
        text = text[len(WHATSAPP_PREFIX) :].strip()
    if not text:
        raise InvalidPhoneNumber(raw, _("empty"))
    if len(text) > MAX_RAW_LENGTH:
        raise InvalidPhoneNumber(raw, _("too long"))
    try:
        return _parse_e164(text, region)
    except InvalidPhoneNumber as error:
        # "00971 50 ..." or "011 44 ..." dialled from a country whose prefix differs.
        international = _INTERNATIONAL_PREFIX.sub("+", _digits_only(text), count=1)
        if international.startswith("+"):
            try:
                return _parse_e164(international, region)
            except InvalidPhoneNumber:
                pass
        raise InvalidPhoneNumber(raw, error.reason) from None


def _digits_only(text: str) -> str:
    """The number's digits (any script, as ASCII) and a leading +, without punctuation."""
    digits = "".join(str(unicodedata.digit(c)) for c in text if c.isdigit())
    return ("+" if text.lstrip().startswith("+") else "") + digits


def _parse_e164(text: str, region: str) -> str:
    """Parse and validate one reading of a number; raise InvalidPhoneNumber (no raw text)."""
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException as error:
        reason = _PARSE_REASONS.get(error.error_type) or _l("not a phone number")
        raise InvalidPhoneNumber(text, str(reason)) from None
    possible = phonenumbers.is_possible_number_with_reason(number)
    if possible in _POSSIBLE_REASONS:
        raise InvalidPhoneNumber(text, str(_POSSIBLE_REASONS[possible]))
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneNumber(text, _("not a valid number for its country"))
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def other_reading(raw: str, region: str, countries: Iterable[str]) -> tuple[str, str] | None:
    """The first of `countries` in which `raw`, a national number refused in `region`, is a
    valid mobile number: (that country, the number written internationally), else None.

    International numbers (`+`, `00`, `011`) are what they are: None.
    """
    text = raw.strip()
    if text.lower().startswith(WHATSAPP_PREFIX):
        text = text[len(WHATSAPP_PREFIX) :].strip()
    digits = _digits_only(text)
    if not 6 <= len(digits) <= 17 or digits.startswith("+"):
        return None
    if _INTERNATIONAL_PREFIX.match(digits):
        return None
    for country in countries:
        if country == region:
            continue
        try:
            number = phonenumbers.parse(digits, country)
        except NumberParseException:
            continue
        if phonenumbers.is_valid_number(number) and phonenumbers.number_type(number) in MOBILE:
            return country, phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    return None


def is_e164(value: str) -> bool:
    """Whether `value` is written in E.164 form (a `+`, then 7 to 15 digits)."""
    return bool(_E164.match(value))


def whatsapp_address(e164: str) -> str:
    """Return Twilio's WhatsApp address for an E.164 number: `whatsapp:+14155550100`."""
    if not is_e164(e164):
        raise InvalidPhoneNumber(e164, "not in E.164 form")
    return f"{WHATSAPP_PREFIX}{e164}"


def from_whatsapp_address(address: str) -> str:
    """Return the E.164 number of a Twilio address (`whatsapp:+1415...` or a bare `+1415...`).

    Raises:
        InvalidPhoneNumber: when what follows the prefix is not an E.164 number.
    """
    text = address.strip()
    if text.lower().startswith(WHATSAPP_PREFIX):
        text = text[len(WHATSAPP_PREFIX) :]
    if not is_e164(text):
        raise InvalidPhoneNumber(address, "not a WhatsApp address with an E.164 number")
    return text
