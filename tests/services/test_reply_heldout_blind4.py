"""The reader on the fourth blind file of 2026-12-07 (reply_heldout_blind4.tsv): answers and heads.

The file was written blind, by a fourth writer who saw neither the reader's rules nor its
corpora, while the third blind file was being taught, and held out until 2026-12-07. Its
held-out figures (README, "Replies"), the rules with the model as a second opinion (trained
and its thresholds chosen without this file): 314/360 clear answers, 54/56 head counts, 23/25
opt-outs, 6 yes/no swaps and 3 doubts read as answers (the reader before blind3 was taught:
300/360, 47/56, 22/25, 11 swaps, 7 doubts). It has been training since: its misses were
studied and taught as general cases in reply_corpus.tsv (a reason alone, "we'll be abroad that
week", declines; and the rules where a rule was the fix), and the model is trained on it, so
its figures no longer measure unseen replies (a new blind file does). The floors below keep
what it scores now.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.reply_files import LABELS, LANGUAGES, falls_short, load, print_figures

HELDOUT = Path(__file__).with_name("reply_heldout_blind4.tsv")
# Shares read right since it became training (354/360, 54/56, 25/25): floors, not targets.
# The clear answers still missed are a yes beside a question ("Présente ! Table 9 c'est ça ?",
# "grave, je ramène quoi?"), one of a couple named without a "but" ("Voy yo solo, Lucía no
# puede"), a French "si" after "non attends" read as "if", and an Arabizi "momken" (a doubt
# by the corpus's rule); they go to the inbox undecided.
FLOORS = {"clear": 0.983, "heads": 0.964, "stop": 1.0}
# Misreadings the issue allows none of: 0 of 320 yes/no swapped, 0 of 95 doubts read as an
# answer. Never to grow.
CEILINGS = {"swapped": 0, "doubt read as an answer": 0}


def test_the_file_covers_every_language_and_label() -> None:
    lines = load(HELDOUT)
    assert {line.language for line in lines} == set(LANGUAGES)
    assert {line.label for line in lines} == LABELS
    assert sum(line.heads is not None for line in lines) >= 50


def test_its_answers_are_read_at_least_as_well_as_last_measured() -> None:
    assert falls_short(HELDOUT, FLOORS, CEILINGS) == []


if __name__ == "__main__":  # python -m tests.services.test_reply_heldout_blind4
    print_figures(HELDOUT)
