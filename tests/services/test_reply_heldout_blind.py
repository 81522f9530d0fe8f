"""The reader on the blind replies of 2026-12-07 (reply_heldout_blind.tsv): answers and heads.

The file was written blind, by a writer who saw neither the reader's rules nor its corpora,
and held out until 2026-12-07, when the reader scored 296/326 clear answers, 64/76 head
counts and 25/30 opt-outs on it, with 1 yes/no swap and 1 doubt read as an answer (README,
"Replies"). It has been training since: its misses were studied and taught as general cases
in reply_corpus.tsv, so its figures no longer measure unseen replies (a new blind file
does). The floors below keep what it scores now.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.reply_files import LABELS, LANGUAGES, falls_short, load, print_figures

HELDOUT = Path(__file__).with_name("reply_heldout_blind.tsv")
# Shares read right since it became training (325/326, 76/76, 30/30): floors, not targets.
# The one miss is "probably, I'll try", labelled a maybe: a lean beside a try is left to the
# organiser by this project's rule ("Probably, I'll confirm later" is a doubt in the corpus).
FLOORS = {"clear": 0.99, "heads": 1.0, "stop": 1.0}
# Misreadings the issue allows none of: 0 of 296 yes/no swapped, 0 of 81 doubts read as an
# answer. Never to grow.
CEILINGS = {"swapped": 0, "doubt read as an answer": 0}


def test_the_file_covers_every_language_and_label() -> None:
    lines = load(HELDOUT)
    assert {line.language for line in lines} == set(LANGUAGES)
    assert {line.label for line in lines} == LABELS
    assert sum(line.heads is not None for line in lines) >= 50


def test_its_answers_are_read_at_least_as_well_as_last_measured() -> None:
    assert falls_short(HELDOUT, FLOORS, CEILINGS) == []


if __name__ == "__main__":  # python -m tests.services.test_reply_heldout_blind
    print_figures(HELDOUT)
