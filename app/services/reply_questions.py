"""Set a message's questions apart from what it states, in en/es/pt/ar/fr.

"we'll be 3, is there parking nearby?" states a party and asks about parking; "Vamos sim, eu
e o Lucas. Precisa levar alguma coisa?" answers, then asks. A sentence that ends in a
question mark asks from its first clause that starts like a question ("is there", "¿",
"precisa", "هل"); when no clause does, the whole sentence asks ("Can I bring 2, or is it
just me?"), so nothing in it is read as stated.
"""

from __future__ import annotations

import re
from collections.abc import Callable

QUESTION_MARKS = re.compile("[?\u00bf\u061f]")
# Sentences end at a full stop, an exclamation, a question mark or a line; "¿" opens one.
SENTENCES = re.compile("(?<=[.!?\u061f\n\u2026])|(?=\u00bf)")
CLAUSES = re.compile("[,;:\u060c\u061b]")
# First words of a clause that asks (normal form).
QUESTION_WORDS = frozenset(
    ("is", "are", "can", "could", "may", "do", "does", "did", "should", "shall", "will",
     "would", "what", "when", "where", "how", "who", "which", "why", "any", "whats",
     "que", "cual", "cuando", "donde", "como", "quien", "hay", "puedo", "podemos", "se",
     "habra", "tengo", "tenemos", "hace", "necesito", "a",
     "qual", "quando", "onde", "quem", "tem", "posso", "pode", "precisa", "preciso", "vai",
     "e", "devo",
     "est", "quel", "quelle", "quand", "ou", "comment", "qui", "peut", "peux", "pouvons",
     "faut", "y", "dois", "combien", "il", "ya",
     "هل", "ايش", "شو", "وين", "متى", "كيف", "فيه", "في", "اقدر", "نقدر", "ليش", "امتى",
     "فين", "ازاي", "ممكن", "كم")
)  # fmt: skip

# Words of a question about what the message states ("is that ok?", "¿se puede?").
REFERS_BACK = frozenset(
    ("ok", "okay", "fine", "possible", "allowed", "problem", "alright", "that", "posible",
     "problema", "bien", "vale", "eso", "possivel", "bem", "problema", "isso", "pode",
     "probleme", "ca", "cela", "grave", "مشكله", "ينفع", "عادي", "ممكن", "يصير")
)  # fmt: skip

# Words that may open a question before its question word.
LEADING = frozenset(
    ("but", "and", "so", "also", "just", "oh", "btw", "pero", "y", "entonces", "mas", "e",
     "entao", "mais", "et", "alors", "بس", "و", "طيب", "bas", "w")
)  # fmt: skip

WHY = frozenset(("why", "por que", "porque", "pourquoi", "ليش", "ليه", "لماذا", "لم", "lesh",
                 "leh", "3lash", "علاش"))  # fmt: skip


def statements(text: str, normalize: Callable[[str, int], str]) -> str:
    """The text without the parts that ask (`normalize` is `replies.normalize`)."""
    if not QUESTION_MARKS.search(text):
        return text
    kept = []
    for sentence in SENTENCES.split(text):
        if not QUESTION_MARKS.search(sentence):
            kept.append(sentence)
            continue
        clauses = CLAUSES.split(sentence)
        asking = next(
            (i for i, clause in enumerate(clauses) if _asks(clause, normalize)), len(clauses) - 1
        )
        if not REFERS_BACK.isdisjoint(normalize(" ".join(clauses[asking:]), 10**6).split()):
            return ""  # "2 of us, is that ok?" asks about what it states
        kept.append(", ".join(clauses[:asking]) + ".")
    return " ".join(kept)


def without_why(text: str, normalize: Callable[[str, int], str]) -> str:
    """The text without its "why" questions, whose negations answer nothing ("¿por qué no
    vienes?", "ليش لا تجي؟", "pourquoi pas demain ?")."""
    kept = [
        sentence
        for sentence in SENTENCES.split(text)
        if not (QUESTION_MARKS.search(sentence) and _asks_why(sentence, normalize))
    ]
    return " ".join(kept)


def _asks_why(sentence: str, normalize: Callable[[str, int], str]) -> bool:
    """Whether a sentence opens with "why"."""
    words = normalize(sentence, 10**6).split()
    return bool(words) and (words[0] in WHY or " ".join(words[:2]) in WHY)


def _asks(clause: str, normalize: Callable[[str, int], str]) -> bool:
    """Whether a clause starts like a question."""
    if clause.lstrip().startswith("\u00bf"):
        return True
    words = normalize(clause, 10**6).split()
    while words and words[0] in LEADING:  # "... but is it in the evening?"
        words.pop(0)
    return bool(words) and words[0] in QUESTION_WORDS
