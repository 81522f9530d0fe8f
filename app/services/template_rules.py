"""What the organiser writes, as WhatsApp needs it: chips to numbered variables, Meta's rules.

The organiser writes chips (`{guest}`, `{event}`, `{when}`, `{venue}`, `{page_url}`, and
the kind's own: an update's `{changed}`, an offer's `{until}`: `KIND_CHIPS`); a
template sent for approval numbers them in order of first use (`{{1}}`, `{{2}}`, ...: Meta
wants them in order, without gaps) and remembers which engine variable each number takes.
The checks are the ones Meta rejects by (the emulator plays Meta by the same list), so that
the organiser learns before waiting a day for a review.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

# Chip -> the engine's variable (`app.sending.message.content_variables`).
CHIPS = MappingProxyType({
    "guest": "1", "event": "2", "when": "3", "venue": "4", "page_url": "page_url",
    "changed": "changed", "until": "hold_until", "party": "party", "code": "code",
})  # fmt: skip
CHIP_LABELS = MappingProxyType(
    {
        "guest": _l("Guest name"),
        "event": _l("Event"),
        "when": _l("Date and time"),
        "venue": _l("Venue"),
        "page_url": _l("Guest page link"),
        "changed": _l("What changed"),
        "until": _l("Held until"),
        "party": _l("Party"),
        "code": _l("Pass code"),
    }
)
COMMON_CHIPS = ("guest", "event", "when", "venue", "page_url")
# The chips each kind of message has values for: the common ones, and its own.
KIND_CHIPS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "update": ("guest", "event", "changed", "when", "venue", "page_url"),
    "offer": ("guest", "event", "until", "when", "venue", "page_url"),
    "pass": ("guest", "event", "when", "venue", "party", "code", "page_url"),
})  # fmt: skip
# A pass template's media URL: its image under `<PUBLIC_BASE_URL>/e/`, the path a variable
# of its own (Twilio's `twilio/media`: a static domain, the variable in the path), and the
# sample path Meta fetches (a sample card the service serves).
PASS_PATH = "pass_path"  # noqa: S105 - a variable name
SAMPLE_PASS_CODE = "K7QM2XDP"  # noqa: S105 - the sample card's
SAMPLE_PASS_PATH = f"sample/pass/{SAMPLE_PASS_CODE}.png"
CHIP = re.compile(r"\{([a-z_]+)\}")
NUMBERED = re.compile(r"\{\{\s*\w+\s*\}\}")
MAX_BODY = 1024
MAX_BUTTON_TITLE = 20
MAX_BUTTONS = 3
WORDS_PER_VARIABLE = 2
WORD = re.compile(r"\w+")
ADJACENT = re.compile(r"\}\}[^\w{}]*\{\{")
AT_START = re.compile(r"^[^\w{]*\{\{")
AT_END = re.compile(r"\}\}[^\w}]*$")
# What each chip shows in the preview and in the samples Meta reviews, per language.
SAMPLES: Mapping[str, Mapping[str, str]] = MappingProxyType({
    "en": {"guest": "Ana", "event": "Summer party", "when": "Sat, Jun 5, 2027, 7:30 PM",
           "venue": "Town Hall", "changed": "the time and the venue",
           "until": "Fri, Jun 4, 2027, 9:00 PM", "party": "3 people", "code": "K7QM-2XDP"},
    "es": {"guest": "Lucía", "event": "la fiesta de verano",
           "when": "sáb, 5 jun 2027, 19:30", "venue": "el Ayuntamiento",
           "changed": "la hora y el lugar", "until": "vie, 4 jun 2027, 21:00",
           "party": "3 personas", "code": "K7QM-2XDP"},
    "pt": {"guest": "Ana", "event": "a festa de verão", "when": "sáb., 5 de jun. de 2027 19:30",
           "venue": "a Câmara Municipal", "changed": "o horário e o local",
           "until": "sex., 4 de jun. de 2027 21:00", "party": "3 pessoas", "code": "K7QM-2XDP"},
    "ar": {"guest": "ليلى", "event": "حفل الصيف", "when": "السبت، 5 يونيو 2027، 7:30 م",
           "venue": "قاعة المدينة", "changed": "الموعد والمكان",
           "until": "الجمعة، 4 يونيو 2027، 9:00 م", "party": "3 أشخاص", "code": "K7QM-2XDP"},
    "fr": {"guest": "Léa", "event": "la fête d'été", "when": "sam. 5 juin 2027, 19:30",
           "venue": "la mairie", "changed": "l'heure et le lieu",
           "until": "ven. 4 juin 2027, 21:00", "party": "3 personnes", "code": "K7QM-2XDP"},
})  # fmt: skip
SAMPLE_PAGE = "https://invites.example.com/e/sample"


@dataclass(frozen=True)
class Numbered:
    """A text with its chips numbered for WhatsApp, and the engine variable of each number."""

    text: str
    variables: dict[str, str]  # "1" -> "1" (guest), "2" -> "page_url", ...
    chips: tuple[str, ...]  # the chips in number order


def chips_of(kind: str) -> tuple[str, ...]:
    """The chips a kind of message has values for."""
    return KIND_CHIPS.get(kind, COMMON_CHIPS)


def number_chips(body: str, kind: str = "invitation") -> tuple[Numbered, list[str]]:
    """Number the chips of `body` in order of first use; return it and the problems found
    (a chip the kind has no value for among them)."""
    problems = []
    if NUMBERED.search(body):
        problems.append(_("Write variables with the chips ({guest}, ...), not as {{1}}."))
    order: list[str] = []
    allowed = chips_of(kind)
    for name in CHIP.findall(body):
        if name not in allowed:
            problems.append(
                _(
                    "%(chip)s is not a variable of this message: use one of the chips.",
                    chip="{" + name + "}",
                )
            )
        elif name not in order:
            order.append(name)

    def numbered(match: re.Match[str]) -> str:
        name = match.group(1)
        return f"{{{{{order.index(name) + 1}}}}}" if name in order else match.group(0)

    text = CHIP.sub(numbered, body)
    variables = {str(number): CHIPS[name] for number, name in enumerate(order, 1)}
    return Numbered(text, variables, tuple(order)), problems


def body_problems(numbered: Numbered) -> list[str]:
    """Meta's rules on the body: its length, and where and how many variables it has."""
    text = numbered.text.strip()
    if not text:
        return [_("Write the message: it is empty.")]
    problems = []
    if len(text) > MAX_BODY:
        problems.append(
            _(
                "The message is %(length)s characters long; WhatsApp allows %(limit)s.",
                length=len(text),
                limit=MAX_BODY,
            )
        )
    if not numbered.chips:
        return problems
    if AT_START.match(text) or AT_END.search(text):
        problems.append(
            _("A variable can't start or end the message: put words before and after it.")
        )
    if ADJACENT.search(text):
        problems.append(_("Two variables can't be next to each other: write words between them."))
    words = len(WORD.findall(NUMBERED.sub(" ", text)))
    if words < WORDS_PER_VARIABLE * len(numbered.chips):
        problems.append(
            _(
                "Too many variables for so short a message: %(variables)s variables need at least"
                " %(needed)s words of text (%(words)s now).",
                variables=len(numbered.chips),
                needed=WORDS_PER_VARIABLE * len(numbered.chips),
                words=words,
            )
        )
    return problems


def button_problems(titles: Sequence[str]) -> list[str]:
    """Meta's rules on quick replies: at most three, each with a title of at most 20."""
    problems = []
    if len(titles) > MAX_BUTTONS:
        problems.append(_("At most %(limit)s buttons.", limit=MAX_BUTTONS))
    for title in titles:
        if not title.strip():
            problems.append(_("A button needs a label."))
        elif len(title) > MAX_BUTTON_TITLE:
            problems.append(
                _(
                    "The button %(title)s is %(length)s characters long; WhatsApp allows"
                    " %(limit)s.",
                    title=repr(title),
                    length=len(title),
                    limit=MAX_BUTTON_TITLE,
                )
            )
    return problems


def sample_values(language: str, kind: str) -> dict[str, str]:
    """The sample value of each chip the kind has, in the language."""
    values = {**SAMPLES.get(language, SAMPLES["en"]), "page_url": SAMPLE_PAGE}
    return {chip: values[chip] for chip in chips_of(kind)}


def with_pass_path(numbered: Numbered) -> Numbered:
    """A pass template's numbering: its chips, then the image's path (its media URL's)."""
    number = str(len(numbered.chips) + 1)
    return Numbered(
        numbered.text, {**numbered.variables, number: PASS_PATH}, (*numbered.chips, PASS_PATH)
    )


def samples(numbered: Numbered, language: str, page_url: str | None) -> dict[str, str]:
    """The sample value of each number, in the template's language (Meta reviews them)."""
    values = {
        **SAMPLES.get(language, SAMPLES["en"]),
        "page_url": page_url or SAMPLE_PAGE,
        PASS_PATH: SAMPLE_PASS_PATH,
    }
    return {str(number): values[name] for number, name in enumerate(numbered.chips, 1)}


def preview(body: str, language: str, kind: str = "invitation") -> str:
    """The text as a guest would read it, with sample values in place of the chips."""
    values = sample_values(language, kind)
    return CHIP.sub(lambda match: values.get(match.group(1), match.group(0)), body)
