"""An event's country, in which its guests' national numbers are read, and countries' names.

An event keeps the ISO 3166 alpha-2 code it was given ("ES"); without one, the country of its
time zone (CLDR's zone territories, through Babel: Europe/Madrid is ES, America/Sao_Paulo
BR), else `DEFAULT_PHONE_REGION`. A national number refused in that country is tried in the
countries its guests most likely come from, so the refusal can say what it probably is.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from types import MappingProxyType
from typing import Any

import phonenumbers
from babel import Locale
from babel.core import UnknownLocaleError, get_global
from flask_babel import get_locale
from flask_babel import gettext as _

from app.models import Event
from app.services.phones import other_reading

# Where the service's languages are spoken most: the countries a refused national number is
# tried in after the event's own, its zone's, the default region and the list's own.
LIKELY_COUNTRIES = ("ES", "MX", "BR", "PT", "FR", "MA", "SA", "AE", "EG", "AR", "CO", "DZ",
                    "TN", "BE", "GB", "US")  # fmt: skip
# "a Spanish number?": the adjective of the likely countries; others are named.
ADJECTIVES = MappingProxyType({
    "ES": "Spanish", "MX": "Mexican", "BR": "Brazilian", "PT": "Portuguese", "FR": "French",
    "MA": "Moroccan", "SA": "Saudi", "AE": "Emirati", "EG": "Egyptian", "AR": "Argentine",
    "CO": "Colombian", "DZ": "Algerian", "TN": "Tunisian", "BE": "Belgian", "GB": "UK",
    "US": "US", "CA": "Canadian", "DE": "German", "IT": "Italian", "CH": "Swiss",
})  # fmt: skip
ENGLISH = Locale("en")


def is_country(code: str) -> bool:
    """Whether `code` is an ISO 3166 alpha-2 country whose numbers can be read ("ES")."""
    return code in phonenumbers.SUPPORTED_REGIONS


def check_country(value: Any) -> str:
    """The country code given (any case, trimmed), upper case; ValueError says what is wrong."""
    if not isinstance(value, str) or not is_country(value.strip().upper()):
        raise ValueError("must be an ISO 3166 country code such as ES, BR or US")
    return value.strip().upper()


def zone_country(time_zone: str | None) -> str | None:
    """The country of an IANA time zone (Europe/Madrid: ES), or None (UTC, unknown)."""
    territories: Mapping[str, str] = get_global("zone_territories")
    country = territories.get(time_zone or "")
    return country if country and is_country(country) else None


def default_country(time_zone: str | None, default_region: str) -> str:
    """The country of a new event: its zone's, else the service's default region."""
    return zone_country(time_zone) or default_region


def event_country(event: Event, default_region: str) -> str:
    """The country the event's national numbers are read in."""
    return event.country or default_country(event.time_zone, default_region)


def likely_countries(event: Event, default_region: str) -> tuple[str, ...]:
    """Where the event's guests most likely come from besides its country: its zone's, and
    the service's default region (tried first for a refused national number)."""
    found = (zone_country(event.time_zone), default_region)
    return tuple(dict.fromkeys(code for code in found if code))


def country_name(code: str, language: str = "en") -> str:
    """A country's name in `language` ("Spain", "España"), or its code when CLDR has none."""
    return str(_locale(language).territories.get(code) or ENGLISH.territories.get(code, code))


@cache
def _locale(language: str) -> Locale:
    """Babel's locale of a language code (English for one Babel doesn't know)."""
    try:
        return Locale.parse(language)
    except (ValueError, UnknownLocaleError):
        return ENGLISH


def number_of(code: str) -> str:
    """How a refusal names a number of that country: "a Spanish number", "an Emirati number",
    "a number of Kenya" (in another page language: "a number of <the country's name>")."""
    adjective = ADJECTIVES.get(code)
    locale = get_locale()
    if locale is not None and locale.language != "en":
        name = locale.territories.get(code) or country_name(code)
        return _("a number of %(country)s", country=name)
    if adjective is None:
        return _("a number of %(country)s", country=country_name(code))
    article = "an" if adjective[0] in "AEIO" else "a"
    return f"{article} {adjective} number"


@cache
def country_choices(language: str = "en") -> tuple[tuple[str, str], ...]:
    """Every country whose numbers can be read, (code, name in `language`), by name."""
    names = ((code, country_name(code, language)) for code in phonenumbers.SUPPORTED_REGIONS)
    return tuple(sorted(names, key=lambda choice: choice[1].casefold()))


@dataclass
class NumberHints:
    """The countries a refused national number is tried in, best guess first: those given
    (the event's zone's, the default region), those of the list's numbers so far (most
    frequent first), then LIKELY_COUNTRIES."""

    region: str
    given: tuple[str, ...] = ()
    seen: Counter[str] = field(default_factory=Counter)

    def note(self, e164: str) -> None:
        """Count the country of an accepted number (the main one of its calling code)."""
        digits = e164.lstrip("+")
        for length in (1, 2, 3):
            regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(int(digits[:length] or 0))
            if regions:
                self.seen[regions[0]] += 1
                return

    def countries(self) -> Iterable[str]:
        """The countries to try, best guess first, without repeats or the region itself."""
        ordered = (*self.given, *(code for code, _ in self.seen.most_common(5)), *LIKELY_COUNTRIES)
        return (code for code in dict.fromkeys(ordered) if code != self.region)

    def hint(self, raw: str) -> str | None:
        """What a refused number probably is: "a Spanish number? +34 631 93 14 91", or None."""
        found = other_reading(raw, self.region, self.countries())
        if found is None:
            return None
        country, written = found
        return f"{number_of(country)}? {written}"
