"""Latency figures of a load run: nearest-rank percentiles, errors, rates; gunicorn's own times.

A request's outcome is an HTTP status or an error's name (bench/fire_load.py); its latency
counts in the percentiles when it was answered, whatever the status, or timed out (counted
at its timeout). A connection error is only an error.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Sequence


def percentile(ordered: Sequence[float], share: float) -> float | None:
    """Nearest-rank percentile of sorted values (None when there are none)."""
    if not ordered:
        return None
    rank = max(1, math.ceil(share / 100 * len(ordered)))
    return round(ordered[rank - 1], 1)


def is_ok(outcome: int | str) -> bool:
    """A 2xx answer."""
    return isinstance(outcome, int) and 200 <= outcome < 300


def timed(outcome: int | str) -> bool:
    """Whether a request's latency counts in the percentiles: any answer, or a timeout."""
    return isinstance(outcome, int) or outcome == "timeout"


def load_figures(result: dict, prefix: str = "") -> dict:
    """Percentiles, errors and rates of one load run."""
    outcomes = result["outcome"]
    latencies = sorted(
        lat
        for lat, outcome in zip(result["latency_ms"], outcomes, strict=True)
        if lat is not None and timed(outcome)
    )
    ok = sum(1 for outcome in outcomes if is_ok(outcome))
    done = [
        due + lat / 1000
        for due, lat, outcome in zip(result["due_s"], result["latency_ms"], outcomes, strict=True)
        if lat is not None and is_ok(outcome)
    ]
    lags = sorted(result["lag_ms"])
    errors = Counter(str(outcome) for outcome in outcomes if not is_ok(outcome))
    return {
        f"{prefix}requests": len(outcomes),
        f"{prefix}errors": sum(errors.values()),
        f"{prefix}errors_by_kind": dict(errors),
        f"{prefix}p50_ms": percentile(latencies, 50),
        f"{prefix}p90_ms": percentile(latencies, 90),
        f"{prefix}p99_ms": percentile(latencies, 99),
        f"{prefix}p999_ms": percentile(latencies, 99.9),
        f"{prefix}max_ms": round(latencies[-1], 1) if latencies else None,
        f"{prefix}achieved_rps": round(ok / max(result["seconds"], max(done, default=0)), 1),
        f"{prefix}offered_rps": round(len(outcomes) / max(result["scheduling_s"], 1e-9), 1),
        f"{prefix}generator_lag_p99_ms": percentile(lags, 99),
        f"{prefix}generator_lag_max_ms": round(lags[-1], 1) if lags else None,
    }


def server_times(access_log: str) -> dict:
    """gunicorn's own request times (JSON access lines' `duration_ms`) for the inbound and
    status webhooks."""
    by_path: dict[str, list[float]] = {"inbound": [], "status": []}
    for line in access_log.splitlines():
        if not line.startswith("{"):
            continue
        entry = json.loads(line)
        kind = str(entry.get("path", "")).rstrip("/").rsplit("/", 1)[-1]
        if entry.get("method") == "POST" and kind in by_path:
            by_path[kind].append(float(entry["duration_ms"]))
    figures: dict = {}
    for kind, times in by_path.items():
        times.sort()
        figures[f"server_{kind}_requests"] = len(times)
        figures[f"server_{kind}_p50_ms"] = percentile(times, 50)
        figures[f"server_{kind}_p99_ms"] = percentile(times, 99)
        figures[f"server_{kind}_max_ms"] = round(times[-1], 1) if times else None
    return figures
