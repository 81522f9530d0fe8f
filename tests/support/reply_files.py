"""Labelled reply files (`label<TAB>heads<TAB>language<TAB>variant<TAB>reply`) and the reader's
figures on them, by the issue's names: clear answers, head counts and opt-outs read right;
yes/no swapped, and doubts, questions or texts read as an answer."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from app.models import InboundKind, Rsvp
from app.services.replies import Reading, classify

EXPECTED = {"yes": Rsvp.CONFIRMED, "no": Rsvp.DECLINED, "maybe": Rsvp.MAYBE}
LANGUAGES = ("en", "es", "pt", "ar", "fr")
LABELS = {"yes", "no", "maybe", "unclear", "text", "stop"}
# What is counted right, and what is counted as a misreading.
RIGHT = ("clear", "heads", "stop")
MISREAD = ("swapped", "doubt read as an answer")


@dataclass(frozen=True)
class Line:
    """One labelled reply and what it means."""

    label: str  # yes, no, maybe, unclear, text, stop
    heads: int | None  # people coming, the guest included, when the reply says
    language: str
    variant: str  # a regional or written form: es-mx, ar-egy, ar-arabizi, ...
    reply: str


def load(path: Path) -> list[Line]:
    """The file's replies, comments skipped."""
    lines = []
    for text in path.read_text(encoding="utf-8").splitlines():
        if text and not text.startswith("#"):
            label, heads, language, variant, reply = text.split("\t")
            lines.append(
                Line(label, None if heads == "-" else int(heads), language, variant, reply)
            )
    return lines


def mistakes(line: Line, reading: Reading) -> list[str]:
    """The ways `reading` gets `line` wrong, by the issue's names."""
    found = []
    if line.label in EXPECTED:
        if reading.rsvp is not EXPECTED[line.label]:
            found.append("clear")
        opposite = {"yes": Rsvp.DECLINED, "no": Rsvp.CONFIRMED}.get(line.label)
        if opposite is not None and reading.rsvp is opposite:
            found.append("swapped")
    elif line.label == "stop":
        if reading.kind is not InboundKind.OPTOUT:
            found.append("stop")
    elif reading.rsvp is not None:
        found.append("doubt read as an answer")
    if line.heads is not None and reading.party != line.heads:
        found.append("heads")
    return found


def figures(lines: list[Line]) -> dict[str, tuple[int, int]]:
    """(right, total) per measure of RIGHT, and (count, total) of each misreading."""
    total = Counter[str]()
    wrong = Counter[str]()
    for line in lines:
        if line.label in EXPECTED:
            total["clear"] += 1
            total["swapped"] += line.label in ("yes", "no")
        elif line.label == "stop":
            total["stop"] += 1
        else:
            total["doubt read as an answer"] += 1
        total["heads"] += line.heads is not None
        wrong.update(mistakes(line, classify(line.reply)))
    return {name: (total[name] - wrong[name], total[name]) for name in RIGHT} | {
        name: (wrong[name], total[name]) for name in MISREAD
    }


def falls_short(
    path: Path, floors: dict[str, float], ceilings: dict[str, int]
) -> list[tuple[str, dict[str, tuple[int, int]]]]:
    """The measures of a file below their floor (share read right) or above their ceiling
    (misreadings counted), each with the file's figures; empty when none."""
    found = figures(load(path))
    low = [name for name, floor in floors.items() if found[name][0] / found[name][1] < floor]
    high = [name for name, ceiling in ceilings.items() if found[name][0] > ceiling]
    return [(name, found) for name in low + high]


def misses(lines: list[Line]) -> list[tuple[Line, list[str]]]:
    """Each line the reader gets wrong, with how."""
    found = []
    for line in lines:
        wrong = mistakes(line, classify(line.reply))
        if wrong:
            found.append((line, wrong))
    return found


def print_figures(path: Path) -> None:
    """Print the figures per language, then for the whole file."""
    everything = load(path)
    for language in (*LANGUAGES, None):
        chosen = [line for line in everything if language in (None, line.language)]
        print(language or "all", figures(chosen))
