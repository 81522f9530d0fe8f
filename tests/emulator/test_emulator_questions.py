"""The emulator's guests answer a service's questions: how many are coming with a number in
range, a choice by the number of one of its numbered choices, a text question with a phrase
in their language, nothing else."""

from __future__ import annotations

import random

import pytest

from app.emulator.questions import WORDS, answer_to


@pytest.mark.parametrize(
    "asked",
    [
        "Thanks, noted.\n\nQuestion 2 of 2: Main course?\n1. Fish\n2. Meat\n"
        "Reply with the number of your choice.",
        "Pregunta 1 de 1: ¿Plato principal?\n1. Pescado\n2. Carne",
        "السؤال 1 من 3: الطبق الرئيسي؟\n1. سمك\n2. لحم",
        "Question 1 sur 2 : Plat ?\n1. Poisson\n2. Viande",
    ],
)
def test_a_choice_is_answered_by_one_of_its_numbers(asked: str) -> None:
    answers = {answer_to(asked, "en", random.Random(seed)) for seed in range(20)}
    assert answers == {"1", "2"}


def test_a_text_question_is_answered_in_the_guests_language() -> None:
    answer = answer_to("Pregunta 1 de 2: ¿Alergias?", "es", random.Random(1))
    assert answer in WORDS["es"]


@pytest.mark.parametrize(
    "asked",
    [
        "How many of you are coming, yourself included? Reply with a number from 1 to 3.",
        "¿Cuántas personas vendrán, contándote a ti? Responde con un número del 1 al 3.",
        "Quantas pessoas vêm, contando com você? Responda com um número de 1 a 3.",
        "كم عدد الحضور بما فيهم أنت؟ أرسل رقمًا من 1 إلى 3.",
        "Combien serez-vous, vous compris ? Répondez par un nombre de 1 à 3.",
    ],
)
def test_how_many_are_coming_is_answered_with_a_number_in_range(asked: str) -> None:
    answers = {answer_to(asked, "en", random.Random(seed)) for seed in range(30)}
    assert answers == {"1", "2", "3"}


@pytest.mark.parametrize(
    "said",
    [
        "Thanks, that was our last question.",
        "Thanks, Ana! You're confirmed for Launch party.",
        "See you on the 2 of May: doors at 8.",
    ],
)
def test_words_that_ask_no_question_get_no_answer(said: str) -> None:
    assert answer_to(said, "en", random.Random(1)) is None
