"""The reader on the second blind file of 2026-12-07 (reply_heldout_blind2.tsv): answers and heads.

The file was written blind, by a writer who saw neither the reader's rules nor its corpora,
and held out until 2026-12-07. Its held-out figures (README, "Replies"): the rules alone
283/347 clear answers, 62/85 head counts, 24/27 opt-outs, 8 yes/no swaps and 8 doubts read
as answers; the model alone 290/347, 63/85, 27/27, 13 swaps, 21 doubts; the rules with the
model as a second opinion (trained and its thresholds chosen without this file) 283/347,
61/85, 24/27, 6 swaps, 8 doubts, then 7 swaps once retrained on a corpus fix. It has been
training since: its misses were studied and taught as general cases in reply_corpus.tsv
(and the rules where a rule was the fix), and the model is trained on it, so its figures
no longer measure unseen replies (a new blind file does). The floors below keep what it
scores now.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.reply_files import LABELS, LANGUAGES, falls_short, load, print_figures

HELDOUT = Path(__file__).with_name("reply_heldout_blind2.tsv")
# Shares read right since it became training (317/347, 71/85, 27/27 once the fifth blind
# file was taught; 315/347 after the fourth, 305/347 after the third, 300/347 and 69/85
# before): floors, not targets.
# Most clear answers still missed are the writer's maybes that this project leaves to the
# organiser: a try or a condition ("I'll try my best to pop in", "vou tentar passar lá",
# "Si le travail me libère je viendrai") is a doubt by the corpus's rule, and a doubt is
# never read as an answer.
# A bare "no" taken back at once ("no wait sorry I misread the date, yes I can come!") is
# read as the yes that follows since the third blind file was taught.
FLOORS = {"clear": 0.913, "heads": 0.835, "stop": 1.0}
# Misreadings the issue allows none of: 0 of 293 yes/no swapped, 0 of 101 doubts read as an
# answer. Never to grow.
CEILINGS = {"swapped": 0, "doubt read as an answer": 0}


def test_the_file_covers_every_language_and_label() -> None:
    lines = load(HELDOUT)
    assert {line.language for line in lines} == set(LANGUAGES)
    assert {line.label for line in lines} == LABELS
    assert sum(line.heads is not None for line in lines) >= 80


def test_its_answers_are_read_at_least_as_well_as_last_measured() -> None:
    assert falls_short(HELDOUT, FLOORS, CEILINGS) == []


if __name__ == "__main__":  # python -m tests.services.test_reply_heldout_blind2
    print_figures(HELDOUT)
