"""Render the benchmarks' PNG plots from the JSON files in bench/results/.

`python -m bench plots` (also the last step of `python -m bench all`). Each plot whose
input is missing is skipped:

- `campaign_throughput-<run>_sends.png`: sends per second over the campaign (the
  provider's count per second, and PostgreSQL's `accepted_at` per 10 s), the cap and 95%
  of it, the moments the worker was killed;
- `worker_memory.png`: the worker's largest process RSS over each campaign, against 250 MB;
- `webhook_fire.png`: webhook p50/p99 latency and requests/s over time, against 100 ms;
- `naive_vs_service.png`: messages sent and the longest wait of a concurrent GET, per case.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no display; chosen before pyplot loads
import matplotlib.pyplot as plt

from app.devstack import REPO_ROOT

RESULTS = REPO_ROOT / "bench" / "results"


def load(path: Path) -> dict | None:
    """A JSON file's content, or None if it is missing or unreadable."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def save(figure: Any, path: Path) -> Path:
    """Write a figure as PNG and free it."""
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def campaign_title(figures: dict) -> str:
    """`10,000 guests, provider 5-10 s, cap 80/s`."""
    return (
        f"{figures['guests']:,} guests, provider {figures['latency_s']} s, "
        f"cap {figures['configured_rate_per_s']:g}/s"
    )


def plot_sends(figures: dict, path: Path) -> Path:
    """Sends per second over one campaign, with the cap and the kills."""
    rate = figures["configured_rate_per_s"]
    figure, axes = plt.subplots(figsize=(10, 4.5))
    provider = figures.get("provider_timeline", {}).get("per_second", [])
    if provider:
        axes.plot(range(len(provider)), provider, lw=0.8, alpha=0.6, label="provider, per second")
    tens = figures["timeline"]["per_10s"]
    if tens:
        axes.step(
            [w["start_s"] for w in tens] + [tens[-1]["end_s"]],
            [w["sends_per_s"] for w in tens] + [tens[-1]["sends_per_s"]],
            where="post",
            lw=2,
            label="PostgreSQL accepted_at, per 10 s",
        )
    axes.axhline(rate, color="black", ls="--", lw=1, label=f"cap {rate:g}/s")
    axes.axhline(0.95 * rate, color="grey", ls=":", lw=1, label="95% of cap")
    for number, kill in enumerate(figures.get("worker_kills", [])):
        axes.axvline(
            kill["at_s"], color="red", lw=1.5, label="worker kill -9" if number == 0 else None
        )
    axes.set(
        xlabel="seconds since the campaign was created",
        ylabel="messages per second",
        title=f"Sends per second: {campaign_title(figures)}",
    )
    axes.set_ylim(bottom=0)
    axes.legend(loc="best", fontsize="small")
    return save(figure, path)


def plot_memory(campaigns: dict[str, dict], path: Path) -> Path:
    """The worker's largest process RSS over each campaign that has a memory timeline."""
    figure, axes = plt.subplots(figsize=(10, 4.5))
    for name, figures in campaigns.items():
        points = figures["worker_memory_timeline"]
        (line,) = axes.plot(
            [p["t"] for p in points],
            [p["largest_process_rss_mb"] for p in points],
            label=f"{name}: {campaign_title(figures)}",
        )
        for kill in figures.get("worker_kills", []):
            axes.axvline(kill["at_s"], color=line.get_color(), ls=":", lw=1)
    axes.axhline(250, color="red", ls="--", lw=1, label="bar: 250 MB (dotted: worker kill -9)")
    axes.set(
        xlabel="seconds since the campaign was created",
        ylabel="MB (largest worker process RSS)",
        title="Worker memory during campaigns",
    )
    axes.set_ylim(bottom=0)
    axes.legend(loc="best", fontsize="small")
    return save(figure, path)


def plot_webhook_fire(figures: dict, path: Path) -> Path:
    """Webhook latency percentiles and throughput over time."""
    points = figures["timeline"]
    seconds = [p["t"] for p in points]
    figure, axes = plt.subplots(figsize=(10, 4.5))
    axes.plot(seconds, [p["p50_ms"] for p in points], label="p50")
    axes.plot(seconds, [p["p99_ms"] for p in points], label="p99")
    axes.axhline(100, color="red", ls="--", lw=1, label="bar: p99 100 ms")
    axes.set(xlabel="seconds", ylabel="latency, ms", title="Webhooks under fire")
    axes.set_ylim(bottom=0)
    rate = axes.twinx()
    rate.plot(seconds, [p["rps"] for p in points], color="grey", lw=0.8, label="requests/s")
    rate.set_ylabel("requests per second")
    rate.set_ylim(bottom=0)
    lines = axes.get_legend_handles_labels()
    more = rate.get_legend_handles_labels()
    axes.legend(lines[0] + more[0], lines[1] + more[1], loc="upper right", fontsize="small")
    return save(figure, path)


def case_label(row: dict) -> str:
    """`sync, 30 guests, 5-10 s`."""
    server = "service" if row["server"].startswith("this service") else row["worker_class"]
    return f"{server}, {row['guests']} guests, {row['latency_s']} s"


def plot_naive(figures: dict, path: Path) -> Path:
    """Per case: messages sent of the guests, and the longest wait of a concurrent GET."""
    rows = sorted(
        figures["naive"] + figures["service"],
        key=lambda r: (r["latency_s"], r["guests"], r["server"]),
    )
    labels = [case_label(row) for row in rows]
    colors = ["tab:green" if row["server"].startswith("this") else "tab:red" for row in rows]
    figure, (sent, waited) = plt.subplots(1, 2, figsize=(12, 0.45 * len(rows) + 1.8), sharey=True)
    positions = range(len(rows))
    sent.barh(positions, [100 * r["sent"] / r["guests"] for r in rows], color=colors)
    sent.set(
        yticks=list(positions),
        yticklabels=labels,
        xlim=(0, 105),
        xlabel="% of guests sent",
        title="Messages accepted by the provider",
    )
    sent.invert_yaxis()
    waits = [max(r["probe_max_s"] or 0.001, 0.001) for r in rows]
    waited.barh(positions, waits, color=colors)
    waited.set_xscale("log")
    waited.set(xlabel="seconds (log)", title="Longest wait of a concurrent GET")
    for position, row in zip(positions, rows, strict=True):
        note = row["outcome"]
        if row.get("worker_timeout_logged"):
            note += ", WORKER TIMEOUT"
        sent.annotate(note, (2, position), va="center", fontsize="x-small", color="white")
    figure.suptitle("Send in the request (red: naive app under gunicorn) vs this service (green)")
    return save(figure, path)


def render(results: Path = RESULTS) -> list[Path]:
    """Every plot whose input is present; the paths written."""
    written = []
    campaigns = {
        path.stem: figures
        for path in sorted(results.glob("campaign_throughput*.json"))
        if (figures := load(path)) and "timeline" in figures
    }
    for name, figures in campaigns.items():
        written.append(plot_sends(figures, results / f"{name}_sends.png"))
    with_memory = {n: f for n, f in campaigns.items() if f.get("worker_memory_timeline")}
    if with_memory:
        written.append(plot_memory(with_memory, results / "worker_memory.png"))
    fire = load(results / "webhook_fire.json")
    if fire and fire.get("timeline"):
        written.append(plot_webhook_fire(fire, results / "webhook_fire.png"))
    naive = load(results / "naive.json")
    if naive and naive.get("naive"):
        written.append(plot_naive(naive, results / "naive_vs_service.png"))
    return written


def main(argv: list[str] | None = None) -> int:
    """Render the plots from bench/results/ (or the directory given)."""
    args = sys.argv[1:] if argv is None else argv
    for path in render(Path(args[0]) if args else RESULTS):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
