"""`app.services.countries` and `language_names`: an event's country, hints, language values."""

from __future__ import annotations

import pytest

from app.models import Event
from app.services.countries import (
    NumberHints,
    check_country,
    country_choices,
    event_country,
    likely_countries,
    number_of,
    zone_country,
)
from app.services.guest_upload import fold_title
from app.services.language_names import LANGUAGE_NAMES, read_language
from app.services.phones import other_reading


@pytest.mark.parametrize(
    ("zone", "country"),
    [
        ("Europe/Madrid", "ES"),
        ("America/Sao_Paulo", "BR"),
        ("Asia/Riyadh", "SA"),
        ("Africa/Casablanca", "MA"),
        ("Europe/Paris", "FR"),
        ("UTC", None),
        ("Etc/UTC", None),  # CLDR's "ZZ": no country
        ("Not/AZone", None),
        (None, None),
    ],
)
def test_the_country_of_a_time_zone(zone: str | None, country: str | None) -> None:
    assert zone_country(zone) == country


def test_an_events_country_its_own_else_its_zones_else_the_default() -> None:
    assert event_country(Event(time_zone="Europe/Madrid", country="MA"), "US") == "MA"
    assert event_country(Event(time_zone="Europe/Madrid"), "US") == "ES"
    assert event_country(Event(time_zone="UTC"), "GB") == "GB"
    assert likely_countries(Event(time_zone="Europe/Madrid", country="MA"), "US") == ("ES", "US")
    assert likely_countries(Event(time_zone="UTC"), "US") == ("US",)


@pytest.mark.parametrize(("value", "code"), [("es", "ES"), (" BR ", "BR"), ("gb", "GB")])
def test_a_country_code_in_any_case(value: str, code: str) -> None:
    assert check_country(value) == code


@pytest.mark.parametrize("value", ["", "Spain", "XX", "ZZ", None, 34])
def test_what_is_not_a_country_code(value: object) -> None:
    with pytest.raises(ValueError, match="ISO 3166"):
        check_country(value)


def test_countries_by_name_and_how_a_refusal_names_their_numbers() -> None:
    choices = dict(country_choices())
    assert (choices["ES"], choices["MA"], len(choices)) == ("Spain", "Morocco", 245)
    assert [name for _, name in country_choices()] == sorted(choices.values())
    assert number_of("ES") == "a Spanish number"
    assert number_of("AE") == "an Emirati number"
    assert number_of("US") == "a US number"
    assert number_of("KE") == "a number of Kenya"


@pytest.mark.parametrize(
    ("raw", "region", "countries", "found"),
    [
        ("631931491", "US", ("ES",), ("ES", "+34 631 93 14 91")),
        ("651 850 671", "US", ("BR", "ES"), ("ES", "+34 651 85 06 71")),  # not a Brazilian one
        ("whatsapp:631931491", "US", ("ES",), ("ES", "+34 631 93 14 91")),
        ("631931491", "ES", ("ES",), None),  # the region itself is never suggested
        ("+34 631", "US", ("ES",), None),  # international: it is what it says
        ("0034 631", "US", ("ES",), None),
        ("912345678", "US", ("ES",), None),  # a Spanish landline: WhatsApp would not reach it
        ("12", "US", ("ES",), None),
    ],
)
def test_another_reading_of_a_refused_national_number(
    raw: str, region: str, countries: tuple[str, ...], found: tuple[str, str] | None
) -> None:
    assert other_reading(raw, region, countries) == found


def test_hints_try_the_given_countries_then_the_lists_then_the_likely_ones() -> None:
    hints = NumberHints("US", given=("BR",))
    assert list(hints.countries())[:3] == ["BR", "ES", "MX"]
    for _ in range(2):
        hints.note("+212612345678")
    hints.note("+34612345678")
    assert list(hints.countries())[:4] == ["BR", "MA", "ES", "MX"]
    assert hints.hint("0612345678") == "a Moroccan number? +212 6 12 34 56 78"
    assert hints.hint("12") is None


@pytest.mark.parametrize(
    ("value", "language"),
    [
        ("Francés", "fr"),
        ("français", "fr"),
        ("FRANCÊS", "fr"),
        ("الفرنسية", "fr"),
        ("French", "fr"),
        ("fr", "fr"),
        ("Español", "es"),
        ("espanhol", "es"),
        ("Anglais", "en"),
        ("Portugais", "pt"),
        ("árabe", "ar"),
    ],
)
def test_language_names_in_every_language(value: str, language: str) -> None:
    assert read_language(value, "+14155550100") == (language, None)


def test_every_language_name_is_written_folded() -> None:
    for name in LANGUAGE_NAMES:
        assert fold_title(name) == name, name


@pytest.mark.parametrize(
    ("value", "phone", "language", "warning"),
    [
        (None, "+212612345678", "ar", None),
        ("  ", "+33612345678", "fr", None),
        (
            "Darija",
            "+212612345678",
            "ar",
            "language 'Darija' is not one of en, es, pt, ar, fr: imported in ar"
            " (from the phone's country)",
        ),
        (
            "klingon",
            "+14155550100",
            "en",
            "language 'klingon' is not one of en, es, pt, ar, fr: imported in en (the default)",
        ),
        (7, "+34612345678", "es", "language '7' is not one of en, es, pt, ar, fr: imported in es"
         " (from the phone's country)"),
    ],
)  # fmt: skip
def test_an_unknown_language_is_a_warning_not_a_refusal(
    value: object, phone: str, language: str, warning: str | None
) -> None:
    assert read_language(value, phone) == (language, warning)
