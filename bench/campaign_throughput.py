"""Measure a campaign's throughput end to end: emulator, gunicorn, one worker, PostgreSQL, Redis.

Run from the repository root, e.g. the two bars of SPEC.md:

    python -m bench.campaign_throughput --guests 10000 --latency 5-10 --rate 80
    python -m bench.campaign_throughput --guests 10000 --latency 0.1-0.3 --rate 400

It imports the guests in SQL, creates the campaign through the API, lets ONE `python -m
worker` send it through the Twilio emulator, and prints messages/s, the ratio to the
configured rate, the time to completion, duplicates and lost guests (from the emulator's
per-recipient counts), the emulator's peak of concurrent requests, the lowest share of the
cap over the campaign's full minutes and 10-second windows (from PostgreSQL's
`accepted_at` and from the provider's count), and the worker's memory over time (sampled
from /proc for the worker and every process it forks). `--kill-worker-at 0.3,0.6` kills
the worker with -9 at those fractions and restarts it. The figures, with the timelines,
go to bench/results/campaign_throughput[-SUFFIX].json. Uses the same PostgreSQL and Redis
discovery as the tests (a scratch database; `TEST_REDIS_URL`).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from app.devstack import (
    ManagedProcess,
    local_bind,
    run_release,
    wait_for_http,
    web_command,
)
from app.devstack.embedded import free_port
from bench.campaign_report import print_summary, report
from bench.emulator import emulator_env, get_json
from bench.sql import rows
from bench.stack import (
    ACCOUNT,
    AUTH_TOKEN,
    RESULTS,
    SENDER,
    TEMPLATE,
    TOKEN,
    call,
    insert_guests,
    running,
)
from bench.worker_watch import Samples, Worker, kill_when_due, sample
from tests.support.services import provide_services


def environment(
    args: argparse.Namespace, database_url: str, redis_url: str, web_port: int, emulator_port: int
) -> dict[str, str]:
    """The environment of the web and worker processes."""
    high = float(args.latency.split("-")[-1])
    in_flight = args.max_in_flight or max(200, math.ceil(args.rate * (high + 1) * 1.3))
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "APP_ENV": "test",
        "SECRET_KEY": "bench",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "API_TOKEN": TOKEN,
        "LOG_LEVEL": args.log_level,
        "PORT": str(web_port),
        "WEB_CONCURRENCY": "1",
        "GUNICORN_ACCESS_LOG": "/dev/null",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{web_port}",
        "TWILIO_API_BASE_URL": f"http://127.0.0.1:{emulator_port}",
        "TWILIO_ACCOUNT_SID": ACCOUNT,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_WHATSAPP_FROM": SENDER,
        "TWILIO_INVITE_CONTENT_SID": TEMPLATE,
        "TWILIO_REQUEST_TIMEOUT": str(args.timeout),
        "SEND_RATE_PER_SECOND": str(args.rate),
        "SEND_MAX_IN_FLIGHT": str(in_flight),
        "SEND_SLICE_SECONDS": str(args.slice),
    }


def run(args: argparse.Namespace, work: Path) -> dict:
    """Start everything, run one campaign, return the figures."""
    with provide_services(work / "services") as services:
        web_port, emulator_port = free_port(), free_port()
        env = environment(args, services.database_url, services.redis_url, web_port, emulator_port)
        run_release(env)
        emulator = ManagedProcess(
            "emulator",
            [
                sys.executable,
                "-m",
                "app.emulator",
                "--port",
                str(emulator_port),
                "--latency",
                args.latency,
                "--callback-statuses",
                args.callbacks,
                "--page-size",
                "50",
            ],
            emulator_env(env["PATH"]),
            work / "emulator.log",
        )
        web = ManagedProcess("web", web_command(local_bind(env)), env, work / "web.log")
        processes = [emulator.start(), web.start()]
        worker = Worker(env, work / "worker.log", processes)
        with running(processes):
            emulator_url = f"http://127.0.0.1:{emulator_port}"
            base = f"http://127.0.0.1:{web_port}"
            wait_for_http(f"{emulator_url}/_emulator/health", 30, emulator)
            wait_for_http(f"{base}/health", 60, web)
            worker.start()
            time.sleep(3)  # the worker is up and idle, as in production
            event_id = insert_guests(services.database_url, args.guests)
            samples, elapsed, campaign = campaign_run(
                base, services.database_url, emulator_url, worker, event_id, args
            )
            counts = get_json(f"{emulator_url}/_emulator/counts")["counts"]
            stats = get_json(f"{emulator_url}/_emulator/stats")
            recorded = recorded_sends(services.database_url, campaign["id"])
        return report(args, env, samples, elapsed, campaign, counts, stats, recorded)


def campaign_run(
    base: str,
    database_url: str,
    emulator_url: str,
    worker: Worker,
    event_id: int,
    args: argparse.Namespace,
) -> tuple[Samples, float, dict]:
    """Create the campaign through the API and wait for its completion while sampling.

    Completion is read from PostgreSQL (`finished_at - created_at`, both set by the
    database), not through the API: gunicorn is busy with status callbacks, and its queue
    would add to the figure. The worker is killed and restarted at each `--kill-worker-at`
    fraction of the guests accepted by the provider.
    """
    samples = Samples()
    stop = threading.Event()
    kills = sorted(args.kill_worker_at)
    started = time.monotonic()
    campaign = call(base, f"/api/v1/events/{event_id}/campaigns", method="POST")
    samples.create_seconds = time.monotonic() - started
    sampler = threading.Thread(
        target=sample, args=(worker, emulator_url, started, stop, samples), daemon=True
    )
    sampler.start()
    engine = create_engine(database_url)
    query = text(
        "SELECT state, extract(epoch FROM finished_at - created_at) AS seconds FROM campaigns "
        "WHERE id = :id"
    )
    try:
        with engine.connect() as connection:
            while (
                row := connection.execute(query, {"id": campaign["id"]}).one()
            ).state != "completed":
                connection.rollback()
                kill_when_due(worker, kills, args.guests, samples, started)
                if not worker.current.running():
                    raise RuntimeError(f"the worker died:\n{worker.current.tail()}")
                if time.monotonic() - started > args.guests + 300:  # far beyond any sane run
                    raise TimeoutError(f"campaign not completed: {row}")
                time.sleep(0.1)
    finally:
        stop.set()
        sampler.join()
        engine.dispose()
    accepted = get_json(f"{emulator_url}/_emulator/stats")["accepted_total"]
    samples.timeline.append((time.monotonic() - started, accepted))
    return samples, float(row.seconds), call(base, f"/api/v1/campaigns/{campaign['id']}")


def recorded_sends(database_url: str, campaign_id: int) -> list[tuple[float, int]]:
    """Sends as PostgreSQL stamped them: (seconds after the campaign's creation, messages)."""
    found = rows(
        database_url,
        "SELECT extract(epoch FROM i.accepted_at - c.created_at) AS seconds, count(*) AS sent "
        "FROM invitations i JOIN campaigns c ON c.id = i.campaign_id "
        "WHERE i.campaign_id = :id AND i.accepted_at IS NOT NULL GROUP BY 1 ORDER BY 1",
        id=campaign_id,
    )
    return [(float(row.seconds), int(row.sent)) for row in found]


def fractions(value: str) -> list[float]:
    """Parse `0.3,0.6` into fractions of the campaign, each in (0, 1)."""
    found = [float(part) for part in value.split(",") if part.strip()]
    if any(not 0 < fraction < 1 for fraction in found):
        raise argparse.ArgumentTypeError(f"fractions must be between 0 and 1: {value!r}")
    return found


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.campaign_throughput", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--guests", type=int, default=10_000)
    parser.add_argument("--latency", default="5-10", help="emulator latency range in seconds")
    parser.add_argument("--rate", type=float, default=80.0, help="SEND_RATE_PER_SECOND")
    parser.add_argument(
        "--max-in-flight",
        type=int,
        default=0,
        help="SEND_MAX_IN_FLIGHT (default: rate x latency, with room)",
    )
    parser.add_argument("--timeout", type=float, default=15.0, help="TWILIO_REQUEST_TIMEOUT")
    parser.add_argument("--slice", type=float, default=180.0, help="SEND_SLICE_SECONDS")
    parser.add_argument(
        "--callbacks",
        default="sent,delivered,read",
        help="status callbacks the emulator posts ('' for none)",
    )
    parser.add_argument(
        "--kill-worker-at",
        type=fractions,
        default=[],
        metavar="FRACTIONS",
        help="kill -9 the worker (and its children) when the provider has accepted these "
        "fractions of the guests, e.g. 0.3,0.6; restart it at once",
    )
    parser.add_argument(
        "--suffix", default="", help="write bench/results/campaign_throughput-SUFFIX.json"
    )
    parser.add_argument("--json", type=Path, default=None, help="where to write the figures")
    parser.add_argument("--log-level", default="WARNING", help="LOG_LEVEL of web and worker")
    parser.add_argument(
        "--keep-logs", action="store_true", help="keep the process logs and print where"
    )
    args = parser.parse_args(argv)
    if args.json is None:
        name = f"campaign_throughput-{args.suffix}" if args.suffix else "campaign_throughput"
        args.json = RESULTS / f"{name}.json"
    return args


def main(argv: list[str] | None = None) -> int:
    """Parse the options, run, write the figures as JSON and print a summary."""
    args = parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-campaign-"))
    figures = run(args, work)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(figures, indent=2) + "\n")
    headline = {k: v for k, v in figures.items() if not isinstance(v, dict | list)}
    print(json.dumps(headline, indent=2))
    print_summary(figures, args.rate)
    print(f"figures in {args.json}")
    if args.keep_logs:
        print(f"logs in {work}")
    return 0 if figures["duplicates"] == figures["lost"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
