"""Turn send events into per-second, per-10-second and per-minute rates against the cap.

An event is `(seconds since the campaign's creation, messages sent at that moment)`: a
group of `accepted_at` stamps from PostgreSQL, or the growth of the provider's accepted
count between two samples. Windows start at the first send; a window is *full* when it
ends before the last send, so the ramp at the end never counts against the cap.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

Event = tuple[float, int]


def increments(cumulative: Sequence[tuple[float, int]]) -> list[Event]:
    """Events from samples of a running total: what each sample added to the previous."""
    events, previous = [], 0
    for moment, total in cumulative:
        if total > previous:
            events.append((moment, total - previous))
        previous = max(previous, total)
    return events


def per_second(events: Sequence[Event]) -> list[int]:
    """Messages sent in each whole second since the campaign's creation."""
    if not events:
        return []
    counts = [0] * (math.floor(max(t for t, _ in events)) + 1)
    for moment, sent in events:
        counts[max(0, math.floor(moment))] += sent
    return counts


def windows(events: Sequence[Event], width: float, rate: float) -> list[dict]:
    """Consecutive windows of `width` seconds from the first send: messages, pace, share of cap."""
    if not events:
        return []
    first, last = min(t for t, _ in events), max(t for t, _ in events)
    count = max(1, math.ceil((last - first) / width + 1e-9))
    sends = [0] * count
    for moment, sent in events:
        sends[min(count - 1, int((moment - first) // width))] += sent
    found = []
    for index, sent in enumerate(sends):
        start = first + index * width
        found.append(
            {
                "start_s": round(start, 2),
                "end_s": round(start + width, 2),
                "sends": sent,
                "sends_per_s": round(sent / width, 1),
                "of_cap": round(sent / width / rate, 3),
                "full": start + width <= last,
            }
        )
    return found


def min_full(found: Sequence[dict]) -> float | None:
    """The lowest share of the cap over the full windows (None when there is none)."""
    shares = [window["of_cap"] for window in found if window["full"]]
    return min(shares) if shares else None


def summarize(events: Sequence[Event], rate: float, source: str) -> dict:
    """Every view of one list of events, as the benchmark's JSON holds it."""
    minutes = windows(events, 60.0, rate)
    tens = windows(events, 10.0, rate)
    return {
        "source": source,
        "per_second": per_second(events),
        "per_10s": tens,
        "per_minute": minutes,
        "min_full_10s_of_cap": min_full(tens),
        "min_full_minute_of_cap": min_full(minutes),
    }
