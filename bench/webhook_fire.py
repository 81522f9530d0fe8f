"""Webhooks under fire: signed inbound webhooks at a fixed rate while a campaign runs.

Run from the repository root (the SPEC's "Webhook under fire" bar):

    python -m bench.webhook_fire                 # 10,000 guests, 5-10 s provider, 300 req/s, 60 s
    python -m bench.webhook_fire --quick         # 2,000 guests, 1-2 s provider, 100 req/s, 15 s

It starts the emulator (latency `--latency`, status callbacks sent, delivered and read posted
to gunicorn), gunicorn as the Procfile runs it (`WEB_CONCURRENCY=2`, gunicorn.conf.py's
production defaults, worker recycling included), ONE `python -m worker`, imports the guests
in SQL and measures, with an open-loop generator (bench/fire_load.py, its own process):

1. the floor: `GET /health` at the same rate for 10 s before the campaign starts;
2. the window: once the campaign (created through the API) has run `--warmup` seconds,
   `--rate` signed inbound webhooks per second for `--seconds`, pre-built and signed
   before the window: texts from the guests' numbers and, for `--buttons` of them, quick
   reply taps answering invitations already sent (their `OriginalRepliedMessageSid`).

Then it waits for the campaign to complete and writes bench/results/webhook_fire.json:
latency percentiles (answer time minus the request's scheduled time), errors, the campaign's
sends/s in the window (PostgreSQL `accepted_at`), gunicorn's `WORKER TIMEOUT` lines and
worker restarts, a per-second timeline (latency, requests/s, sends/s, worker boots, CPU),
the CPU used by each process group in the window, and the emulator's duplicates and lost.
Uses the same PostgreSQL and Redis discovery as the tests (a scratch database;
`TEST_REDIS_URL`). Exits 1 when a bar is missed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import create_engine, make_url, text

from app.devstack import (
    ManagedProcess,
    local_bind,
    python_command,
    run_release,
    wait_for_http,
    web_command,
)
from app.embedded import free_port
from bench.campaign_throughput import (
    ACCOUNT,
    AUTH_TOKEN,
    FIRST_NUMBER,
    RESULTS,
    SENDER,
    TEMPLATE,
    TOKEN,
    call,
    insert_guests,
    running,
)
from bench.emulator import emulator_env, get_json
from bench.procfs import family
from bench.sql import rows
from bench.worker_watch import Worker
from tests.support.services import provide_services
from tests.webhooks.support import button_form, inbound_form, sign

INBOUND = "/webhooks/twilio/inbound"
TEXTS = (
    "Can I bring a friend?",
    "What time does it start?",
    "Is there parking nearby?",
    "Thank you for the invitation!",
    "Is there a dress code?",
    "Can I bring my kids?",
    "Running a bit late, see you there",
    "Where is the hall exactly?",
)
BUTTONS = (("yes", "Yes"), ("no", "No"), ("maybe", "Maybe"))
QUICK = {
    "guests": 2000,
    "rate": 100.0,
    "seconds": 15.0,
    "latency": "1-2",
    "warmup": 8.0,
    "floor_seconds": 5.0,
}
CLOCK_TICK = os.sysconf("SC_CLK_TCK")
QUIET_CORES = 0.3  # below this, the machine counts as idle before a run (--quiet-wait)
TCP_COUNTERS = ("ListenOverflows", "ListenDrops", "TCPSynRetrans", "TCPReqQFullDrop")
SHARED_CORES = 0.25  # CPU used by other processes in the window beyond which a warning is printed
GROUPS = ("web", "worker", "emulator", "load", "bench")  # process trees sampled for CPU
FLOOR = ("floor_requests", "floor_errors", "floor_p50_ms", "floor_p99_ms", "floor_max_ms")
LOG_LINE = re.compile(r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4})\] \[(\d+)\] \[(\w+)\] (.*)$")
ACCESS_LINE = re.compile(r'"(\w+) (\S+) [^"]*" (\d{3}) \S+ (\d+)us')


def phone(n: int) -> str:
    """The number of the n-th guest, as bench.campaign_throughput's import gives it."""
    return f"+1202{FIRST_NUMBER + n:07d}"


# --- the processes -------------------------------------------------------------------------


def environment(
    args: argparse.Namespace,
    database_url: str,
    redis_url: str,
    web_port: int,
    emulator_port: int,
    work: Path,
) -> dict[str, str]:
    """The web and worker environment: production, gunicorn.conf.py's defaults."""
    high = float(args.latency.split("-")[-1])
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "APP_ENV": "production",
        "SECRET_KEY": uuid.uuid4().hex,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "API_TOKEN": TOKEN,
        "LOG_LEVEL": args.log_level,
        "PORT": str(web_port),
        "WEB_CONCURRENCY": str(args.web_concurrency),
        "GUNICORN_ACCESS_LOG": str(work / "access.log"),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{web_port}",
        "TWILIO_API_BASE_URL": f"http://127.0.0.1:{emulator_port}",
        "TWILIO_ACCOUNT_SID": ACCOUNT,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_WHATSAPP_FROM": SENDER,
        "TWILIO_INVITE_CONTENT_SID": TEMPLATE,
        "SEND_RATE_PER_SECOND": str(args.send_rate),
        # as bench.campaign_throughput: rate x (max latency + 1) x 1.3 requests in flight
        "SEND_MAX_IN_FLIGHT": str(max(200, math.ceil(args.send_rate * (high + 1) * 1.3))),
    }


def emulator_process(args: argparse.Namespace, port: int, work: Path) -> ManagedProcess:
    """The Twilio emulator with the provider's latency and status callbacks on."""
    argv = [
        *python_command("-m", "app.emulator"),
        *("--port", str(port), "--latency", args.latency),
        *("--callback-statuses", "sent,delivered,read", "--page-size", "50"),
    ]
    return ManagedProcess(
        "emulator", argv, emulator_env(os.environ.get("PATH", "")), work / "emulator.log"
    )


def fire(
    base: str,
    work: Path,
    name: str,
    source: list[str],
    rate: float,
    seconds: float,
    start_at: float,
    args: argparse.Namespace,
    processes: list[ManagedProcess],
    cpu: CpuSampler | None = None,
) -> ManagedProcess:
    """Start bench.fire_load in its own process; the caller waits for it."""
    argv = python_command(
        "-m",
        "bench.fire_load",
        *("--base", base, *source),
        *("--rate", f"{rate:g}", "--seconds", f"{seconds:g}", "--start-at", f"{start_at:.3f}"),
        *("--timeout", f"{args.request_timeout:g}", "--connections", str(args.connections)),
        *("--out", str(work / f"{name}.json")),
    )
    env = {"PATH": os.environ.get("PATH", "")}
    load = ManagedProcess(name, argv, env, work / f"{name}.log").start()
    processes.append(load)
    if cpu is not None:
        cpu.groups["load"] = load.pid
    return load


def finish(load: ManagedProcess, work: Path, timeout: float) -> dict:
    """Wait for a load run; its result."""
    assert load.process is not None
    load.process.wait(timeout=timeout)
    if load.process.returncode:
        raise RuntimeError(f"the load generator failed:\n{load.tail()}")
    return json.loads((work / f"{load.name}.json").read_text())


# --- the requests --------------------------------------------------------------------------


@dataclass
class Built:
    """What the pre-built window holds."""

    texts: int = 0
    buttons: int = 0
    invitations_tapped: int = 0
    sent_invitations_known: int = 0


def sent_invitations(database_url: str, campaign_id: int) -> list[tuple[str, str]]:
    """(phone, invitation SID) of the campaign's invitations the provider has accepted."""
    found = rows(
        database_url,
        "SELECT g.phone, i.message_sid FROM invitations i JOIN guests g ON g.id = i.guest_id "
        "WHERE i.campaign_id = :id AND i.message_sid IS NOT NULL ORDER BY i.accepted_at, i.id",
        id=campaign_id,
    )
    return [(row.phone, row.message_sid) for row in found]


def build_requests(
    path: Path,
    base: str,
    total: int,
    guests: int,
    sent: Sequence[tuple[str, str]],
    buttons: float,
    seed: int,
) -> Built:
    """Write `total` unique signed inbound webhooks, one JSON line each.

    A share `buttons` are quick-reply taps answering invitations already sent (taken in
    turn, so the taps spread over every one of them), the rest texts from random guests.
    """
    rng = random.Random(seed)
    built = Built(sent_invitations_known=len(sent))
    tapped = set()
    with path.open("w") as out:
        for _ in range(total):
            if sent and rng.random() < buttons:
                number, sid = sent[built.buttons % len(sent)]
                payload, title = rng.choice(BUTTONS)
                form = button_form(number, payload, title, sid)
                built.buttons += 1
                tapped.add(sid)
            else:
                form = inbound_form(phone(rng.randrange(guests)), rng.choice(TEXTS))
                built.texts += 1
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": sign(base + INBOUND, form, AUTH_TOKEN),
            }
            out.write(json.dumps(["POST", INBOUND, urlencode(form), headers]) + "\n")
    built.invitations_tapped = len(tapped)
    return built


# --- CPU over time -------------------------------------------------------------------------


def stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name, or None if it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def tree_cpu(pid: int) -> float:
    """CPU seconds of a process and its descendants, the reaped ones included (cutime)."""
    total = 0
    for member in family(pid):
        fields = stat_fields(member)
        if fields:
            total += sum(int(value) for value in fields[11:15])
    return total / CLOCK_TICK


def tcp_counters() -> dict[str, int]:
    """Machine-wide TCP counters that show a listen queue overflowing or SYNs retried."""
    lines = Path("/proc/net/netstat").read_text().splitlines()
    found = {}
    for names, values in zip(lines[::2], lines[1::2], strict=False):
        for name, value in zip(names.split()[1:], values.split()[1:], strict=False):
            if name in TCP_COUNTERS:
                found[name] = int(value)
    return found


def machine_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the machine since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


@dataclass
class CpuSampler:
    """Every second: the machine's busy CPU and each process group's CPU seconds so far."""

    database: str
    groups: dict[str, int] = field(default_factory=dict)  # name -> root pid
    samples: list[dict] = field(default_factory=list)
    backends: dict[int, bool] = field(default_factory=dict)  # pid -> a backend of our database
    stop: threading.Event = field(default_factory=threading.Event)

    def postgres(self) -> dict[int, float]:
        """CPU seconds of each live PostgreSQL backend serving this run's database."""
        found = {}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            pid = int(entry.name)
            if pid not in self.backends:
                try:
                    command = Path(f"/proc/{pid}/cmdline").read_bytes()
                except OSError:
                    continue
                self.backends[pid] = command.startswith(b"postgres: ") and (
                    f" {self.database} ".encode() in command
                )
            if self.backends[pid] and (fields := stat_fields(pid)):
                found[pid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICK
        return found

    def run(self) -> None:
        """Sample until stopped."""
        while not self.stop.is_set():
            busy, total = machine_ticks()
            own = stat_fields(os.getpid()) or ["0"] * 13
            point = {
                "epoch": time.time(),
                "busy": busy,
                "total": total,
                "backends": self.postgres(),
                "bench": (int(own[11]) + int(own[12])) / CLOCK_TICK,
            }
            for name, pid in list(self.groups.items()):
                point[name] = tree_cpu(pid)
            self.samples.append(point)
            self.stop.wait(1.0)

    def per_second(self, start: float, cores: int) -> list[dict]:
        """Cores used in each interval between samples, `t` relative to `start`.

        A process group's CPU includes its reaped children (gunicorn's recycled workers);
        PostgreSQL's is summed backend by backend (a backend that appears counts from 0, one
        that exits loses its last interval). `other` is the rest of the machine's busy time:
        other users of the machine, PostgreSQL's own processes, the kernel.
        """
        found = []
        for before, after in zip(self.samples, self.samples[1:], strict=False):
            elapsed = after["epoch"] - before["epoch"]
            ticks = after["total"] - before["total"]
            if elapsed <= 0 or ticks <= 0:
                continue
            point = {
                "t": round(before["epoch"] - start, 2),
                "machine": round((after["busy"] - before["busy"]) / ticks * cores, 2),
            }
            for name in GROUPS:
                if name in before and name in after:
                    point[name] = round(max(0.0, after[name] - before[name]) / elapsed, 2)
            backends = before["backends"]
            used = sum(cpu - backends.get(pid, 0.0) for pid, cpu in after["backends"].items())
            point["postgres"] = round(max(0.0, used) / elapsed, 2)
            ours = sum(point.get(name, 0.0) for name in (*GROUPS, "postgres"))
            point["other"] = round(max(0.0, point["machine"] - ours), 2)
            found.append(point)
        return found


def busy_cores(seconds: float, cores: int) -> float:
    """Cores the whole machine kept busy over the next `seconds`."""
    busy, total = machine_ticks()
    time.sleep(seconds)
    busy_after, total_after = machine_ticks()
    return (busy_after - busy) / max(1, total_after - total) * cores


def wait_for_quiet(limit: float, cores: int) -> tuple[float, float]:
    """Wait up to `limit` seconds for the machine to be nearly idle (another benchmark done).

    Returns the seconds waited and the busy cores last measured.
    """
    started = time.monotonic()
    busy = busy_cores(3.0, cores)
    while busy > QUIET_CORES and time.monotonic() - started < limit:
        print(f"the machine is busy ({busy:.2f} cores): waiting for it to quiet down", flush=True)
        busy = busy_cores(5.0, cores)
    return time.monotonic() - started, busy


# --- the campaign --------------------------------------------------------------------------


def campaign_created(database_url: str, campaign_id: int) -> float:
    """The campaign's creation, epoch seconds, as PostgreSQL stamped it."""
    sql = "SELECT extract(epoch FROM created_at) AS created FROM campaigns WHERE id = :id"
    return float(rows(database_url, sql, id=campaign_id)[0].created)


def wait_for_completion(
    database_url: str, campaign_id: int, worker: Worker, deadline: float
) -> float:
    """Wait for the campaign to complete; seconds from its creation to its completion."""
    engine = create_engine(database_url)
    query = text(
        "SELECT state, extract(epoch FROM finished_at - created_at) AS seconds FROM campaigns "
        "WHERE id = :id"
    )
    try:
        with engine.connect() as connection:
            while (row := connection.execute(query, {"id": campaign_id}).one()).state != (
                "completed"
            ):
                connection.rollback()
                if not worker.current.running():
                    raise RuntimeError(f"the worker died:\n{worker.current.tail()}")
                if time.time() > deadline:
                    raise TimeoutError(f"campaign not completed: {row}")
                time.sleep(0.5)
    finally:
        engine.dispose()
    return float(row.seconds)


def accepted_epochs(database_url: str, campaign_id: int) -> list[float]:
    """When PostgreSQL recorded each of the campaign's invitations as accepted."""
    found = rows(
        database_url,
        "SELECT extract(epoch FROM accepted_at) AS at FROM invitations "
        "WHERE campaign_id = :id AND accepted_at IS NOT NULL",
        id=campaign_id,
    )
    return [float(row.at) for row in found]


# --- the run -------------------------------------------------------------------------------


@dataclass
class Observed:
    """Everything a run brings back."""

    floor: dict
    window: dict
    built: Built
    sends: list[float]
    created_epoch: float
    completion_s: float
    counts: dict
    stats: dict
    cpu: CpuSampler
    web_log: str
    access_log: str
    load_average: str
    tcp: dict[str, int]


def run(args: argparse.Namespace, work: Path) -> Observed:
    """Start everything, measure the floor, run the campaign and the window."""
    with provide_services(work / "services") as services:
        web_port, emulator_port = free_port(), free_port()
        base = f"http://127.0.0.1:{web_port}"
        emulator_url = f"http://127.0.0.1:{emulator_port}"
        env = environment(
            args, services.database_url, services.redis_url, web_port, emulator_port, work
        )
        run_release(env)
        emulator = emulator_process(args, emulator_port, work)
        web = ManagedProcess("web", web_command(local_bind(env)), env, work / "web.log")
        processes = [emulator.start(), web.start()]
        worker = Worker(env, work / "worker.log", processes)
        cpu = CpuSampler(make_url(services.database_url).database or "")
        sampler = threading.Thread(target=cpu.run, daemon=True)
        with running(processes):
            wait_for_http(f"{emulator_url}/_emulator/health", 30, emulator)
            wait_for_http(f"{base}/health", 60, web)
            worker.start()
            cpu.groups.update(web=web.pid, worker=worker.current.pid, emulator=emulator.pid)
            sampler.start()
            time.sleep(3)  # the worker is up and idle, as in production
            event_id = insert_guests(services.database_url, args.guests)
            load_average = Path("/proc/loadavg").read_text().strip()
            print(f"floor: GET /health at {args.rate:g}/s for {args.floor_seconds:g} s", flush=True)
            floor_run = fire(
                base,
                work,
                "floor",
                ["--get", "/health"],
                args.rate,
                args.floor_seconds,
                time.time() + 1.5,
                args,
                processes,
            )
            floor = finish(floor_run, work, args.floor_seconds + args.request_timeout + 60)
            campaign = call(base, f"/api/v1/events/{event_id}/campaigns", method="POST")
            created = campaign_created(services.database_url, campaign["id"])
            print(f"campaign {campaign['id']} created: {args.guests} guests", flush=True)
            time.sleep(max(0.0, created + args.warmup - args.build_lead - time.time()))
            sent = sent_invitations(services.database_url, campaign["id"])
            total = round(args.rate * args.seconds)
            built = build_requests(
                work / "requests.jsonl", base, total, args.guests, sent, args.buttons, args.seed
            )
            start_at = max(created + args.warmup, time.time() + 1.0)
            print(
                f"window: {total} signed inbound webhooks ({built.texts} texts, {built.buttons} "
                f"taps on {built.invitations_tapped} sent invitations) at {args.rate:g}/s, "
                f"from {start_at - created:.1f} s into the campaign",
                flush=True,
            )
            tcp_before = tcp_counters()
            window_run = fire(
                base,
                work,
                "window",
                ["--requests", str(work / "requests.jsonl")],
                args.rate,
                args.seconds,
                start_at,
                args,
                processes,
                cpu,
            )
            window = finish(window_run, work, args.seconds + args.request_timeout + 120)
            tcp_after = tcp_counters()
            tcp = {name: tcp_after[name] - tcp_before.get(name, 0) for name in tcp_after}
            print("window done; waiting for the campaign to complete", flush=True)
            deadline = created + args.guests / args.send_rate + 300
            completion = wait_for_completion(
                services.database_url, campaign["id"], worker, deadline
            )
            counts = get_json(f"{emulator_url}/_emulator/counts")["counts"]
            stats = get_json(f"{emulator_url}/_emulator/stats")
            sends = accepted_epochs(services.database_url, campaign["id"])
            cpu.stop.set()
            sampler.join(timeout=10)
    return Observed(
        floor,
        window,
        built,
        sends,
        created,
        completion,
        counts,
        stats,
        cpu,
        (work / "web.log").read_text(errors="replace"),
        (work / "access.log").read_text(errors="replace"),
        load_average,
        tcp,
    )


# --- the figures ---------------------------------------------------------------------------


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


def server_times(access_log: str) -> dict:
    """gunicorn's own request times (%(D)s) for the inbound and status webhooks."""
    by_path: dict[str, list[float]] = {"inbound": [], "status": []}
    for match in ACCESS_LINE.finditer(access_log):
        kind = match[2].rstrip("/").rsplit("/", 1)[-1]
        if match[1] == "POST" and kind in by_path:
            by_path[kind].append(int(match[4]) / 1000)
    figures: dict = {}
    for kind, times in by_path.items():
        times.sort()
        figures[f"server_{kind}_requests"] = len(times)
        figures[f"server_{kind}_p50_ms"] = percentile(times, 50)
        figures[f"server_{kind}_p99_ms"] = percentile(times, 99)
        figures[f"server_{kind}_max_ms"] = round(times[-1], 1) if times else None
    return figures


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


# --- the command ---------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.webhook_fire", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--guests", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=300.0, help="webhooks per second")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the window")
    parser.add_argument("--latency", default="5-10", help="emulator latency range, seconds")
    parser.add_argument("--send-rate", type=float, default=80.0, help="SEND_RATE_PER_SECOND")
    parser.add_argument(
        "--warmup", type=float, default=20.0, help="seconds of campaign before the window"
    )
    parser.add_argument("--floor-seconds", type=float, default=10.0, help="the /health run")
    parser.add_argument("--buttons", type=float, default=0.3, help="share of button taps")
    parser.add_argument(
        "--request-timeout", type=float, default=10.0, help="a request unanswered this long fails"
    )
    parser.add_argument("--connections", type=int, default=500, help="generator's connections")
    parser.add_argument("--web-concurrency", type=int, default=2, help="WEB_CONCURRENCY")
    parser.add_argument(
        "--build-lead", type=float, default=2.0, help="build the requests this long before"
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=0.0,
        help="wait up to this many seconds for the machine to be idle before starting",
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the request mix")
    parser.add_argument("--log-level", default="INFO", help="LOG_LEVEL of web and worker")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="2,000 guests, 1-2 s provider, 100 req/s for 15 s after 8 s (indicative only)",
    )
    parser.add_argument("--json", type=Path, default=RESULTS / "webhook_fire.json")
    parser.add_argument("--keep-logs", action="store_true", help="keep the logs, print where")
    args = parser.parse_args(argv)
    if args.quick:
        given = {word.split("=", 1)[0] for word in (sys.argv[1:] if argv is None else argv)}
        for name, value in QUICK.items():
            if f"--{name.replace('_', '-')}" not in given:
                setattr(args, name, value)
    return args


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


def main(argv: list[str] | None = None) -> int:
    """Parse the options, run, write the figures as JSON and print a summary."""
    args = parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-fire-"))
    waited, busy = wait_for_quiet(args.quiet_wait, os.cpu_count() or 1)
    figures = report(args, run(args, work))
    figures["machine_busy_before_cores"] = round(busy, 2)
    figures["quiet_wait_s"] = round(waited, 1)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(figures, indent=2) + "\n")
    headline = {k: v for k, v in figures.items() if not isinstance(v, dict | list)}
    print(json.dumps(headline, indent=2))
    print_summary(figures)
    print(f"figures in {args.json}")
    if args.keep_logs:
        print(f"logs in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if all(figures["bars"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
