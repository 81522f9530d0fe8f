"""Peak throughput of the signed webhooks, against a lean reference and a bare endpoint.

Run from the repository root: `python -m bench.webhook_peak [--seconds 10 --rounds 3]`.

Starts two servers under the same gunicorn config (gunicorn.conf.py, gevent,
`WEB_CONCURRENCY` workers, worker recycling off): the service as the Procfile runs it, and
`bench/lean.py`, the lean reference doing the same work (signature, guest lookup, the
message stored once per MessageSid in one SQL round trip, TwiML) plus a bare TwiML
endpoint. wrk (64 connections) sends unique signed messages, every kind in turn for each
round, so that a neighbour's load hits them alike; medians and the ratio of each webhook
to its lean counterpart are printed and written to bench/results/webhook_peak.json.
`--profile` records the service's web workers with py-spy during its inbound rounds.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from app.devstack import ManagedProcess, python_command, run_release, wait_for_http
from app.devstack.embedded import free_port
from bench.wrk_load import WRK_SCRIPT, kinds, run_wrk, seed, webhook_server_env, write_requests
from tests.support.services import provide_services

RESULTS = Path("bench/results")
PROFILE = RESULTS / "webhook_peak_profile.txt"


def main(argv: list[str] | None = None) -> int:
    """Start both servers, run the rounds, print and save the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="per kind and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="WEB_CONCURRENCY")
    parser.add_argument(
        "--profile",
        nargs="?",
        const="inbound text",
        default="",
        metavar="KINDS",
        help="py-spy the service's workers during these kinds' rounds (comma separated;"
        " 'inbound text' when none is named)",
    )
    parser.add_argument("--json", type=Path, default=RESULTS / "webhook_peak.json")
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        print("wrk is not installed (apt-get install wrk)")
        return 2
    with tempfile.TemporaryDirectory() as tmp, provide_services(Path(tmp)) as services:
        work = Path(tmp)
        ports = {"service": free_port(), "lean": free_port()}
        bases = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
        common = webhook_server_env(services, args.workers)
        run_release(common)
        sids = seed(services.database_url)
        servers = []
        try:
            for name, app in (("service", "app:create_app()"), ("lean", "bench.lean:create_app()")):
                env = {**common, "PORT": str(ports[name]), "PUBLIC_BASE_URL": bases[name]}
                argv_ = python_command("-m", "gunicorn", "-c", "gunicorn.conf.py", app)
                process = ManagedProcess(name, argv_, env, work / f"{name}.log").start()
                servers.append(process)
                wait_for_http(bases[name] + "/health", timeout=60, process=process)
            results = run_rounds(work, bases, sids, args, servers[0])
        finally:
            for process in servers:
                process.stop(timeout=30)
    summary = summarise(results)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"rounds": results, "summary": summary}, indent=2))
    return 0


def run_rounds(work, bases, sids, args, service: ManagedProcess) -> dict[str, list[dict]]:
    """Every kind in turn, `args.rounds` times; each round's figures per kind."""
    script = work / "requests.lua"
    script.write_text(WRK_SCRIPT)
    budget = int(args.seconds * 6000)
    results: dict[str, list[dict]] = {}
    counter = 0
    for round_number in range(1, args.rounds + 1):
        for kind, (server, route, make) in kinds(sids).items():
            requests = work / "requests.txt"
            forms = [make(counter + n) for n in range(budget)]
            counter += budget
            write_requests(requests, bases[server], route, forms, signed=kind != "bare")
            raw = profile_path(kind)
            spy = profile(service, raw) if kind in args.profile.split(",") else None
            figures = run_wrk(
                bases[server], script, requests, args.seconds, args.threads, args.connections
            )
            if spy is not None:
                spy.wait(timeout=60)
                what = f"the service's gunicorn workers ({kind} webhooks)"
                raw.with_suffix(".summary.txt").write_text(summarise_profile(raw, what=what))
            results.setdefault(kind, []).append(figures)
            print(
                f"round {round_number} {kind:15s} {figures['rps']:7.0f} req/s"
                f"  p50 {figures['p50_ms']:6.1f} ms  p99 {figures['p99_ms']:7.1f} ms"
                f"  errors {figures['errors']:.0f}/{figures['socket_errors']:.0f}"
            )
    return results


def profile_path(kind: str) -> Path:
    """Where a kind's raw profile goes: webhook_peak_profile.txt for inbound text (the
    README's), webhook_peak_profile_<kind>.txt for the others."""
    if kind == "inbound text":
        return PROFILE
    return PROFILE.with_name(f"webhook_peak_profile_{kind.replace(' ', '_')}.txt")


def profile(service: ManagedProcess, raw: Path) -> subprocess.Popen | None:
    """py-spy every gunicorn worker of the service for 8 s (raw stacks, summarised later)."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        print("py-spy is not installed (pip install -e '.[bench]')")
        return None
    command = [spy, "record", "--pid", str(service.pid), "--subprocesses", "--duration", "8"]
    command += ["--format", "raw", "--output", str(raw), "--nonblocking"]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def summarise_profile(raw: Path, what: str, top: int = 30) -> str:
    """The functions that took the most samples of `what`: inclusive (with callees) and self."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        total += int(count)
        # "function (file.py:line)" -> "function (file.py)"; py-spy's "process N:..." dropped.
        frames = [
            frame.split(":")[0] + ")"
            for frame in stack.split(";")
            if "(" in frame and not frame.startswith("process ")
        ]
        if not frames:
            continue
        for frame in set(frames):
            inclusive[frame] += int(count)
        own[frames[-1]] += int(count)
    lines = [f"py-spy, {total} samples of {what}"]
    for title, counter in (("inclusive", inclusive), ("self", own)):
        lines += ["", f"{title}:"]
        lines += [f"{100 * n / total:5.1f}%  {frame}" for frame, n in counter.most_common(top)]
    return "\n".join(lines) + "\n"


def summarise(results: dict[str, list[dict]]) -> dict[str, dict[str, float]]:
    """Median req/s of each kind, and each webhook's ratio to the lean reference."""
    medians = {
        kind: statistics.median(r["rps"] for r in rounds) for kind, rounds in results.items()
    }
    reference = {
        "inbound text": "lean inbound",
        "inbound reply": "lean inbound",
        "inbound button": "lean inbound",
        "status": "lean status",
    }
    summary = {}
    print("\nmedian req/s:")
    for kind, rps in medians.items():
        line = {"rps": round(rps)}
        if kind in reference:
            line["ratio_to_lean"] = round(rps / medians[reference[kind]], 3)
        line["ratio_to_bare"] = round(rps / medians["bare"], 3)
        summary[kind] = line
        extra = f"  {line['ratio_to_lean']:.2f} of lean" if "ratio_to_lean" in line else ""
        print(f"  {kind:15s} {rps:7.0f}{extra}  ({line['ratio_to_bare']:.0%} of bare)")
    return summary


if __name__ == "__main__":
    raise SystemExit(main())
