"""What `python -m bench all` runs: each benchmark's arguments, time bound and SPEC bars.

A run is one invocation of a benchmark module (`bench.<module>`, whose `main(argv)` writes
`bench/results/<name>.json`), with full-size arguments (the SPEC's sizes) and `--quick`
ones. A check reads one figure from that JSON and compares it with its bar; a check
without a bar is shown for information. A module may replace its runs' checks by defining
`RUNNER_CHECKS = [(label, (key, ...), op, bar), ...]` and its quick arguments with
`QUICK_ARGV = [...]`.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    "<": operator.lt,
    ">": operator.gt,
    "==": operator.eq,
}


@dataclass(frozen=True)
class Check:
    """One figure of a run and its bar."""

    label: str
    value: Callable[[dict], Any]
    op: str = ""
    bar: float | None = None

    def evaluate(self, figures: dict) -> tuple[Any, bool | None]:
        """The figure and whether it meets the bar (None: no bar, or the figure is missing)."""
        try:
            found = self.value(figures)
        except (KeyError, IndexError, TypeError, ValueError):
            return None, None
        if found is None or self.bar is None:
            return found, None
        return found, OPERATORS[self.op](found, self.bar)

    def bar_text(self) -> str:
        """The bar as the summary shows it."""
        return "" if self.bar is None else f"{self.op} {self.bar:g}"


def key(*path: str) -> Callable[[dict], Any]:
    """Read `figures[path[0]][path[1]]...`."""

    def read(figures: dict) -> Any:
        value: Any = figures
        for part in path:
            value = value[part]
        return value

    return read


def check(label: str, path: tuple[str, ...] | str, op: str = "", bar: float | None = None) -> Check:
    """A check of the figure at `path` (a key or a tuple of keys)."""
    return Check(label, key(*((path,) if isinstance(path, str) else path)), op, bar)


@dataclass(frozen=True)
class Run:
    """One benchmark invocation in `python -m bench all`."""

    name: str  # the JSON is bench/results/<name>.json
    module: str  # bench.<module> has main(argv)
    full: tuple[str, ...]
    quick: tuple[str, ...]
    checks: tuple[Check, ...]
    quick_checks: tuple[Check, ...] | None = None  # when quick sizes cannot meet a SPEC bar
    full_timeout: float = 900.0
    quick_timeout: float = 300.0
    owner: str = field(default="", compare=False)

    def argv(self, quick: bool) -> list[str]:
        """The module's arguments."""
        return list(self.quick if quick else self.full)

    def timeout(self, quick: bool) -> float:
        """Seconds after which the run is interrupted."""
        return self.quick_timeout if quick else self.full_timeout

    def checks_for(self, quick: bool) -> tuple[Check, ...]:
        """The checks of the figures in this mode."""
        return self.quick_checks if quick and self.quick_checks is not None else self.checks


NOTHING_LOST = (check("duplicates", "duplicates", "==", 0), check("lost", "lost", "==", 0))
WORKER_MEMORY = check(
    "worker largest process peak RSS MB", "worker_largest_process_peak_rss_mb", "<", 250
)


def campaign(
    suffix: str,
    full: list[str],
    quick: list[str],
    checks: list[Check],
    quick_checks: list[Check] | None = None,
    full_timeout: float = 900.0,
) -> Run:
    """A run of bench.campaign_throughput writing campaign_throughput-<suffix>.json."""
    return Run(
        f"campaign_throughput-{suffix}",
        "campaign_throughput",
        ("--suffix", suffix, *full),
        ("--suffix", suffix, *quick),
        (*checks, *NOTHING_LOST, WORKER_MEMORY),
        None if quick_checks is None else (*quick_checks, *NOTHING_LOST, WORKER_MEMORY),
        full_timeout,
    )


def service_total(field_name: str) -> Callable[[dict], Any]:
    """Sum a field over the service's rows of naive.json."""
    return lambda figures: sum(row[field_name] for row in figures["service"])


def naive_row(worker_class: str, latency: str, guests: int, field_name: str) -> Callable:
    """One field of one naive case."""

    def read(figures: dict) -> Any:
        for row in figures["naive"]:
            if (row["worker_class"], row["latency_s"], row["guests"]) == (
                worker_class,
                latency,
                guests,
            ):
                return row[field_name]
        return None

    return read


def worst(rows: str, field_name: str) -> Callable[[dict], Any]:
    """The largest value of a field over the naive or the service rows."""
    return lambda figures: max(row[field_name] or 0 for row in figures[rows])


CLAIM_BAR_MS, READ_BAR_MS = 20.0, 50.0


def slowest_read(bar_ms: float) -> Callable[[dict], Any]:
    """The longest wall time in million.json among the reads held to `bar_ms`."""
    return lambda figures: max(r["wall_ms"] for r in figures["reads"] if r["bar_ms"] == bar_ms)


SLOW = ("--guests", "10000", "--latency", "5-10", "--rate", "80")
FAST = ("--latency", "0.1-0.3", "--rate", "400")

RUNS: tuple[Run, ...] = (
    campaign(
        "slow",
        [*SLOW],
        ["--guests", "2000", "--latency", "5-10", "--rate", "80"],
        [
            check("messages/s", "messages_per_s", ">=", 72),
            check("time to completion s (1.1 x 125 s)", "time_to_completion_s", "<=", 137.5),
        ],
        [check("steady messages/s (quick: 0.9 x 80)", "steady_messages_per_s", ">=", 72)],
        full_timeout=600,
    ),
    campaign(
        "fast",
        ["--guests", "10000", *FAST],
        ["--guests", "2000", *FAST],
        [check("messages/s", "messages_per_s", ">=", 360)],
        [check("steady messages/s (quick)", "steady_messages_per_s", ">=", 360)],
        full_timeout=300,
    ),
    campaign(
        "scale",
        ["--guests", "100000", *FAST],
        ["--guests", "5000", *FAST],
        [
            check("lowest full minute, share of cap", "min_full_minute_of_cap", ">=", 0.95),
            check("messages/s", "messages_per_s"),
        ],
        [check("lowest full 10 s, share of cap (quick)", "min_full_10s_of_cap", ">=", 0.95)],
        full_timeout=1200,
    ),
    campaign(
        "kill",
        ["--guests", "10000", *FAST, "--kill-worker-at", "0.3,0.6"],
        ["--guests", "2000", *FAST, "--kill-worker-at", "0.5"],
        [check("time to completion s", "time_to_completion_s")],
        full_timeout=600,
    ),
    Run(
        "webhook_peak",
        "webhook_peak",
        (),
        ("--seconds", "3", "--rounds", "1"),
        (
            *(
                check(f"{kind} req/s, ratio to lean", ("summary", kind, "ratio_to_lean"), ">=", 1)
                for kind in ("inbound text", "inbound reply", "inbound button", "status")
            ),
            *(  # issue 25: at least half the bare endpoint's throughput
                check(f"{kind} req/s, ratio to bare", ("summary", kind, "ratio_to_bare"), ">=", 0.5)
                for kind in ("inbound reply", "inbound button", "status")
            ),
        ),
    ),
    Run(
        "webhook_fire",
        "webhook_fire",
        ("--runs", "5"),  # the spread: every run must meet the bars (issue 25)
        ("--quick",),
        (
            check("p99 ms", "p99_ms", "<", 100),
            check("errors", "errors", "==", 0),
            check("WORKER TIMEOUT lines", "worker_timeouts", "==", 0),
            check(
                "campaign sends/s in the window, share of cap", "campaign_ratio_to_cap", ">=", 0.95
            ),
            check("gunicorn worker restarts in the window", "worker_restarts_in_window"),
            check("floor: GET /health p99 ms, same rate", "floor_p99_ms"),
            check("worst p99 ms run (of --runs)", "worst_run"),
        ),
        full_timeout=1800,  # five runs of about three minutes, each with its own stack
    ),
    Run(
        "carry_cost",
        "carry_cost",
        (),
        ("--guests", "500"),
        (
            check(
                "CPU s per 1,000 invitations carried (web+worker+PostgreSQL+Redis)",
                "cpu_seconds_per_1000",
            ),
            check("of which the web", ("per_1000_by_part", "web")),
            check("of which the worker", ("per_1000_by_part", "worker")),
            check("of which PostgreSQL", ("per_1000_by_part", "postgres")),
        ),
        full_timeout=900,
    ),
    Run(
        "memory_soak",
        "memory_soak",
        (),
        ("--quick",),
        (
            check("web worker peak RSS MB", "web_peak_rss_mb", "<", 150),
            check("web worker RSS growth MB", "web_rss_growth_mb"),
        ),
        full_timeout=1800,
    ),
    Run(
        "million",
        "million",
        (),
        ("--events", "10", "--guests-per-event", "1000", "--big-event", "10000"),
        (
            Check("slowest claim of a batch ms", slowest_read(CLAIM_BAR_MS), "<=", CLAIM_BAR_MS),
            Check("slowest page/stats/progress/pre-flight ms", slowest_read(READ_BAR_MS), "<=", 50),
            Check("reads over their bar or with a Seq Scan", lambda f: len(f["failures"]), "==", 0),
        ),
        full_timeout=3600,
        quick_timeout=600,
    ),
    Run(
        "naive",
        "naive",
        (),
        ("--quick",),
        (
            Check("service: duplicates", service_total("duplicates"), "==", 0),
            Check(
                "service: guests not sent",
                lambda f: sum(r["guests"] - r["sent"] for r in f["service"]),
                "==",
                0,
            ),
            Check("service: longest wait of a concurrent GET s", worst("service", "probe_max_s")),
            Check("naive: longest wait of a concurrent GET s", worst("naive", "probe_max_s")),
            Check(
                "naive sync, 30 guests, 0.1-0.3 s: sent", naive_row("sync", "0.1-0.3", 30, "sent")
            ),
            Check("naive sync, 30 guests, 5-10 s: sent", naive_row("sync", "5-10", 30, "sent")),
            Check(
                "naive gevent, 30 guests, 5-10 s: request s",
                naive_row("gevent", "5-10", 30, "request_s"),
            ),
        ),
        full_timeout=900,
    ),
)


def by_name(name: str) -> Run | None:
    """The run called `name`."""
    return next((run for run in RUNS if run.name == name), None)
