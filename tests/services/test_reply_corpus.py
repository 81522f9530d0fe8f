"""The classifier against a corpus of labelled replies in en/es/pt/ar/fr (reply_corpus.tsv)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from app.config import LANGUAGES
from app.models import InboundKind, Rsvp
from app.services.phrases import PHRASES
from app.services.reasons import REASONS
from app.services.regional import REGIONAL
from app.services.replies import classify, normalize

CORPUS = Path(__file__).with_name("reply_corpus.tsv")
EXPECTED = {"yes": Rsvp.CONFIRMED, "no": Rsvp.DECLINED, "maybe": Rsvp.MAYBE}


LANGUAGE_LINE = "# language:"


def load_languages() -> list[tuple[str, str, str]]:
    """(language, label, reply) rows: a '# language: xx' line sets the language below it."""
    rows = []
    language = ""
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        if line.startswith(LANGUAGE_LINE):
            language = line.removeprefix(LANGUAGE_LINE).strip()
        elif line and not line.startswith("#"):
            label, reply, *_ = line.split("\t")
            rows.append((language, label, reply))
    return rows


def load_rows() -> list[tuple[str, str, int | None]]:
    """(label, reply, party) rows, comments skipped; party is the head count a reply states
    (a third column), else None."""
    rows = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            label, reply, *party = line.split("\t")
            rows.append((label, reply, int(party[0]) if party and party[0] else None))
    return rows


def load_corpus() -> list[tuple[str, str]]:
    """(label, reply) pairs, comments skipped; a bare count is text to the RSVP reader."""
    return [("text" if label == "count" else label, reply) for label, reply, _ in load_rows()]


@pytest.fixture(scope="module")
def readings() -> list[tuple[str, str, Rsvp | None]]:
    return [(label, reply, classify(reply).rsvp) for label, reply in load_corpus()]


def test_the_corpus_is_large_and_covers_every_language_and_label() -> None:
    rows = load_corpus()
    assert len(rows) >= 300
    assert {label for label, _ in rows} == {"yes", "no", "maybe", "unclear", "text", "stop"}
    scripts = {"ar": "\u0627", "es": "ñíéóá¿¡", "pt": "ãõç", "fr": "èêçà"}
    for language, letters in scripts.items():
        assert any(set(reply) & set(letters) for _, reply in rows), language


def test_every_language_has_its_own_answers_doubts_and_opt_outs() -> None:
    counts = Counter((language, label) for language, label, _ in load_languages())
    for language in LANGUAGES:
        for label, least in (("yes", 50), ("no", 30), ("maybe", 15), ("unclear", 4), ("stop", 5)):
            assert counts[language, label] >= least, (language, label)


def test_no_yes_is_read_as_no_and_no_no_as_yes(
    readings: list[tuple[str, str, Rsvp | None]],
) -> None:
    flipped = {"yes": Rsvp.DECLINED, "no": Rsvp.CONFIRMED}
    wrong = [reply for label, reply, rsvp in readings if rsvp is flipped.get(label, "-")]
    assert wrong == []


def test_no_doubt_or_question_is_read_as_yes_or_no(
    readings: list[tuple[str, str, Rsvp | None]],
) -> None:
    answers = (Rsvp.CONFIRMED, Rsvp.DECLINED)
    wrong = [
        reply
        for label, reply, rsvp in readings
        if label in ("maybe", "unclear", "text") and rsvp in answers
    ]
    assert wrong == []


def test_opt_outs_written_out_are_opt_outs_and_nothing_else_is() -> None:
    for label, reply in load_corpus():
        assert (classify(reply).kind is InboundKind.OPTOUT) is (label == "stop"), reply


def test_no_refusal_or_doubt_is_ever_read_as_yes(
    readings: list[tuple[str, str, Rsvp | None]],
) -> None:
    wrong = [reply for label, reply, rsvp in readings if label != "yes" and rsvp is Rsvp.CONFIRMED]
    assert wrong == []


def test_clear_answers_are_recognised(readings: list[tuple[str, str, Rsvp | None]]) -> None:
    clear = [(label, reply, rsvp) for label, reply, rsvp in readings if label in EXPECTED]
    missed = [reply for label, reply, rsvp in clear if rsvp is not EXPECTED[label]]
    assert len(missed) / len(clear) <= 0.05, missed


def test_questions_and_undecided_replies_stay_text() -> None:
    for label, reply in load_corpus():
        if label in ("unclear", "text"):
            assert classify(reply).kind is InboundKind.TEXT, reply


def test_every_phrase_is_written_in_normal_form() -> None:
    for languages in (*PHRASES.values(), *REGIONAL.values(), *REASONS.values()):
        for phrases in languages.values():
            for phrase in phrases:
                assert normalize(phrase) == phrase, phrase


def test_head_counts_are_read_and_other_numbers_are_not() -> None:
    wrong = [
        (reply, party, classify(reply).party)
        for _, reply, party in load_rows()
        if classify(reply).party != party
    ]
    assert wrong == []
    assert sum(party is not None for _, _, party in load_rows()) >= 30


def corpus_figures() -> dict[str, tuple[int, int]]:
    """(right, total) of clear answers, opt-outs and heads; (count, total) of misreadings."""
    rows = load_rows()
    readings = [(label, party, classify(reply)) for label, reply, party in rows]
    clear = [(label, r) for label, _, r in readings if label in EXPECTED]
    swappable = [(label, r) for label, r in clear if label in ("yes", "no")]
    flipped = {"yes": Rsvp.DECLINED, "no": Rsvp.CONFIRMED}
    doubts = [r for label, _, r in readings if label in ("maybe", "unclear", "text")]
    stops = [r for label, _, r in readings if label == "stop"]
    heads = [(party, r) for _, party, r in readings if party is not None]
    return {
        "clear": (sum(r.rsvp is EXPECTED[label] for label, r in clear), len(clear)),
        "swapped": (sum(r.rsvp is flipped[label] for label, r in swappable), len(swappable)),
        "doubt read as yes/no": (
            sum(r.rsvp in (Rsvp.CONFIRMED, Rsvp.DECLINED) for r in doubts),
            len(doubts),
        ),
        "stop": (sum(r.kind is InboundKind.OPTOUT for r in stops), len(stops)),
        "heads": (sum(r.party == party for party, r in heads), len(heads)),
    }


if __name__ == "__main__":  # python -m tests.services.test_reply_corpus
    print(corpus_figures())
