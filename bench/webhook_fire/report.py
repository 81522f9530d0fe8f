"""Every figure of a run, its bars against the SPEC, and the summary lines."""

from __future__ import annotations

import argparse
import math
import os

from bench.webhook_fire.latency import load_figures, server_times
from bench.webhook_fire.run import Observed
from bench.webhook_fire.samplers import GROUPS
from bench.webhook_fire.timeline import count_in, floor_restarts, log_events, timeline

SHARED_CORES = 0.25  # CPU used by other processes in the window beyond which a warning is printed
FLOOR = ("floor_requests", "floor_errors", "floor_p50_ms", "floor_p99_ms", "floor_max_ms")


def report(args: argparse.Namespace, seen: Observed) -> dict:
    """The figures of one run."""
    window = seen.window
    start, seconds = window["start_epoch"], window["seconds"]
    events = log_events(seen.web_log)
    boots = [e.epoch for e in events if e.message.startswith("Booting worker")]
    autorestarts = [e.epoch for e in events if e.message.startswith("Autorestarting worker")]
    # log stamps have one-second resolution: a boot logged in the window's last second counts
    in_window = count_in(boots, math.floor(start), start + seconds)
    rate_in_window = count_in(seen.sends, start, start + seconds) / seconds
    before = min(10.0, start - seen.created_epoch)
    rate_before = count_in(seen.sends, start - before, start) / before if before > 0 else None
    cores = os.cpu_count() or 1
    cpu_timeline = seen.cpu.per_second(start, cores)
    during = [p for p in cpu_timeline if 0 <= p["t"] < seconds]
    cpu_in_window = {
        name: round(sum(p.get(name, 0.0) for p in during) / len(during), 2) if during else None
        for name in ("machine", *GROUPS, "postgres", "other")
    }
    figures = {
        "guests": args.guests,
        "latency_s": args.latency,
        "send_rate_per_s": args.send_rate,
        "webhook_rate_per_s": args.rate,
        "seconds": args.seconds,
        "warmup_s": round(start - seen.created_epoch, 1),
        "web_concurrency": args.web_concurrency,
        "gunicorn": "gunicorn.conf.py production defaults (max_requests 1000 + jitter 50)",
        "button_share": args.buttons,
        "texts": seen.built.texts,
        "button_taps": seen.built.buttons,
        "invitations_tapped": seen.built.invitations_tapped,
        **load_figures(window),
        "worker_timeouts": seen.web_log.count("WORKER TIMEOUT"),
        "worker_restarts": max(0, len(boots) - args.web_concurrency),
        "gunicorn_error_lines": sum(1 for e in events if e.level in ("ERROR", "CRITICAL")),
        "worker_restarts_in_window": in_window,
        "autorestarts_in_window": count_in(autorestarts, math.floor(start), start + seconds),
        "worker_boots_at_s": [round(b - start) for b in boots if start - 1 <= b < start + seconds],
        "campaign_rate_in_window": round(rate_in_window, 1),
        "campaign_ratio_to_cap": round(rate_in_window / args.send_rate, 3),
        "campaign_rate_before_window": None if rate_before is None else round(rate_before, 1),
        "campaign_time_to_completion_s": round(seen.completion_s, 1),
        "duplicates": sum(n - 1 for n in seen.counts.values() if n > 1),
        "lost": args.guests - len(seen.counts),
        "status_callbacks": seen.stats["callbacks"],
        **{key: value for key, value in load_figures(seen.floor, "floor_").items() if key in FLOOR},
        **floor_restarts(seen.floor, boots),
        **server_times(seen.access_log),
        "cpu_cores": cores,
        "cpu_machine_in_window": cpu_in_window["machine"],
        "cpu_other_in_window": cpu_in_window["other"],
        "cpu_in_window": cpu_in_window,
        "load_average_before": seen.load_average,
        "tcp_counters_in_window": seen.tcp,
        "timeline": timeline(window, seen.sends, boots, autorestarts),
        "cpu_timeline": cpu_timeline,
        "floor_timeline": [
            {key: point[key] for key in ("t", "rps", "p50_ms", "p99_ms", "max_ms", "worker_boots")}
            for point in timeline(seen.floor, [], boots, autorestarts)
        ],
    }
    figures["seconds_with_p99_over_100_ms"] = sum(
        1 for point in figures["timeline"] if (point["p99_ms"] or 0) >= 100
    )
    figures["seconds_without_answers"] = sum(1 for p in figures["timeline"] if p["rps"] == 0)
    figures["bars"] = bars(figures)
    return figures


def bars(figures: dict) -> dict[str, bool]:
    """The SPEC's bar for webhooks under fire, figure by figure."""
    return {
        "p99_ms < 100": figures["p99_ms"] is not None and figures["p99_ms"] < 100,
        "errors == 0": figures["errors"] == 0,
        "worker_timeouts == 0": figures["worker_timeouts"] == 0,
        "campaign_ratio_to_cap >= 0.95": figures["campaign_ratio_to_cap"] >= 0.95,
        "duplicates == lost == 0": figures["duplicates"] == figures["lost"] == 0,
    }


def print_summary(figures: dict) -> None:
    """The figures in a few lines."""
    print(
        f"{figures['requests']} webhooks at {figures['webhook_rate_per_s']:g}/s "
        f"(achieved {figures['achieved_rps']}/s): p50 {figures['p50_ms']} ms, "
        f"p90 {figures['p90_ms']} ms, p99 {figures['p99_ms']} ms, max {figures['max_ms']} ms; "
        f"errors {figures['errors']} {figures['errors_by_kind'] or ''}"
    )
    print(
        f"floor (GET /health, same rate): p50 {figures['floor_p50_ms']} ms, "
        f"p99 {figures['floor_p99_ms']} ms, max {figures['floor_max_ms']} ms "
        f"({figures['floor_worker_restarts']} worker restarts during it); "
        f"server-side inbound p99 {figures['server_inbound_p99_ms']} ms"
    )
    print(
        f"gunicorn: WORKER TIMEOUT {figures['worker_timeouts']}, worker restarts "
        f"{figures['worker_restarts']} ({figures['worker_restarts_in_window']} in the window)"
    )
    print(
        f"campaign: {figures['campaign_rate_in_window']} sends/s in the window = "
        f"{figures['campaign_ratio_to_cap']:.1%} of {figures['send_rate_per_s']:g}/s "
        f"({figures['campaign_rate_before_window']}/s before); duplicates "
        f"{figures['duplicates']}, lost {figures['lost']}"
    )
    print(f"CPU in the window (cores): {figures['cpu_in_window']}")
    if (figures["cpu_other_in_window"] or 0) > SHARED_CORES:
        print(
            f"warning: {figures['cpu_other_in_window']} cores went to processes outside this "
            "benchmark during the window (another run on the machine?): the figures are not "
            "those of a quiet machine"
        )
    missed = [bar for bar, met in figures["bars"].items() if not met]
    print("bars: " + ("all met" if not missed else "missed " + ", ".join(missed)))
