"""The reader on the third blind file of 2026-12-07 (reply_heldout_blind3.tsv): answers and heads.

The file was written blind, by a third writer who saw neither the reader's rules nor its
corpora, after the second blind file was taught and the model beside the rules trained, and
held out until 2026-12-07. Its held-out figures (README, "Replies"), the rules with the model
as a second opinion (trained and its thresholds chosen without this file): 278/352 clear
answers, 37/53 head counts, 21/25 opt-outs, 11 yes/no swaps and 5 doubts read as answers (the
reader of the morning, before blind2 was taught and the model added: 275/352, 37/53, 21/25,
15 swaps, 6 doubts). It has been training since: its misses were studied and taught as
general cases in reply_corpus.tsv (and the rules where a rule was the fix), and the model is
trained on it, so its figures no longer measure unseen replies (a new blind file does). The
floors below keep what it scores now.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.reply_files import LABELS, LANGUAGES, falls_short, load, print_figures

HELDOUT = Path(__file__).with_name("reply_heldout_blind3.tsv")
# Shares read right since it became training (337/352, 52/53, 25/25 once the fifth blind
# file was taught; 335/352 after the fourth, 330/352 before): floors, not targets. Most
# clear answers still missed are the writer's maybes beside a doubt, which this project
# leaves to the organiser: a lean alone or with "not sure" ("Probably, not 100% sure yet",
# "Sûrement, mais je te confirme pas à 100%") is a doubt by the corpus's rule; and replies
# that only show the guest getting ready ("already bought my outfit") go to the inbox
# undecided. A reason alone ("Sorry, 14 June is my daughter's graduation") declines since the
# fourth blind file was taught.
FLOORS = {"clear": 0.957, "heads": 0.981, "stop": 1.0}
# Misreadings the issue allows none of: 0 of 312 yes/no swapped, 0 of 101 doubts read as an
# answer. Never to grow.
CEILINGS = {"swapped": 0, "doubt read as an answer": 0}


def test_the_file_covers_every_language_and_label() -> None:
    lines = load(HELDOUT)
    assert {line.language for line in lines} == set(LANGUAGES)
    assert {line.label for line in lines} == LABELS
    assert sum(line.heads is not None for line in lines) >= 50


def test_its_answers_are_read_at_least_as_well_as_last_measured() -> None:
    assert falls_short(HELDOUT, FLOORS, CEILINGS) == []


if __name__ == "__main__":  # python -m tests.services.test_reply_heldout_blind3
    print_figures(HELDOUT)
