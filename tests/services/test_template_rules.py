"""The organiser's chips as WhatsApp needs them: numbered in order of first use, each number
remembering its engine variable; the preview with sample values."""

from __future__ import annotations

from app.services.template_rules import body_problems, number_chips, preview, samples


def test_chips_are_numbered_in_order_of_first_use() -> None:
    numbered, problems = number_chips(
        "Hola {guest}, tu página es {page_url} y {guest}, te esperamos en {event} con alegría."
    )

    assert problems == []
    assert numbered.text == (
        "Hola {{1}}, tu página es {{2}} y {{1}}, te esperamos en {{3}} con alegría."
    )
    assert numbered.variables == {"1": "1", "2": "page_url", "3": "2"}
    assert body_problems(numbered) == []
    assert samples(numbered, "es", None) == {
        "1": "Lucía",
        "2": "https://invites.example.com/e/sample",
        "3": "la fiesta de verano",
    }


def test_a_text_without_chips_needs_only_words() -> None:
    numbered, problems = number_chips("Te esperamos el sábado.")

    assert (numbered.variables, problems, body_problems(numbered)) == ({}, [], [])


def test_the_preview_shows_sample_values_and_leaves_unknown_braces() -> None:
    assert preview("مرحبًا {guest} في {venue} {other}", "ar") == "مرحبًا ليلى في قاعة المدينة {other}"
