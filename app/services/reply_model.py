"""A second opinion on a typed reply: a linear model over its letters, trained on the corpora.

The rules (`sentences`, `phrases`, ...) read a reply word by word and know only the words
they list; this model reads the same folded text as overlapping runs of 2 to 5 letters, its
words and word pairs, so a misspelling, an Arabizi or regional spelling, or a phrasing no
rule lists still looks like the replies it resembles. It scores every label (yes, no,
maybe, unclear, text, stop) and `opinion` gives the likeliest with its probability;
`replies` decides what to do with it. Inference is plain Python over a dict of weights
(`reply_model.json`, written by `python -m app.services.reply_training`): no numpy in the
web process.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from operator import itemgetter
from pathlib import Path
from types import MappingProxyType
from typing import Any

from app.services.heads import DIGITS
from app.services.keywords import normalize
from app.services.sentences import (
    EMOJI,
    EMOJI_WORDS,
    MAX_SENTENCE_CHARS,
    has_question_mark,
    squeeze,
)

WEIGHTS = Path(__file__).with_name("reply_model.json")
# Runs of this many letters, the spaces around words included ("ye", " yes ").
SHORTEST_RUN, LONGEST_RUN = 2, 5
QUESTION = "?"  # the feature of a message that asks


@dataclass(frozen=True)
class Opinion:
    """The model's likeliest label for a reply and how sure it is (0 to 1)."""

    label: str
    probability: float
    probabilities: MappingProxyType[str, float]


@dataclass(frozen=True)
class Weights:
    """A trained model: the labels, their biases, each feature's row and each label's
    weights by row (a column per label, so that scoring is a few C-level sums)."""

    labels: tuple[str, ...]
    biases: tuple[float, ...]
    rows: dict[str, int]  # never changed after `parse`
    columns: tuple[tuple[float, ...], ...]
    thresholds: MappingProxyType[str, float]
    trained_on: str  # the hash of the training files


def folded(body: str) -> str:
    """The reply as the rules read it: emoji as words, Arabic digits as ASCII, folded,
    letters squeezed ("siiii" as "si")."""
    text = EMOJI.sub(lambda found: f" {EMOJI_WORDS[found.group()]} ", body)
    return squeeze(normalize(text.translate(DIGITS), MAX_SENTENCE_CHARS))


def features(body: str) -> set[str]:
    """The features of a reply: its words, word pairs and letter runs, and whether it asks."""
    text = folded(body)
    words = text.split()
    padded = f" {text} "
    found = {
        padded[start : start + size]
        for size in range(SHORTEST_RUN, LONGEST_RUN + 1)
        for start in range(len(padded) - size + 1)
    }
    found.update(f"w {word}" for word in words)
    found.update(f"p {first} {second}" for first, second in pairwise(words))
    if has_question_mark(body):
        found.add(QUESTION)
    return found


@cache
def weights() -> Weights:
    """The committed model, read once."""
    return parse(json.loads(WEIGHTS.read_text(encoding="utf-8")))


def parse(stored: dict[str, Any]) -> Weights:
    """A model from its stored form: each feature's weights as integers of `scale`ths."""
    scale = float(stored["scale"])
    table: dict[str, list[int]] = stored["features"]
    labels = tuple(stored["labels"])
    return Weights(
        labels=labels,
        biases=tuple(bias / scale for bias in stored["biases"]),
        rows={name: row for row, name in enumerate(table)},
        columns=tuple(
            tuple(weights[label] / scale for weights in table.values())
            for label in range(len(labels))
        ),
        thresholds=MappingProxyType(stored["thresholds"]),
        trained_on=str(stored["trained_on"]),
    )


def opinion(body: str, model: Weights | None = None) -> Opinion | None:
    """The model's likeliest label for a typed reply, or None for an empty or long one."""
    if not body.strip() or len(body) > MAX_SENTENCE_CHARS:
        return None
    model = model or weights()
    # Sorted, so that the sums add in the same order whatever the hash seed.
    rows = sorted(row for name in features(body) if (row := model.rows.get(name)) is not None)
    if not rows:
        return None
    scale = 1 / math.sqrt(len(rows))  # a reply's features weigh 1 together (L2 norm)
    pick = itemgetter(*rows) if len(rows) > 1 else lambda column: (column[rows[0]],)
    scores = [
        bias + scale * sum(pick(column))
        for bias, column in zip(model.biases, model.columns, strict=True)
    ]
    top = max(scores)
    exps = [math.exp(score - top) for score in scores]
    total = sum(exps)
    probabilities = {label: e / total for label, e in zip(model.labels, exps, strict=True)}
    label = max(probabilities, key=probabilities.__getitem__)
    return Opinion(label, probabilities[label], MappingProxyType(probabilities))
