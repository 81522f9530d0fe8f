"""Memory of the web workers over 100,000 webhooks, and what a new worker costs to boot.

Run from the repository root: `python -m bench.memory_soak [--requests 100000]`.

Starts gunicorn as the Procfile does (gevent, `WEB_CONCURRENCY` workers) with worker
recycling OFF, sends unique signed webhooks (inbound texts, button taps, status callbacks)
with wrk in chunks until `--requests` are answered, and samples every worker's RSS after
each chunk: start (after a warm-up), peak and end are printed per worker, with the growth
per 10,000 requests. It also times a worker's boot (importing the app and `create_app()`,
in a fresh interpreter, median of three). gunicorn.conf.py's `max_requests` is decided
from these figures (see the comment there). Writes bench/results/memory_soak.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from app.devstack import ManagedProcess, python_command, run_release, wait_for_http
from app.devstack.embedded import free_port
from bench import procfs
from bench.wrk_load import WRK_SCRIPT, kinds, run_wrk, seed, webhook_server_env, write_requests
from tests.support.services import provide_services

RESULTS = Path("bench/results")
CHUNK_SECONDS = 5
WARM_UP = 2000
MIX = ("inbound text", "inbound button", "status")
BOOT = (
    "import time; t = time.perf_counter(); from gevent import monkey; monkey.patch_all();"
    " from app import create_app; create_app(); print(time.perf_counter() - t)"
)


def boot_seconds(env: dict[str, str]) -> float:
    """Median time a fresh interpreter takes to import the app and build it (as a worker)."""
    runs = [
        float(
            subprocess.run(
                [sys.executable, "-c", BOOT], env=env, capture_output=True, text=True, check=True
            ).stdout
        )
        for _ in range(3)
    ]
    return round(statistics.median(runs), 3)


def main(argv: list[str] | None = None) -> int:
    """Run the soak; print and save the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2, help="WEB_CONCURRENCY")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--quick", action="store_true", help="10,000 requests")
    parser.add_argument("--json", type=Path, default=RESULTS / "memory_soak.json")
    args = parser.parse_args(argv)
    if args.quick:
        args.requests = 10_000
    if not shutil.which("wrk"):
        print("wrk is not installed (apt-get install wrk)")
        return 2
    with tempfile.TemporaryDirectory() as tmp, provide_services(Path(tmp)) as services:
        work = Path(tmp)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {
            **webhook_server_env(services, args.workers),
            "GUNICORN_ACCESS_LOG": "/dev/null",
            "PORT": str(port),
            "PUBLIC_BASE_URL": base,
        }
        run_release(env)
        sids = seed(services.database_url)
        argv_ = python_command("-m", "gunicorn", "-c", "gunicorn.conf.py", "app:create_app()")
        web = ManagedProcess("web", argv_, env, work / "web.log").start()
        try:
            wait_for_http(f"{base}/health", timeout=60, process=web)
            figures = soak(web.pid, base, sids, work, args)
        finally:
            web.stop(timeout=30)
        figures["boot_seconds"] = boot_seconds(env)
    report(figures)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(figures, indent=2))
    return 0


def soak(master: int, base: str, sids: list[str], work: Path, args: argparse.Namespace) -> dict:
    """Send the requests in chunks; sample the workers' RSS after each."""
    script = work / "requests.lua"
    script.write_text(WRK_SCRIPT)
    requests = work / "requests.txt"
    makers = kinds(sids)
    total = args.requests + WARM_UP
    for offset, kind in enumerate(MIX):
        _, route, make = makers[kind]
        part = work / f"{offset}.txt"
        write_requests(
            part, base, route, [make(n * 3 + offset) for n in range(total // 3 + 1)], True
        )
    # Interleave the kinds, one line each in turn.
    parts = [(work / f"{offset}.txt").read_text().splitlines() for offset in range(len(MIX))]
    requests.write_text(
        "\n".join(line for trio in zip(*parts, strict=False) for line in trio) + "\n"
    )
    pids = sorted(procfs.children(master))  # the gunicorn master's workers
    sent = 0
    timeline: list[dict] = []
    started = time.monotonic()
    while sent < total:
        figures = run_wrk(base, script, requests, CHUNK_SECONDS, 2, args.connections)
        sent += int(figures["rps"] * CHUNK_SECONDS)
        rss = {str(pid): round(procfs.rss(pid) / 2**20, 1) for pid in pids}
        timeline.append(
            {
                "requests": sent,
                "seconds": round(time.monotonic() - started, 1),
                "rps": round(figures["rps"]),
                "errors": figures["errors"],
                "rss_mb": rss,
            }
        )
        print(f"{sent:7d} requests  {figures['rps']:5.0f} req/s  RSS {rss}", flush=True)
    return summarise(timeline, pids)


def summarise(timeline: list[dict], pids: list[int]) -> dict:
    """Start (after the warm-up), peak and end RSS per worker, and growth per 10k requests."""
    after_warm_up = next(s for s in timeline if s["requests"] >= WARM_UP)
    workers = {}
    for pid in map(str, pids):
        start, end = after_warm_up["rss_mb"][pid], timeline[-1]["rss_mb"][pid]
        peak = max(sample["rss_mb"][pid] for sample in timeline)
        span = timeline[-1]["requests"] - after_warm_up["requests"]
        workers[pid] = {
            "start_mb": start,
            "peak_mb": peak,
            "end_mb": end,
            "growth_mb_per_10k_requests": round((end - start) * 10_000 / span, 2) if span else 0,
        }
    return {
        "requests": timeline[-1]["requests"],
        "errors": sum(sample["errors"] for sample in timeline),
        "workers": workers,
        "web_peak_rss_mb": max(w["peak_mb"] for w in workers.values()),
        "web_rss_growth_mb": round(max(w["end_mb"] - w["start_mb"] for w in workers.values()), 1),
        "timeline": timeline,
    }


def report(figures: dict) -> None:
    """Print the per-worker figures."""
    print(f"\n{figures['requests']} requests, {figures['errors']:.0f} errors")
    for pid, worker in figures["workers"].items():
        print(
            f"  worker {pid}: start {worker['start_mb']} MB, peak {worker['peak_mb']} MB,"
            f" end {worker['end_mb']} MB ({worker['growth_mb_per_10k_requests']:+} MB per 10k)"
        )
    print(f"a worker boots (imports + create_app) in {figures['boot_seconds']} s")


RUNNER_CHECKS = [
    ("web worker peak RSS (MB)", ("web_peak_rss_mb",), "<", 150),
    ("web worker RSS growth over the soak (MB)", ("web_rss_growth_mb",), "<", 15),
    ("errors", ("errors",), "==", 0),
]
QUICK_ARGV = ["--quick"]

if __name__ == "__main__":
    raise SystemExit(main())
