"""The language a guest is written to in: the stored one, else the phone's country's, else en.

Below both the sender (which writes invitations) and the services (which read replies and
import guests), so that each asks the same rule.
"""

from __future__ import annotations

from types import MappingProxyType

# Country calling codes whose people are written to in Spanish, Portuguese or Arabic.
COUNTRY_LANGUAGES = MappingProxyType({
    **dict.fromkeys(("34", "51", "52", "53", "54", "56", "57", "58", "240", "502", "503", "504",
                     "505", "506", "507", "591", "593", "595", "598"), "es"),
    **dict.fromkeys(("55", "238", "239", "244", "245", "258", "351", "670"), "pt"),
    **dict.fromkeys(("20", "212", "213", "216", "218", "222", "249", "253", "961", "962", "963",
                     "964", "965", "966", "967", "968", "970", "971", "973", "974"), "ar"),
})  # fmt: skip


def phone_language(phone: str | None) -> str | None:
    """The language a number's country suggests (es, pt, ar), if any."""
    digits = (phone or "").rpartition(":")[2].lstrip("+")
    for length in (3, 2):
        language = COUNTRY_LANGUAGES.get(digits[:length])
        if language:
            return language
    return None


def guest_language(stored: str | None, phone: str | None) -> str:
    """A guest's language: the stored one, else inferred from the phone's country, else en."""
    return stored or phone_language(phone) or "en"
