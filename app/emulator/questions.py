"""The emulator's guests answer the questions a service asks them after their yes.

A TwiML answer that asks how many are coming ("Reply with a number from 1 to 3", in any of
en/es/pt/ar/fr) gets a number in that range; one that asks "Question 1 of 2: ..." is
answered like a guest would: a choice question by the number of one of its numbered
choices, a question in their own words by a short phrase in their language. The service's
last words ("that was our last question") ask nothing, so the exchange ends.
"""

from __future__ import annotations

import random
import re
from types import MappingProxyType

# "Question 1 of 2:", "Pregunta 1 de 2:", "Question 1 sur 2 :", "السؤال 1 من 2:".
ASKED = re.compile(r"\b\d+ (?:of|de|sur|من) \d+ ?:")
CHOICE = re.compile(r"^(\d+)\. ", re.MULTILINE)
# "from 1 to 3", "del 1 al 3", "de 1 a 3", "de 1 à 3", "من 1 إلى 3": how many are coming.
HOW_MANY = re.compile(r"(?:from|del|de|من) 1 (?:to|al|a|à|إلى) (\d+)")
WORDS = MappingProxyType({
    "en": ("No nuts, please", "Nothing special", "Vegetarian", "Gluten free for me"),
    "es": ("Sin gluten, por favor", "Nada especial", "Vegetariana", "Sin frutos secos"),
    "pt": ("Sem glúten, por favor", "Nada de especial", "Vegetariana", "Sem nozes"),
    "ar": ("بدون مكسرات من فضلك", "لا شيء", "نباتي", "بدون جلوتين"),
    "fr": ("Sans gluten, merci", "Rien de particulier", "Végétarien", "Pas de noix"),
})  # fmt: skip


def answer_to(text: str, language: str, rng: random.Random) -> str | None:
    """A guest's answer to the question `text` asks, or None when it asks none."""
    how_many = HOW_MANY.search(text)
    if how_many:
        return str(rng.randint(1, int(how_many.group(1))))
    if not ASKED.search(text):
        return None
    choices = CHOICE.findall(text)
    if choices:
        return rng.choice(choices)
    return rng.choice(WORDS.get(language, WORDS["en"]))
