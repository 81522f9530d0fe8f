"""One run, in order: the floor, the campaign, the window, the completion; what it saw."""

from __future__ import annotations

import argparse
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import make_url

from bench import procfs
from bench.emulator import get_json
from bench.stack import call, insert_guests
from bench.webhook_fire.load import Built, build_requests, finish, fire, sent_invitations
from bench.webhook_fire.processes import (
    Stack,
    accepted_epochs,
    campaign_created,
    started,
    wait_for_completion,
)
from bench.webhook_fire.samplers import CpuSampler, tcp_counters
from tests.support.services import provide_services


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


@dataclass(frozen=True)
class Window:
    """The window's requests as built, the generator's result, the TCP counters' growth."""

    built: Built
    result: dict
    tcp: dict[str, int]


def run(args: argparse.Namespace, work: Path) -> Observed:
    """Start everything, measure the floor, run the campaign and the window."""
    with provide_services(work / "services") as services:
        cpu = CpuSampler(make_url(services.database_url).database or "")
        sampler = threading.Thread(target=cpu.run, daemon=True)
        with started(args, services.database_url, services.redis_url, work) as stack:
            cpu.groups.update(
                web=stack.web.pid, worker=stack.worker.current.pid, emulator=stack.emulator.pid
            )
            sampler.start()
            time.sleep(3)  # the worker is up and idle, as in production
            event_id = insert_guests(services.database_url, args.guests)
            load_average = procfs.load_average()
            floor = measure_floor(args, stack, work)
            campaign = call(stack.base, f"/api/v1/events/{event_id}/campaigns", method="POST")
            created = campaign_created(services.database_url, campaign["id"])
            print(f"campaign {campaign['id']} created: {args.guests} guests", flush=True)
            window = fire_window(args, stack, work, cpu, campaign["id"], created)
            print("window done; waiting for the campaign to complete", flush=True)
            deadline = created + args.guests / args.send_rate + 300
            completion = wait_for_completion(
                services.database_url, campaign["id"], stack.worker, deadline
            )
            counts = get_json(f"{stack.emulator_url}/_emulator/counts")["counts"]
            stats = get_json(f"{stack.emulator_url}/_emulator/stats")
            sends = accepted_epochs(services.database_url, campaign["id"])
            cpu.stop.set()
            sampler.join(timeout=10)
    return Observed(
        floor,
        window.result,
        window.built,
        sends,
        created,
        completion,
        counts,
        stats,
        cpu,
        (work / "web.log").read_text(errors="replace"),
        (work / "access.log").read_text(errors="replace"),
        load_average,
        window.tcp,
    )


def measure_floor(args: argparse.Namespace, stack: Stack, work: Path) -> dict:
    """The generator's own floor: `GET /health` at the window's rate, before the campaign."""
    print(f"floor: GET /health at {args.rate:g}/s for {args.floor_seconds:g} s", flush=True)
    floor_run = fire(
        stack.base,
        work,
        "floor",
        ["--get", "/health"],
        args.rate,
        args.floor_seconds,
        time.time() + 1.5,
        args,
        stack.processes,
    )
    return finish(floor_run, work, args.floor_seconds + args.request_timeout + 60)


def fire_window(
    args: argparse.Namespace,
    stack: Stack,
    work: Path,
    cpu: CpuSampler,
    campaign_id: int,
    created: float,
) -> Window:
    """Build the window's requests `--build-lead` s before it, then fire them on schedule."""
    time.sleep(max(0.0, created + args.warmup - args.build_lead - time.time()))
    sent = sent_invitations(stack.database_url, campaign_id)
    total = round(args.rate * args.seconds)
    built = build_requests(
        work / "requests.jsonl", stack.base, total, args.guests, sent, args.buttons, args.seed
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
        stack.base,
        work,
        "window",
        ["--requests", str(work / "requests.jsonl")],
        args.rate,
        args.seconds,
        start_at,
        args,
        stack.processes,
        cpu,
    )
    result = finish(window_run, work, args.seconds + args.request_timeout + 120)
    tcp_after = tcp_counters()
    tcp = {name: tcp_after[name] - tcp_before.get(name, 0) for name in tcp_after}
    return Window(built, result, tcp)
