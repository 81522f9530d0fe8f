"""The figures of a throughput run, and the few lines that summarize them.

The send timelines (bench/timeline.py) come from PostgreSQL's `accepted_at` and from the
provider's count sampled every 0.25 s; the worker's memory from bench/worker_watch.py.
"""

from __future__ import annotations

import argparse

from bench import timeline
from bench.worker_watch import MB, Samples, memory_summary, memory_timeline


def steady_rate(timeline: list[tuple[float, int]]) -> float:
    """Messages/s between 10% and 90% of the accepted total (ramp-up and tail excluded)."""
    total = timeline[-1][1] if timeline else 0
    low = next(((t, n) for t, n in timeline if n >= total * 0.1), None)
    high = next(((t, n) for t, n in timeline if n >= total * 0.9), None)
    if not low or not high or high[0] <= low[0]:
        return 0.0
    return (high[1] - low[1]) / (high[0] - low[0])


def first_reaching(timeline: list[tuple[float, int]], count: int) -> float | None:
    """Seconds after the campaign's creation when the provider had `count` messages."""
    return next((round(t, 1) for t, n in timeline if n >= count), None)


def report(
    args: argparse.Namespace,
    env: dict[str, str],
    samples: Samples,
    elapsed: float,
    campaign: dict,
    counts: dict,
    stats: dict,
    recorded: list[tuple[float, int]],
) -> dict:
    """The figures of one run."""
    accepted = sum(counts.values())
    rate = args.guests / elapsed
    memory = memory_timeline(samples)
    sends = timeline.summarize(recorded, args.rate, "postgresql invitations.accepted_at")
    provider = timeline.summarize(
        timeline.increments(samples.timeline), args.rate, "emulator accepted_total, 0.25 s samples"
    )
    return {
        "guests": args.guests,
        "latency_s": args.latency,
        "configured_rate_per_s": args.rate,
        "max_in_flight": int(env["SEND_MAX_IN_FLIGHT"]),
        "callbacks": args.callbacks or "none",
        "time_to_completion_s": round(elapsed, 1),
        "rate_floor_s": round(args.guests / args.rate, 1),
        "messages_per_s": round(rate, 1),
        "ratio_to_configured_rate": round(rate / args.rate, 3),
        "steady_messages_per_s": round(steady_rate(samples.timeline), 1),
        "min_full_minute_of_cap": sends["min_full_minute_of_cap"],
        "min_full_10s_of_cap": sends["min_full_10s_of_cap"],
        "provider_min_full_minute_of_cap": provider["min_full_minute_of_cap"],
        "provider_min_full_10s_of_cap": provider["min_full_10s_of_cap"],
        "campaign_accepted": campaign["accepted"],
        "provider_accepted": accepted,
        "duplicates": sum(n - 1 for n in counts.values() if n > 1),
        "lost": args.guests - len(counts),
        "emulator_peak_in_flight": stats["peak_in_flight"],
        "create_request_s": round(samples.create_seconds, 2),
        "first_accept_s": first_reaching(samples.timeline, 1),
        "last_accept_s": first_reaching(samples.timeline, args.guests),
        "worker_kills": samples.kills,
        "worker_cpu_s": round(sum(samples.cpu_seconds.values()), 1),
        "worker_peak_rss_mb": round(samples.worker_rss_peak / MB, 1),
        "worker_peak_pss_mb": round(samples.worker_pss_peak / MB, 1),
        "worker_largest_process_peak_rss_mb": round(samples.process_rss_peak / MB, 1),
        "worker_memory": memory_summary(memory),
        "timeline": sends,
        "provider_timeline": provider,
        "worker_memory_timeline": memory,
    }


def print_summary(figures: dict, rate: float) -> None:
    """The figures in a few lines."""
    print(
        f"{figures['provider_accepted']} messages in {figures['time_to_completion_s']} s: "
        f"{figures['messages_per_s']} msg/s = "
        f"{figures['ratio_to_configured_rate']:.0%} of {rate:g}/s; "
        f"duplicates {figures['duplicates']}, lost {figures['lost']}"
    )
    print(
        "lowest full minute: "
        f"{share(figures['min_full_minute_of_cap'])} of the cap (PostgreSQL accepted_at), "
        f"{share(figures['provider_min_full_minute_of_cap'])} (provider); "
        f"lowest full 10 s: {share(figures['min_full_10s_of_cap'])}, "
        f"{share(figures['provider_min_full_10s_of_cap'])}"
    )
    memory = figures["worker_memory"].get("largest_process_rss_mb")
    if memory:
        print(
            "worker largest process RSS: start {start} MB, peak {peak} MB, end {end} MB".format(
                **memory
            )
            + f"; tree PSS peak {figures['worker_peak_pss_mb']} MB"
        )
    for kill in figures["worker_kills"]:
        print(
            f"worker killed at {kill['at_s']} s ({kill['provider_accepted']} accepted, "
            f"{kill['fraction']:.0%}) and restarted"
        )


def share(value: float | None) -> str:
    """A share of the cap as a percentage, or `n/a` without a full window."""
    return "n/a" if value is None else f"{value:.1%}"
