"""Before/after: send-in-the-request under gunicorn (sync, gevent) against this service.

Run from the repository root: `python -m bench.naive [--latencies 5-10,0.1-0.3 --guests 10,30]`.

For each emulator latency and guest count it asks `bench/naive/app.py` (a standalone Flask
app calling twilio's client in a loop with `time.sleep(1)`, the design users copy) to send
to the guests in one request, under gunicorn with (i) one sync worker and the default
30 s timeout and (ii) one gevent worker with a 120 s timeout; and it sends the same guests
through this service (a campaign via its API, one worker). Each case reports messages
accepted by the emulator, the request's outcome and duration, whether gunicorn logged
`WORKER TIMEOUT`, and the longest wait of a GET to the same server issued meanwhile (the
"webhook blocked for N s" symptom). Every case runs at once (they mostly wait), so the
whole run lasts about as long as the slowest request. Figures go to bench/results/naive.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from app.devstack import REPO_ROOT, ManagedProcess, wait_for_http
from app.devstack.embedded import free_port
from bench.emulator import emulator_env
from bench.naive.cases import FIRST_NUMBER, SERVERS, Case, run_case, start_server
from bench.naive.service import run_campaign, service_stack
from bench.stack import running

RESULTS = REPO_ROOT / "bench" / "results"
SERVICE_FIRST = FIRST_NUMBER + 500_000


def start_emulator(latency: str, work: Path, processes: list[ManagedProcess]) -> str:
    """An emulator with this latency for the naive servers; its URL."""
    port = free_port()
    emulator = ManagedProcess(
        f"emulator-{latency}",
        [sys.executable, "-m", "app.emulator", "--port", str(port), "--latency", latency],
        emulator_env("/usr/bin:/bin"),
        work / f"emulator-{latency}.log",
    ).start()
    processes.append(emulator)
    url = f"http://127.0.0.1:{port}"
    wait_for_http(f"{url}/_emulator/health", 30, emulator)
    return url


def run(args: argparse.Namespace, work: Path) -> dict:
    """Start every server, run every case at once, return the figures."""
    cases = [
        Case(server, latency, guests, FIRST_NUMBER + 1000 * index)
        for index, (server, latency, guests) in enumerate(
            (s, lat, g) for lat in args.latencies for s in SERVERS for g in args.guests
        )
    ]
    processes: list[ManagedProcess] = []
    with service_stack(work, args.latencies[0]) as stack, running(processes):
        emulators = {
            latency: start_emulator(latency, work, processes) for latency in args.latencies
        }
        servers = []
        for case in cases:
            server, base = start_server(case, emulators[case.latency], work)
            processes.append(server)
            servers.append((case, server, base))

        def service_cases() -> list[dict]:
            found, first = [], SERVICE_FIRST
            for latency in args.latencies:
                for guests in args.guests:
                    found.append(run_campaign(stack, latency, guests, first, args.client_timeout))
                    first += 1000
            return found

        with ThreadPoolExecutor(max_workers=len(servers) + 1) as pool:
            service = pool.submit(service_cases)
            naive = [
                pool.submit(
                    run_case, case, server, base, emulators[case.latency], args.client_timeout
                )
                for case, server, base in servers
            ]
            results = {"naive": [f.result() for f in naive], "service": service.result()}
    return {
        "latencies_s": args.latencies,
        "guests": args.guests,
        "client_timeout_s": args.client_timeout,
        **results,
    }


def print_table(figures: dict) -> None:
    """One line per case."""
    header = (
        f"{'server':34} {'latency':>8} {'guests':>6} {'sent':>5} {'outcome':>14} "
        f"{'request':>9} {'all sent':>9} {'TIMEOUT':>7} {'GET waited':>10} {'dup':>4}"
    )
    print(header)
    print("-" * len(header))
    for row in figures["naive"] + figures["service"]:
        all_sent = row.get("time_to_all_sent_s")
        if all_sent is None and row["sent"] == row["guests"]:
            all_sent = row["request_s"]
        print(
            f"{row['server']:34} {row['latency_s']:>8} {row['guests']:>6} {row['sent']:>5} "
            f"{row['outcome']:>14} {row['request_s']:>8}s "
            f"{'-' if all_sent is None else f'{all_sent}s':>9} "
            f"{'yes' if row.get('worker_timeout_logged') else 'no':>7} "
            f"{row['probe_max_s'] if row['probe_max_s'] is not None else '-':>9}s "
            f"{row.get('duplicates', '-'):>4}"
        )


def main(argv: list[str] | None = None) -> int:
    """Parse the options, run, print the table, write bench/results/naive.json."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.naive", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--latencies", default="5-10,0.1-0.3", help="emulator latency ranges, comma-separated"
    )
    parser.add_argument("--guests", default="10,30", help="guest counts, comma-separated")
    parser.add_argument(
        "--client-timeout",
        type=float,
        default=0.0,
        help="seconds a request may take (default: all guests at the slowest latency, plus 30 s)",
    )
    parser.add_argument("--quick", action="store_true", help="only the 0.1-0.3 s provider")
    parser.add_argument("--json", type=Path, default=RESULTS / "naive.json")
    parser.add_argument(
        "--keep-logs", action="store_true", help="keep the process logs and print where"
    )
    args = parser.parse_args(argv)
    args.latencies = ["0.1-0.3"] if args.quick else args.latencies.split(",")
    args.guests = [int(n) for n in args.guests.split(",")]
    slowest = max(float(latency.split("-")[-1]) for latency in args.latencies)
    args.client_timeout = args.client_timeout or max(args.guests) * (slowest + 1) + 30
    work = Path(tempfile.mkdtemp(prefix="bench-naive-"))
    figures = run(args, work)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(figures, indent=2) + "\n")
    print_table(figures)
    print(f"figures in {args.json}")
    if args.keep_logs:
        print(f"logs in {work}")
    service_ok = all(r["sent"] == r["guests"] and not r["duplicates"] for r in figures["service"])
    return 0 if service_ok else 1


if __name__ == "__main__":
    sys.exit(main())
