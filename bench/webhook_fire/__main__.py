"""Webhooks under fire: signed inbound webhooks at a fixed rate while a campaign runs.

The command line: `python -m bench.webhook_fire [--quick] [--runs N] [options]` (the
package's docstring says what it measures). It runs the scenario `--runs` times (the spread
matters: one run says little on a shared machine), writes the worst run's figures as JSON with
every run's headline beside them, prints each run and a summary, and exits 1 when a bar is
missed in any run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from bench.stack import RESULTS
from bench.webhook_fire.report import print_summary, report
from bench.webhook_fire.run import run
from bench.webhook_fire.samplers import wait_for_quiet

QUICK = {
    "guests": 2000,
    "rate": 100.0,
    "seconds": 15.0,
    "latency": "1-2",
    "warmup": 8.0,
    "floor_seconds": 5.0,
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.webhook_fire", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--guests", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=300.0, help="webhooks per second")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the window")
    parser.add_argument("--latency", default="5-10", help="emulator latency range, seconds")
    parser.add_argument("--send-rate", type=float, default=80.0, help="SEND_RATE_PER_SECOND")
    parser.add_argument(
        "--warmup", type=float, default=20.0, help="seconds of campaign before the window"
    )
    parser.add_argument("--floor-seconds", type=float, default=10.0, help="the /health run")
    parser.add_argument("--buttons", type=float, default=0.3, help="share of button taps")
    parser.add_argument(
        "--request-timeout", type=float, default=10.0, help="a request unanswered this long fails"
    )
    parser.add_argument("--connections", type=int, default=500, help="generator's connections")
    parser.add_argument("--web-concurrency", type=int, default=2, help="WEB_CONCURRENCY")
    parser.add_argument(
        "--build-lead", type=float, default=2.0, help="build the requests this long before"
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=0.0,
        help="wait up to this many seconds for the machine to be idle before starting",
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the request mix")
    parser.add_argument(
        "--runs", type=int, default=1, help="run the scenario this many times; the worst counts"
    )
    parser.add_argument("--log-level", default="INFO", help="LOG_LEVEL of web and worker")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="2,000 guests, 1-2 s provider, 100 req/s for 15 s after 8 s (indicative only)",
    )
    parser.add_argument("--json", type=Path, default=RESULTS / "webhook_fire.json")
    parser.add_argument("--keep-logs", action="store_true", help="keep the logs, print where")
    args = parser.parse_args(argv)
    if args.quick:
        given = {word.split("=", 1)[0] for word in (sys.argv[1:] if argv is None else argv)}
        for name, value in QUICK.items():
            if f"--{name.replace('_', '-')}" not in given:
                setattr(args, name, value)
    return args


# Each run's headline in the combined JSON and the spread's lines.
SPREAD = (
    "p50_ms",
    "p99_ms",
    "max_ms",
    "errors",
    "server_inbound_p50_ms",
    "server_inbound_p99_ms",
    "cpu_other_in_window",
)


def main(argv: list[str] | None = None) -> int:
    """Parse the options, run `--runs` times, write the figures as JSON, print a summary."""
    args = parse_args(argv)
    runs = [run_once(args, number) for number in range(1, max(args.runs, 1) + 1)]
    figures = combine(runs)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(figures, indent=2) + "\n")
    headline = {k: v for k, v in figures.items() if not isinstance(v, dict | list)}
    print(json.dumps(headline, indent=2))
    print_summary(figures)
    if len(runs) > 1:
        print_spread(figures["runs"])
    print(f"figures in {args.json}")
    return 0 if all(figures["bars"].values()) else 1


def run_once(args: argparse.Namespace, number: int) -> dict:
    """One run of the scenario on fresh processes and a fresh database: its figures."""
    work = Path(tempfile.mkdtemp(prefix="bench-fire-"))
    waited, busy = wait_for_quiet(args.quiet_wait, os.cpu_count() or 1)
    figures = report(args, run(args, work))
    figures["machine_busy_before_cores"] = round(busy, 2)
    figures["quiet_wait_s"] = round(waited, 1)
    if args.runs > 1:
        print(f"run {number} of {args.runs}: " + spread_line(figures), flush=True)
    if args.keep_logs:
        print(f"logs of run {number} in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return figures


def combine(runs: list[dict]) -> dict:
    """The worst run's figures (highest p99), each run's headline, and every bar met only
    when it was met in every run."""
    worst = max(runs, key=lambda figures: figures["p99_ms"])
    combined = dict(worst)
    combined["runs"] = [{key: figures.get(key) for key in SPREAD} for figures in runs]
    combined["worst_run"] = runs.index(worst) + 1
    combined["bars"] = {bar: all(figures["bars"][bar] for figures in runs) for bar in worst["bars"]}
    return combined


def spread_line(figures: dict) -> str:
    """A run's headline in one line."""
    return (
        f"p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms, max {figures['max_ms']} ms,"
        f" errors {figures['errors']}; server-side inbound p50 {figures['server_inbound_p50_ms']}"
        f" ms, p99 {figures['server_inbound_p99_ms']} ms; other processes"
        f" {figures['cpu_other_in_window']} cores"
    )


def print_spread(runs: list[dict]) -> None:
    """Each run's headline, then the worst."""
    print(f"spread over {len(runs)} runs:")
    for number, figures in enumerate(runs, start=1):
        print(f"  run {number}: " + spread_line(figures))
    print(f"  worst p99: {max(figures['p99_ms'] for figures in runs)} ms")


if __name__ == "__main__":
    sys.exit(main())
