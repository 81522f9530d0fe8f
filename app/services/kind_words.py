"""Each kind of message as a dashboard sentence names it ("the approved Spanish invitation"),
in the page's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.sending.kinds import kind_of

KIND_WORDS = {
    "invitation": _l("invitation"),
    "reminder": _l("reminder"),
    "followup": _l("follow-up"),
    "reply": _l("reply"),
    "offer": _l("offer"),
    "update": _l("update"),
    "cancellation": _l("cancellation"),
    "thanks": _l("thank-you"),
    "missed": _l("missed-you"),
    "pass": _l("pass"),
}


def kind_word(kind: str) -> str:
    """A kind of message as a sentence names it, in the page's language ("invitation")."""
    word = KIND_WORDS.get(kind)
    return str(word) if word is not None else kind_of(kind).label.lower()
