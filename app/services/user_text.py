"""What people write that a screen would hide or misdraw: invisible text, bidi controls, marks.

Names and messages are stored as written; these functions say what is in them and give the
form a page may show (the dashboard's `user_text` filter builds on them).
"""

from __future__ import annotations

import re
import unicodedata

# The embeddings, overrides and isolates: invisible, they reorder the text after them
# ("Admin\u202egnp.exe" reads "Adminexe.png").
BIDI_CONTROLS = {
    "\u202a": "LRE",
    "\u202b": "RLE",
    "\u202c": "PDF",
    "\u202d": "LRO",
    "\u202e": "RLO",
    "\u2066": "LRI",
    "\u2067": "RLI",
    "\u2068": "FSI",
    "\u2069": "PDI",
}
_BIDI_SPLIT = re.compile(f"([{''.join(BIDI_CONTROLS)}])")
# Marks kept on one base character: Vietnamese needs 2, Arabic harakat 2, Hebrew points 3-4;
# more is text drawn over the lines around it.
MAX_MARKS = 4
# Drawn as nothing: controls, format characters (zero-width spaces and joiners, word joiner,
# BOM, bidi controls), separators, and marks with no base character.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Me"})
# Letters and symbols fonts draw blank: the Hangul fillers and the empty Braille pattern.
_BLANK_CHARACTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
_MARKS = frozenset({"Mn", "Me"})
INVISIBLE_LABEL = "(invisible text)"


def is_visible(char: str) -> bool:
    """Whether one character draws something on its own."""
    if char.isspace() or char in _BLANK_CHARACTERS:
        return False
    return unicodedata.category(char) not in _INVISIBLE_CATEGORIES


def has_visible_text(text: str) -> bool:
    """Whether anything is left of `text` once invisible characters are removed."""
    return any(is_visible(char) for char in text)


def cap_marks(text: str, limit: int = MAX_MARKS) -> str:
    """`text` with at most `limit` combining marks on each base character."""
    kept: list[str] = []
    marks = 0
    for char in text:
        category = unicodedata.category(char)
        if category in _MARKS:
            marks += 1
            if marks > limit:
                continue
        elif category != "Cf":  # a joiner between marks keeps them on the same character
            marks = 0
        kept.append(char)
    return "".join(kept)


def split_controls(text: str) -> list[str]:
    """`text` split around its bidi controls: text, control, text, ... (odd items controls)."""
    return _BIDI_SPLIT.split(text)


def describe(char: str) -> str:
    """A character as Unicode names it: `U+202E RIGHT-TO-LEFT OVERRIDE`."""
    return f"U+{ord(char):04X} {unicodedata.name(char, 'UNNAMED')}"


def plain_text(text: str) -> str:
    """The form of `text` for places without markup (tooltips, page titles, menus):
    marks capped, bidi controls written as `[RLO]`, an all-invisible text said to be."""
    text = cap_marks(text)
    if text and not has_visible_text(text):
        return INVISIBLE_LABEL
    return "".join(
        f"[{BIDI_CONTROLS[part]}]" if index % 2 else part
        for index, part in enumerate(split_controls(text))
    )
