"""Instructions per reply read: what the reply reader costs, in a figure load does not move.

Run from the repository root: `python -m bench.reply_instructions [--runs 3]` (needs
valgrind: `apt-get install valgrind`).

The reader (`app.services.replies.classify`: the rules, then the model's second opinion)
runs in the web process for every typed reply. A child process loads it, reads each of the
140 replies of bench/reply_sample.txt once to warm it up (28 per language, taken from the
training corpus), then reads them again, under valgrind's callgrind; a second child does the
same without the second reading. The difference divided by 140 is what one reply costs. The
median of `--runs` pairs is printed and written to bench/results/reply_instructions.json.
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
# 28 replies of each language, spread evenly over its part of tests/services/reply_corpus.tsv
# as it was on 2026-12-07 (65c45dc), kept apart so that the corpus can grow under it.
SAMPLE = Path("bench/reply_sample.txt")


def replies() -> list[str]:
    """The 140 replies read (one a line): the same for every commit compared."""
    return SAMPLE.read_text(encoding="utf-8").splitlines()


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
