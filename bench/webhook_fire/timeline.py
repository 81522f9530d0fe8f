"""The window second by second, and the gunicorn log events placed on it.

gunicorn stamps its log lines to the second, so a worker boot logged in the window's last
second counts in the window.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bench.webhook_fire.latency import is_ok, percentile, timed

LOG_LINE = re.compile(r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4})\] \[(\d+)\] \[(\w+)\] (.*)$")


@dataclass(frozen=True)
class LogEvent:
    """One line of gunicorn's error log."""

    epoch: float
    pid: int
    level: str
    message: str


def log_events(log: str) -> list[LogEvent]:
    """gunicorn's timestamped log lines (one-second resolution)."""
    found = []
    for line in log.splitlines():
        if match := LOG_LINE.match(line):
            stamp = datetime.strptime(match[1], "%Y-%m-%d %H:%M:%S %z").timestamp()
            found.append(LogEvent(stamp, int(match[2]), match[3], match[4]))
    return found


def count_in(epochs: Iterable[float], start: float, end: float) -> int:
    """How many moments fall in [start, end)."""
    return sum(1 for moment in epochs if start <= moment < end)


def timeline(
    window: dict, sends: list[float], boots: list[float], autorestarts: list[float]
) -> list[dict]:
    """One point per second of the window: latency of the requests due in that second,
    2xx answers received in it, the campaign's sends, gunicorn's worker boots."""
    start, seconds = window["start_epoch"], window["seconds"]
    points = []
    rows = list(zip(window["due_s"], window["latency_ms"], window["outcome"], strict=True))
    for second in range(math.ceil(seconds)):
        due_here = [(lat, outcome) for due, lat, outcome in rows if second <= due < second + 1]
        latencies = sorted(lat for lat, outcome in due_here if lat is not None and timed(outcome))
        answered = sum(
            1
            for due, lat, outcome in rows
            if lat is not None and is_ok(outcome) and second <= due + lat / 1000 < second + 1
        )
        points.append(
            {
                "t": second,
                "rps": answered,
                "p50_ms": percentile(latencies, 50),
                "p99_ms": percentile(latencies, 99),
                "max_ms": round(latencies[-1], 1) if latencies else None,
                "errors": sum(1 for _, outcome in due_here if not is_ok(outcome)),
                "sends_per_s": count_in(sends, start + second, start + second + 1),
                "worker_boots": count_in(boots, start + second, start + second + 1),
                "autorestarts": count_in(autorestarts, start + second, start + second + 1),
            }
        )
    return points


def floor_restarts(floor: dict, boots: list[float]) -> dict:
    """gunicorn workers booted during the floor run (its 3,000 requests count toward
    max_requests too: when both workers recycle together, the floor shows it)."""
    start = floor["start_epoch"]
    return {"floor_worker_restarts": count_in(boots, math.floor(start), start + floor["seconds"])}
