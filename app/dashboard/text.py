"""User-written text on the dashboard's pages: shown as written, but never lying on screen.

Every name, venue, note and message a guest or an organiser wrote goes through `user_text`:
isolated from the text around it (`<bdi dir="auto">`), its bidi controls shown as marked
spans instead of reordering it, at most a few combining marks per character, and (unless it
wraps) clipped with an ellipsis, the whole text on hover. Exports write the stored text.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _
from markupsafe import Markup, escape

from app.dashboard import bp
from app.services.user_text import (
    BIDI_CONTROLS,
    cap_marks,
    describe,
    has_visible_text,
    plain_text,
    split_controls,
)

# What separates the fields of a line as written (a refused import line).
SEPARATORS = re.compile(r"([,;\t]\s*)")


def control_mark(char: str) -> Markup:
    """A bidi control made visible: its short name, marked, its Unicode name on hover.

    The mark's own `dir` keeps its Latin letters out of the direction `dir="auto"` picks.
    """
    return Markup('<span class="text-mark" dir="ltr" title="%s">%s</span>') % (
        _("%(name)s: an invisible character that reorders the text after it", name=describe(char)),
        BIDI_CONTROLS[char],
    )


def invisible_mark(text: str) -> Markup:
    """A text with nothing visible in it, said so, its characters named on hover."""
    names = ", ".join(describe(char) for char in text[:20])
    return Markup('<span class="text-mark" dir="ltr" title="%s">%s</span>') % (
        names,
        _("(invisible text)"),
    )


def marked(text: str) -> Markup:
    """`text` escaped, with its bidi controls as marks."""
    return Markup("").join(
        control_mark(part) if index % 2 else escape(part)
        for index, part in enumerate(split_controls(text))
    )


@bp.app_template_filter("user_text")
def user_text(value: str | None, wrap: bool = False) -> Markup:
    """User-written text as written, safely; `wrap` for long text read in full (messages)."""
    text = cap_marks(value or "")
    if not text:
        return Markup("")
    # Blank text (a field of spaces) hides nothing; invisible characters alone do.
    hidden = text.strip() and not has_visible_text(text)
    inner = invisible_mark(text) if hidden else marked(text)
    if wrap:
        return Markup('<bdi dir="auto" class="user-text-wrap">%s</bdi>') % inner
    return Markup('<bdi dir="auto" class="user-text" title="%s">%s</bdi>') % (
        plain_text(text),
        inner,
    )


@bp.app_template_filter("plain_text")
def plain_text_filter(value: str | None) -> str:
    """User-written text where markup can't go (page titles, menu options)."""
    return plain_text(value or "")


@bp.app_template_filter("user_line")
def user_line(text: str) -> Markup:
    """A line as written, each field on its own (`user_text`, wrapping): a phone after an
    Arabic name keeps its digits in order (the bidi algorithm reads them as Arabic numbers)."""
    parts = SEPARATORS.split(text)
    return Markup("").join(
        escape(part) if index % 2 else user_text(part, wrap=True)
        for index, part in enumerate(parts)
    )
