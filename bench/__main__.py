"""Run the benchmarks: `python -m bench all [--quick]`, or one: `python -m bench <name> [args]`.

`all` records the machine in bench/results/machine.json, runs every benchmark of
bench/runs.py in turn (each in its own process, interrupted past its time bound), each
writing bench/results/<name>.json, renders the PNG plots of bench/plots.py into
bench/results/, and prints every figure against its SPEC bar. `<name>` is a benchmark
module (`campaign_throughput`, `naive`, ...: its `main(argv)` gets the remaining
arguments) or a run of `all` (`campaign_throughput-slow`: its full-size arguments, then
yours). `plots`, `machine` and `summary [--quick]` redo one step from the files present.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import inspect
import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from app.devstack import REPO_ROOT
from bench.runs import RUNS, Run, by_name, check

RESULTS = REPO_ROOT / "bench" / "results"
STEPS = ("all", "plots", "machine", "summary", "list")


@dataclass
class Outcome:
    """How one run of `all` ended."""

    run: Run
    status: str  # ok, exit N, timed out, skipped: ..., no JSON
    seconds: float = 0.0
    figures: dict | None = None


def module_exists(module: str) -> bool:
    """Whether bench.<module> can be imported."""
    try:
        return importlib.util.find_spec(f"bench.{module}") is not None
    except ModuleNotFoundError:
        return False


def entry_point(module: str) -> Callable[[list[str]], int]:
    """The `main(argv)` of bench.<module> (of its `__main__` for a package without one).

    A `main()` that reads `sys.argv` itself gets the arguments there.
    """
    loaded = importlib.import_module(f"bench.{module}")
    if not hasattr(loaded, "main"):
        loaded = importlib.import_module(f"bench.{module}.__main__")
    main: Callable[..., int] = loaded.main
    if inspect.signature(main).parameters:
        return main

    def with_sys_argv(argv: list[str]) -> int:
        sys.argv = [f"python -m bench.{module}", *argv]
        return main()

    return with_sys_argv


def adapted(run: Run) -> Run:
    """The run with the module's own `RUNNER_CHECKS` and `QUICK_ARGV`, when it defines them."""
    loaded = importlib.import_module(f"bench.{run.module}")
    checks = getattr(loaded, "RUNNER_CHECKS", None)
    quick = getattr(loaded, "QUICK_ARGV", None)
    if checks is not None:
        own = tuple(check(label, path, op, bar) for label, path, op, bar in checks)
        run = replace(run, checks=own, quick_checks=None)
    if quick is not None:
        run = replace(run, quick=tuple(quick))
    return run


def execute(run: Run, quick: bool) -> Outcome:
    """Run one benchmark in its own process within its time bound; read its JSON."""
    if not module_exists(run.module):
        return Outcome(run, f"skipped: bench/{run.module}.py is not there (yet)")
    try:
        run = adapted(run)
    except Exception as error:  # noqa: BLE001 - someone else's module in progress
        return Outcome(run, f"skipped: bench.{run.module} does not import: {error!r}")
    argv = [sys.executable, "-m", "bench", run.module, *run.argv(quick)]
    print(f"\n=== {run.name}: {' '.join(argv[2:])} (bound {run.timeout(quick):.0f} s)", flush=True)
    started = time.time()
    child = subprocess.Popen(argv, cwd=REPO_ROOT)
    try:
        status = f"exit {child.wait(timeout=run.timeout(quick))}".replace("exit 0", "ok")
    except subprocess.TimeoutExpired:
        status = f"timed out after {run.timeout(quick):.0f} s"
        interrupt(child)
    path = RESULTS / f"{run.name}.json"
    figures = None
    if path.exists() and path.stat().st_mtime >= started:
        figures = json.loads(path.read_text())
    elif status == "ok":
        status = f"ok, but no fresh {path.name}"
    return Outcome(run, status, time.time() - started, figures)


def interrupt(child: subprocess.Popen[bytes]) -> None:
    """Ctrl-C a benchmark (its cleanup stops its servers); kill it if that takes a minute."""
    child.send_signal(signal.SIGINT)
    try:
        child.wait(timeout=60)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


def write_machine() -> dict:
    """Describe the machine into bench/results/machine.json."""
    from bench.machine import describe

    machine = describe()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "machine.json").write_text(json.dumps(machine, indent=2) + "\n")
    return machine


def render_plots() -> None:
    """Render the PNGs from the JSON files present, if matplotlib is installed."""
    try:
        from bench.plots import render
    except ImportError as error:
        print(f"plots skipped: {error} (pip install -e '.[bench]')")
        return
    for path in render(RESULTS):
        print(f"plot: {path.relative_to(REPO_ROOT)}")


def summary_rows(outcomes: list[Outcome], quick: bool) -> list[dict]:
    """One row per figure: run, figure, value, bar, result."""
    rows = []
    for outcome in outcomes:
        if outcome.figures is None:
            rows.append({"run": outcome.run.name, "figure": "(run)", "result": outcome.status})
            continue
        for item in outcome.run.checks_for(quick):
            value, passed = item.evaluate(outcome.figures)
            result = (
                "missing" if value is None else {True: "pass", False: "FAIL"}.get(passed, "info")
            )
            rows.append(
                {
                    "run": outcome.run.name,
                    "figure": item.label,
                    "value": value,
                    "bar": item.bar_text(),
                    "result": result,
                }
            )
        if outcome.status != "ok":
            rows.append({"run": outcome.run.name, "figure": "(run)", "result": outcome.status})
    return rows


def print_summary(rows: list[dict], machine: dict | None, quick: bool) -> None:
    """The table of figures and bars."""
    print()
    if machine:
        print(
            f"{machine['cpu_model']}, {machine['cores']} cores, {machine['ram_gb']} GB; "
            f"Python {machine['python']}, PostgreSQL {machine['postgresql']}, "
            f"Redis {machine['redis']}; load {machine['load_average']}"
        )
    if quick:
        print("quick sizes: below the SPEC's, so pass/fail is only indicative")
    header = f"{'run':28} {'figure':52} {'value':>10} {'bar':>10}  result"
    print(header)
    print("-" * len(header))
    for row in rows:
        value = row.get("value")
        shown = f"{value:.3g}" if isinstance(value, float) else ("" if value is None else value)
        print(
            f"{row['run']:28} {row['figure'][:52]:52} {shown!s:>10} "
            f"{row.get('bar', ''):>10}  {row['result']}"
        )


def run_all(args: argparse.Namespace) -> int:
    """Machine, every run, plots, summary; 1 if any bar failed or any run failed."""
    chosen = [run for run in RUNS if not args.only or run.name in args.only]
    chosen = [run for run in chosen if run.name not in args.skip]
    machine = write_machine()
    outcomes = [execute(run, args.quick) for run in chosen]
    if not args.no_plots:
        render_plots()
    rows = summary_rows(outcomes, args.quick)
    print_summary(rows, machine, args.quick)
    (RESULTS / "summary.json").write_text(
        json.dumps({"quick": args.quick, "machine": machine, "rows": rows}, indent=2, default=str)
        + "\n"
    )
    failed = [
        row
        for row in rows
        if row["result"] == "FAIL" or row["result"].startswith(("exit", "timed out", "ok, but"))
    ]
    return 1 if failed else 0


def summary_only(quick: bool) -> int:
    """The summary table from the JSON files already in bench/results/."""
    outcomes = []
    for run in RUNS:
        path = RESULTS / f"{run.name}.json"
        figures = json.loads(path.read_text()) if path.exists() else None
        outcomes.append(Outcome(run, "ok" if figures else "no JSON", figures=figures))
    machine_path = RESULTS / "machine.json"
    machine = json.loads(machine_path.read_text()) if machine_path.exists() else None
    print_summary(summary_rows(outcomes, quick), machine, quick)
    return 0


def step(argv: list[str]) -> int:
    """`all`, `plots`, `machine`, `summary` or `list`."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("step", choices=STEPS)
    parser.add_argument("--quick", action="store_true", help="small sizes, a few minutes")
    parser.add_argument("--only", type=lambda v: v.split(","), default=[], help="runs to do")
    parser.add_argument("--skip", type=lambda v: v.split(","), default=[], help="runs to skip")
    parser.add_argument("--no-plots", action="store_true")
    args = parser.parse_args(argv)
    if args.step == "all":
        return run_all(args)
    if args.step == "plots":
        render_plots()
    elif args.step == "machine":
        print(json.dumps(write_machine(), indent=2))
    elif args.step == "summary":
        return summary_only(args.quick)
    else:
        for run in RUNS:
            present = "" if module_exists(run.module) else "  (module not there yet)"
            print(f"{run.name:28} python -m bench {run.module} {' '.join(run.full)}{present}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Dispatch to a step, a configured run, or a benchmark module."""
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help") or argv[0] in STEPS:
        return step(argv or ["--help"])
    name, rest = argv[0], argv[1:]
    run = by_name(name)
    if run is not None:
        name, rest = run.module, [*run.full, *rest]
    if not module_exists(name):
        print(f"no benchmark bench.{name}; try `python -m bench list`", file=sys.stderr)
        return 2
    return entry_point(name)(rest)


if __name__ == "__main__":
    sys.exit(main())
