"""The language a guest is written to in: the stored one, else the phone's country's, else en.

Below both the sender (which writes invitations) and the services (which read replies and
import guests), so that each asks the same rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import MappingProxyType

from babel import Locale

# Country calling codes whose people are written to in Spanish, Portuguese, Arabic or
# French: where that language is the one most people there read and would expect. French:
# France with its overseas departments and territories, Monaco, and the West and Central
# African states where French is the shared written language (Senegal, Mali, Guinea, Côte
# d'Ivoire, Burkina Faso, Niger, Togo, Benin, the Central African Republic, Cameroon, Gabon,
# both Congos). Not Belgium or Switzerland (most people there speak Dutch or German), nor
# Luxembourg, Canada (+1 is shared with the US), Haiti (Creole first) or the Maghreb, whose
# guests keep Arabic: there the organiser's language column says French (an import reads
# "Francés", "français", ...).
COUNTRY_LANGUAGES = MappingProxyType({
    **dict.fromkeys(("34", "51", "52", "53", "54", "56", "57", "58", "240", "502", "503", "504",
                     "505", "506", "507", "591", "593", "595", "598"), "es"),
    **dict.fromkeys(("55", "238", "239", "244", "245", "258", "351", "670"), "pt"),
    **dict.fromkeys(("20", "212", "213", "216", "218", "222", "249", "253", "961", "962", "963",
                     "964", "965", "966", "967", "968", "970", "971", "973", "974"), "ar"),
    **dict.fromkeys(("33", "377", "262", "508", "590", "594", "596", "681", "687", "689",
                     "221", "223", "224", "225", "226", "227", "228", "229", "236", "237",
                     "241", "242", "243"), "fr"),
})  # fmt: skip


def phone_language(phone: str | None) -> str | None:
    """The language a number's country suggests (es, pt, ar, fr), if any."""
    digits = (phone or "").rpartition(":")[2].lstrip("+")
    for length in (3, 2):
        language = COUNTRY_LANGUAGES.get(digits[:length])
        if language:
            return language
    return None


def guest_language(stored: str | None, phone: str | None) -> str:
    """A guest's language: the stored one, else inferred from the phone's country, else en."""
    return stored or phone_language(phone) or "en"


ENGLISH = Locale("en")


def language_name(code: str) -> str:
    """A language's name in English, from CLDR ("es": "Spanish")."""
    return str(ENGLISH.languages.get(code, code))


def names(codes: Iterable[str]) -> str:
    """Languages named in English and joined: "Spanish", "Spanish and French"."""
    named = [language_name(code) for code in codes]
    return "".join(named) if len(named) < 2 else ", ".join(named[:-1]) + " and " + named[-1]
