"""Questions a guest answers with a tap: how many are coming, and a one-choice question.

Inside the 24-hour window a yes opened, WhatsApp takes session messages with buttons that
need no approval: Twilio's `twilio/quick-reply` with at most 3 buttons (titles up to 20
characters), else a `twilio/list-picker` of at most 10 items (up to 24 characters, ids up
to 200, descriptions up to 72), bodies up to 1,024 characters. What fits goes as one of
them; what does not (more choices, longer titles, a several-choice question, a text one)
stays a text question. Each content is created once through the Content API and shared
by every guest sent the same words (`key`, a hash of the create request).

A tap comes back with the button's id: `ButtonPayload` for a quick reply, and for a list
item `ListId` (the field reported for WhatsApp list replies; Twilio does not document it)
or else `ButtonPayload`. Its `Body` is the title, so a reader of words still understands
it. Ids: `party_3` (a party of 3) and `answer_<question id>_<choice from 1>`.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from app.models import Question, QuestionKind
from app.sending.notices import party_words
from app.services.event_questions import worded
from app.services.template_rules import MAX_BODY, MAX_BUTTON_TITLE, MAX_BUTTONS

# WhatsApp's limits on a session message's buttons, as Twilio documents them.
MOST_LIST_ITEMS = 10
LIST_ITEM = 24
LIST_ID = 200
LIST_DESCRIPTION = 72
LIST_BUTTON = 20

PARTY_TAP = re.compile(r"^party_(\d{1,3})$")
ANSWER_TAP = re.compile(r"^answer_(\d{1,18})_(\d{1,2})$")

TEXTS = MappingProxyType({
    "en": {"choose": "Choose", "tap": "Tap your answer."},
    "es": {"choose": "Elegir", "tap": "Toca tu respuesta."},
    "pt": {"choose": "Escolher", "tap": "Toque na sua resposta."},
    "ar": {"choose": "اختر", "tap": "اضغط على إجابتك."},
    "fr": {"choose": "Choisir", "tap": "Touchez votre réponse."},
})  # fmt: skip


@dataclass(frozen=True)
class Option:
    """One button or list item: the id a tap brings back, its title and description."""

    id: str
    title: str
    description: str


@dataclass(frozen=True)
class Buttons:
    """A session message with buttons, in one language."""

    body: str
    options: tuple[Option, ...]
    language: str

    @property
    def quick_replies(self) -> bool:
        """Whether it fits WhatsApp's session quick replies (else it is a list)."""
        return len(self.options) <= MAX_BUTTONS and all(
            len(option.title) <= MAX_BUTTON_TITLE for option in self.options
        )

    def content_request(self) -> dict[str, Any]:
        """The Content API create body (`friendly_name` names it by its key's start)."""
        return {"friendly_name": f"ask_{self.key[:16]}", **self._content()}

    def _content(self) -> dict[str, Any]:
        """The content's language, variables and type, as the Content API takes them."""
        if self.quick_replies:
            actions = [
                {"type": "QUICK_REPLY", "title": option.title, "id": option.id}
                for option in self.options
            ]
            types: dict[str, Any] = {"twilio/quick-reply": {"body": self.body, "actions": actions}}
        else:
            items = [
                {"item": option.title, "id": option.id, "description": option.description}
                for option in self.options
            ]
            label = TEXTS.get(self.language, TEXTS["en"])["choose"][:LIST_BUTTON]
            types = {"twilio/list-picker": {"body": self.body, "button": label, "items": items}}
        return {"language": self.language, "variables": {}, "types": types}

    @property
    def key(self) -> str:
        """The hash that names this content (equal words, equal key)."""
        return key_of(self._content())


def key_of(request: dict[str, Any]) -> str:
    """sha256 of a content request, canonical JSON (sorted keys, no spaces)."""
    canonical = json.dumps(request, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def fits(buttons: Buttons) -> bool:
    """Whether a session message can carry these buttons (else: a text question)."""
    options = buttons.options
    return (
        0 < len(options) <= MOST_LIST_ITEMS
        and len(buttons.body) <= MAX_BODY
        and all(
            0 < len(o.title) <= LIST_ITEM
            and len(o.id) <= LIST_ID
            and len(o.description) <= LIST_DESCRIPTION
            for o in options
        )
    )


def party_buttons(asked: str, allowance: int, language: str) -> Buttons | None:
    """How many are coming (`asked`, the question's words), 1 to 1 + the allowance; None
    when that does not fit a list."""
    options = tuple(
        Option(f"party_{n}", str(n), party_words(n, language)) for n in range(1, allowance + 2)
    )
    buttons = Buttons(asked, options, language)
    return buttons if allowance > 0 and fits(buttons) else None


def choice_buttons(question: Question, heading: str, language: str) -> Buttons | None:
    """A one-choice question (`heading`, its number and words) with a button per choice;
    None for a text or several-choice question, or choices that do not fit."""
    if question.kind is not QuestionKind.CHOICE:
        return None
    hint = TEXTS.get(language, TEXTS["en"])["tap"]
    options = tuple(
        Option(f"answer_{question.id}_{number}", title, title)
        for number, choice in enumerate(question.choices, start=1)
        if (title := worded(choice, language).strip())
    )
    if len(options) != len(question.choices):
        return None
    buttons = Buttons(f"{heading}\n{hint}", options, language)
    return buttons if fits(buttons) else None


@dataclass(frozen=True)
class Tap:
    """What a tapped button of ours says: a party size, or a choice of one question."""

    party: int | None = None
    question_id: int | None = None
    choice: int | None = None


def tap_of(params: dict[str, Any], button_payload: str | None) -> Tap | None:
    """The tap a message carries (`ListId`, else `ButtonPayload`), if it is one of ours."""
    tapped = str(params.get("ListId") or button_payload or "").strip()
    party = PARTY_TAP.match(tapped)
    if party:
        return Tap(party=int(party.group(1)))
    answer = ANSWER_TAP.match(tapped)
    if answer:
        return Tap(question_id=int(answer.group(1)), choice=int(answer.group(2)))
    return None
