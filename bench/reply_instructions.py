"""Instructions per reply read: what the reply reader costs, in a figure load does not move.

Run from the repository root: `python -m bench.reply_instructions [--runs 3]` (needs
valgrind: `apt-get install valgrind`).

The reader (`app.services.replies.classify`: the rules, then the model's second opinion)
runs in the web process for every typed reply. A child process loads it, reads each of 140
replies of the training corpus once to warm it up (28 per language, spread evenly over each
language's part of `tests/services/reply_corpus.tsv`), then reads them again, under valgrind's
callgrind; a second child does the same without the second reading. The difference divided
by 140 is what one reply costs. The median of `--runs` pairs is printed and written to
bench/results/reply_instructions.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

RESULTS = Path("bench/results")
CORPUS = Path("tests/services/reply_corpus.tsv")
PER_LANGUAGE = 28
LANGUAGES = ("en", "es", "pt", "ar", "fr")


def replies() -> list[str]:
    """PER_LANGUAGE replies of each language, spread evenly over its part of the corpus
    (`# language: xx` lines set the language of the replies below them)."""
    found: dict[str, list[str]] = {language: [] for language in LANGUAGES}
    language = None
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        if line.startswith("# language:"):
            language = line.split(":", 1)[1].strip()
        elif line and not line.startswith("#") and language in found:
            found[language].append(line.split("\t")[1])
    chosen = []
    for language in LANGUAGES:
        texts = found[language]
        chosen += [texts[n * len(texts) // PER_LANGUAGE] for n in range(PER_LANGUAGE)]
    return chosen


def child(measured: bool) -> None:
    """Warm the reader on every reply, then read them all again when `measured`."""
    from app.services.replies import classify

    texts = replies()
    for text in texts:
        classify(text)
    if measured:
        for text in texts:
            classify(text)


def instructions(measured: bool) -> int:
    """What callgrind counted for one child."""
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "callgrind.log"
        command = ["valgrind", "--tool=callgrind", f"--log-file={log}"]
        command += [f"--callgrind-out-file={Path(tmp) / 'callgrind.out'}"]
        command += [sys.executable, "-m", "bench.reply_instructions", "--child"]
        command += ["measured" if measured else "warm"]
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)
        found = re.search(r"Collected : (\d+)", log.read_text())
    if found is None:
        raise RuntimeError("callgrind counted nothing")
    return int(found[1])


def main(argv: list[str] | None = None) -> int:
    """Count `--runs` pairs of children; print and save the median per reply."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path, default=RESULTS / "reply_instructions.json")
    parser.add_argument("--child", choices=("measured", "warm"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child == "measured")
        return 0
    if not shutil.which("valgrind"):
        print("valgrind is not installed (apt-get install valgrind)")
        return 2
    count = len(replies())
    runs = []
    for _ in range(args.runs):
        runs.append(round((instructions(True) - instructions(False)) / count))
        print(f"{runs[-1]:>12,} instructions per reply", flush=True)
    median = round(statistics.median(runs))
    print(f"median of {len(runs)}: {median:,} instructions per reply ({count} replies)")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    figures = {"replies": count, "runs": runs, "median_instructions_per_reply": median}
    args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
