"""What carrying invitations costs in CPU: seconds per 1,000 invitations, end to end.

Run from the repository root: `python -m bench.carry_cost [--guests 3000 --rate 100]`.

Each invitation is carried the whole way: the worker sends it through the emulator, the
emulator posts three status callbacks (sent, delivered, read), the guest taps Yes and the
service answers with its confirmation (TwiML). The run starts the service as the Procfile
does (gunicorn with `WEB_CONCURRENCY` gevent workers, one `python -m worker`), times from the
campaign's creation until every guest's invitation is read and their yes recorded, and
reads from /proc the CPU seconds each part used meanwhile: the web's process tree, the
worker's, PostgreSQL's backends serving the run's database, Redis, and (apart, as it stands
in for Twilio) the emulator. The figure is web + worker + PostgreSQL + Redis CPU seconds per
1,000 invitations; it is CPU time, so a busy machine slows the run more than it moves the
figure, but a quiet one gives the figure to compare. Written to
bench/results/carry_cost.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis
from sqlalchemy import create_engine, text

from app.devstack import ManagedProcess, local_bind, run_release, wait_for_http, web_command
from app.devstack.embedded import free_port
from bench import procfs
from bench.emulator import emulator_env
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
from bench.webhook_fire.samplers import CpuSampler
from bench.webhook_peak import summarise_profile
from bench.worker_watch import Worker
from tests.support.services import provide_services

PARTS = ("web", "worker", "postgres", "redis")  # what the service costs; the emulator is apart
PROGRESS = text(
    "SELECT count(*) FILTER (WHERE read_at IS NOT NULL) AS read, "
    "count(*) FILTER (WHERE rsvp = 'confirmed') AS confirmed "
    "FROM invitations WHERE campaign_id = :id"
)


def environment(args: argparse.Namespace, services, web_port: int, emulator_port: int) -> dict:
    """The environment of the web and worker processes."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "APP_ENV": "test",
        "SECRET_KEY": "bench",
        "DATABASE_URL": services.database_url,
        "REDIS_URL": services.redis_url,
        "API_TOKEN": TOKEN,
        "LOG_LEVEL": "WARNING",
        "PORT": str(web_port),
        "WEB_CONCURRENCY": str(args.web_concurrency),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{web_port}",
        "TWILIO_API_BASE_URL": f"http://127.0.0.1:{emulator_port}",
        "TWILIO_ACCOUNT_SID": ACCOUNT,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_WHATSAPP_FROM": SENDER,
        "TWILIO_INVITE_CONTENT_SID": TEMPLATE,
        "SEND_RATE_PER_SECOND": str(args.rate),
    }


def emulator_command(port: int, base: str) -> list[str]:
    """The emulator: quick answers, three callbacks per message, every guest taps Yes."""
    return [
        sys.executable,
        *("-m", "app.emulator", "--port", str(port), "--latency", "0.05-0.2"),
        *("--callback-statuses", "sent,delivered,read", "--callback-delay", "0.2-1"),
        *("--inbound-url", f"{base}/webhooks/twilio/inbound"),
        *("--auto-reply", "yes", "--auto-reply-delay", "0.5-2", "--no-access-log"),
    ]


def redis_pid(url: str) -> int:
    """The Redis server's process id, as it reports it."""
    client = redis.Redis.from_url(url)
    try:
        return int(client.info("server")["process_id"])
    finally:
        client.close()


def wait_until_carried(database_url: str, campaign_id: int, guests: int, limit: float) -> float:
    """Seconds until every invitation of the campaign is read and its guest's yes recorded."""
    engine = create_engine(database_url)
    started = time.monotonic()
    try:
        with engine.connect() as connection:
            while True:
                row = connection.execute(PROGRESS, {"id": campaign_id}).one()
                connection.rollback()
                if row.read >= guests and row.confirmed >= guests:
                    return time.monotonic() - started
                if time.monotonic() - started > limit:
                    raise TimeoutError(f"not carried in {limit:.0f} s: {row}")
                time.sleep(0.2)
    finally:
        engine.dispose()


def cpu_now(sampler: CpuSampler, redis_process: int) -> dict[str, float]:
    """CPU seconds so far of each part."""
    found = {name: procfs.tree_cpu_seconds(pid) for name, pid in sampler.groups.items()}
    found["postgres"] = sum(sampler.postgres().values())
    found["redis"] = procfs.cpu_seconds(redis_process) or 0.0
    return found


def profile(groups: dict[str, int], seconds: float) -> list[subprocess.Popen]:
    """py-spy the web's and the worker's process trees for `seconds` (raw stacks)."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        print("py-spy is not installed (pip install -e '.[bench]')")
        return []
    started = []
    for name in ("web", "worker"):
        command = [spy, "record", "--pid", str(groups[name]), "--subprocesses", "--nonblocking"]
        command += ["--duration", str(int(seconds)), "--format", "raw"]
        command += ["--output", str(RESULTS / f"carry_cost_profile_{name}.txt")]
        started.append(
            subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        )
    return started


def run(args: argparse.Namespace, work: Path) -> dict:
    """Start everything, carry one campaign, return the figures."""
    with provide_services(work / "services") as services:
        web_port, emulator_port = free_port(), free_port()
        base = f"http://127.0.0.1:{web_port}"
        env = environment(args, services, web_port, emulator_port)
        run_release(env)
        emulator = ManagedProcess(
            "emulator",
            emulator_command(emulator_port, base),
            emulator_env(env["PATH"]),
            work / "emulator.log",
        )
        web = ManagedProcess("web", web_command(local_bind(env)), env, work / "web.log")
        processes = [emulator.start(), web.start()]
        worker = Worker(env, work / "worker.log", processes)
        with running(processes):
            wait_for_http(f"http://127.0.0.1:{emulator_port}/_emulator/health", 30, emulator)
            wait_for_http(f"{base}/health", 60, web)
            worker.start()
            time.sleep(3)  # the worker is up and idle, as in production
            event_id = insert_guests(services.database_url, args.guests)
            database = services.database_url.rsplit("/", 1)[-1].split("?")[0]
            groups = {"web": web.pid, "worker": worker.current.pid, "emulator": emulator.pid}
            sampler = CpuSampler(database, groups)
            redis_process = redis_pid(services.redis_url)
            before = cpu_now(sampler, redis_process)
            campaign = call(base, f"/api/v1/events/{event_id}/campaigns", method="POST")
            spies = profile(groups, args.profile) if args.profile else []
            seconds = wait_until_carried(
                services.database_url, campaign["id"], args.guests, args.guests / args.rate + 300
            )
            after = cpu_now(sampler, redis_process)
            for spy in spies:
                spy.wait(timeout=120)
    used = {name: round(after[name] - before[name], 2) for name in after}
    service = sum(used[name] for name in PARTS)
    return {
        "guests": args.guests,
        "rate": args.rate,
        "web_concurrency": args.web_concurrency,
        "seconds": round(seconds, 1),
        "cpu_seconds": used,
        "service_cpu_seconds": round(service, 2),
        "cpu_seconds_per_1000": round(service / args.guests * 1000, 2),
        "per_1000_by_part": {
            name: round(used[name] / args.guests * 1000, 2) for name in (*PARTS, "emulator")
        },
        "load_average": procfs.load_average(),
    }


def main(argv: list[str] | None = None) -> int:
    """Parse the options, run, print and write the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--guests", type=int, default=3000)
    parser.add_argument("--rate", type=float, default=100.0, help="SEND_RATE_PER_SECOND")
    parser.add_argument("--web-concurrency", type=int, default=2, help="WEB_CONCURRENCY")
    parser.add_argument(
        "--profile",
        type=float,
        default=0,
        metavar="SECONDS",
        help="py-spy the web and the worker for this long from the campaign's start",
    )
    parser.add_argument("--json", type=Path, default=RESULTS / "carry_cost.json")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-carry-") as work:
        figures = run(args, Path(work))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(figures, indent=2) + "\n")
    if args.profile:
        for name in ("web", "worker"):
            raw = RESULTS / f"carry_cost_profile_{name}.txt"
            if raw.exists():
                summary = summarise_profile(raw, what=f"the {name} while carrying invitations")
                raw.with_suffix(".summary.txt").write_text(summary)
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
