"""Peak throughput of the signed webhooks against a bare TwiML endpoint, same gunicorn, same run.

Run from the repository root: `python -m bench.webhook_load [--seconds 10 --rounds 3]`.

Starts the web process as the Procfile does (gunicorn, gevent, `WEB_CONCURRENCY` workers)
with one extra route, `POST /_bench/bare`, answering the same empty TwiML without touching
anything. Rounds alternate bare / inbound text / inbound button tap / status callback, so
that a neighbour's load on a shared machine hits every kind alike; the medians and the
webhook-to-bare ratio are printed (the SPEC asks for at least 40%). The load generator runs
on the same machine and takes CPU from both alike. Uses the same PostgreSQL and Redis
discovery as the tests (a scratch database).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import aiohttp
from flask import Flask, Response

from app.devstack import ManagedProcess, python_command, run_release, wait_for_http
from app.embedded import free_port
from tests.support.services import provide_services
from tests.webhooks.support import button_form, inbound_form, seed, sign, status_form

BARE = "/_bench/bare"
INBOUND = "/webhooks/twilio/inbound"
STATUS = "/webhooks/twilio/status"
GUESTS = 200
Request = tuple[str, dict[str, str], dict[str, str]]


def create_bench_app() -> Flask:
    """The service's app plus a bare endpoint returning the webhooks' empty TwiML."""
    from app import create_app
    from app.extensions import csrf
    from app.webhooks.views import EMPTY_TWIML

    app = create_app()

    def bare() -> Response:
        return Response(EMPTY_TWIML, mimetype="text/xml")

    app.add_url_rule(BARE, "bench_bare", bare, methods=["POST"])
    csrf.exempt(bare)
    return app


def seed_guests(env: dict[str, str]) -> list[str]:
    """Create guests with sent invitations; return the invitations' SIDs."""
    from app import create_app

    app = create_app(env)
    sids = [seed(app, f"+1415{n:07d}").message_sid or "" for n in range(GUESTS)]
    return sids


def request_makers(base: str, sids: list[str]) -> dict[str, Callable[[int], Request]]:
    """How to build the n-th request of each kind, signed for the public URL."""

    def signed(path: str, form: dict[str, str]) -> Request:
        return path, form, {"X-Twilio-Signature": sign(base + path, form)}

    def phone(n: int) -> str:
        return f"+1415{n % GUESTS:07d}"

    return {
        "bare": lambda n: (BARE, inbound_form(phone(n), "hello"), {}),
        "inbound text": lambda n: signed(INBOUND, inbound_form(phone(n), "Can I bring a friend?")),
        "inbound button": lambda n: signed(
            INBOUND, button_form(phone(n), "yes", "Yes", sids[n % GUESTS])
        ),
        "status": lambda n: signed(
            STATUS, status_form(sids[n % GUESTS], ("sent", "delivered", "read")[n % 3])
        ),
    }


async def run_load(base: str, requests: list[Request], seconds: float, concurrency: int) -> dict:
    """Send `requests` with `concurrency` connections for `seconds`; return the figures."""
    latencies: list[float] = []
    errors = 0
    position = iter(requests)
    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        deadline = time.perf_counter() + seconds

        async def client() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                path, form, headers = next(position)
                started = time.perf_counter()
                async with session.post(base + path, data=form, headers=headers) as response:
                    await response.read()
                    errors += response.status != 200
                latencies.append(time.perf_counter() - started)

        began = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "errors": errors,
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000,
    }


def main() -> None:
    """Start the stack, run the rounds, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="per kind and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="WEB_CONCURRENCY")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, provide_services(Path(tmp)) as services:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "APP_ENV": "test",
            "DATABASE_URL": services.database_url,
            "REDIS_URL": services.redis_url,
            "SECRET_KEY": "bench",
            "LOG_LEVEL": "WARNING",
            "PORT": str(port),
            "WEB_CONCURRENCY": str(args.workers),
            "PUBLIC_BASE_URL": base,
        }
        run_release(env)
        sids = seed_guests(env)
        argv = python_command(
            "-m", "gunicorn", "-c", "gunicorn.conf.py", "bench.webhook_load:create_bench_app()"
        )
        web = ManagedProcess("web", argv, env, Path(tmp) / "web.log").start()
        try:
            wait_for_http(f"{base}/health", timeout=30, process=web)
            results = run_rounds(base, sids, args)
        finally:
            web.stop()
        report(results)


def run_rounds(base: str, sids: list[str], args: argparse.Namespace) -> dict[str, list[dict]]:
    """Alternate the kinds for `args.rounds` rounds; return every round's figures per kind."""
    makers = request_makers(base, sids)
    results: dict[str, list[dict]] = {kind: [] for kind in makers}
    budget = int(args.seconds * 4000)  # more requests than any round can send
    counter = 0
    for round_number in range(1, args.rounds + 1):
        for kind, make in makers.items():
            requests = [make(counter + n) for n in range(budget)]
            counter += budget
            figures = asyncio.run(run_load(base, requests, args.seconds, args.concurrency))
            results[kind].append(figures)
            print(
                f"round {round_number} {kind:15s} {figures['rps']:7.0f} req/s"
                f"  p50 {figures['p50_ms']:6.1f} ms  p99 {figures['p99_ms']:7.1f} ms"
                f"  errors {figures['errors']}"
            )
    return results


def report(results: dict[str, list[dict]]) -> None:
    """Print the median throughput of each kind and its ratio to the bare endpoint."""
    medians = {
        kind: statistics.median(r["rps"] for r in rounds) for kind, rounds in results.items()
    }
    print("\nmedian req/s (ratio to bare):")
    for kind, rps in medians.items():
        print(f"  {kind:15s} {rps:7.0f}  ({rps / medians['bare']:.0%})")


if __name__ == "__main__":
    main()
