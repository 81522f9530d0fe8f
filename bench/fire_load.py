"""An open-loop HTTP load generator: requests at fixed times, whatever the answers do.

Run by bench/webhook_fire/ (its load.py) in a process of its own (it must not share a GIL with the
orchestrator's samplers):

    python -m bench.fire_load --base http://127.0.0.1:8000 --requests FILE \\
        --rate 300 --seconds 60 --start-at EPOCH --out RESULT.json

`--requests` is a JSON-lines file of pre-built requests, `[method, path, body, headers]`
(built and signed beforehand, so the window spends nothing on it), used in order and
cycled if short; `--get PATH` sends that GET instead (the floor run against `/health`).
Request i is due at start + i / rate. The scheduler starts each request at its due time
without waiting for any answer (no coordinated omission): a slow server makes requests
pile up in flight, not fewer requests. Latency is answer time minus due time, so the
generator's own lateness counts against the server, and is reported apart as `lag`. A
request not answered within `--timeout` seconds of its due time is a timeout.

The result is JSON: the window's start (epoch seconds) and per request its due offset,
its send lag, its latency and its outcome (an HTTP status, or an error's name).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

import aiohttp

Request = tuple[str, str, bytes, dict[str, str]]


def load_requests(path: Path) -> list[Request]:
    """The pre-built requests of a JSON-lines file."""
    requests = []
    with path.open() as lines:
        for line in lines:
            method, target, body, headers = json.loads(line)
            requests.append((method, target, body.encode(), headers))
    return requests


async def fire(
    base: str,
    requests: list[Request],
    rate: float,
    seconds: float,
    start_at: float,
    timeout: float,
    connections: int,
) -> dict:
    """Send `rate` x `seconds` requests on schedule; every request's figures."""
    total = round(rate * seconds)
    due = [0.0] * total
    lag = [0.0] * total
    latency: list[float | None] = [None] * total
    outcome: list[int | str] = ["not sent"] * total
    loop = asyncio.get_running_loop()
    connector = aiohttp.TCPConnector(limit=connections, limit_per_host=0, ttl_dns_cache=None)
    async with aiohttp.ClientSession(
        base, connector=connector, timeout=aiohttp.ClientTimeout(total=None)
    ) as session:

        async def one(index: int, when: float) -> None:
            method, target, body, headers = requests[index % len(requests)]
            lag[index] = loop.time() - when
            try:
                async with asyncio.timeout_at(when + timeout):
                    async with session.request(
                        method, target, data=body or None, headers=headers
                    ) as response:
                        await response.read()
                        outcome[index] = response.status
            except TimeoutError:
                outcome[index] = "timeout"
            except aiohttp.ClientError as error:
                outcome[index] = type(error).__name__
            except OSError as error:
                outcome[index] = f"OSError {error.errno}"
            latency[index] = loop.time() - when

        if (wait := start_at - time.time()) > 0:
            await asyncio.sleep(wait)
        start = loop.time()
        start_epoch = time.time() - (loop.time() - start)
        tasks = []
        for index in range(total):
            when = start + index / rate
            due[index] = when - start
            if (ahead := when - loop.time()) > 0:
                await asyncio.sleep(ahead)
            tasks.append(asyncio.create_task(one(index, when)))
        scheduled_s = loop.time() - start
        await asyncio.gather(*tasks)
    return {
        "start_epoch": start_epoch,
        "rate": rate,
        "seconds": seconds,
        "timeout_s": timeout,
        "scheduling_s": round(scheduled_s, 4),
        "due_s": [round(d, 6) for d in due],
        "lag_ms": [round(x * 1000, 3) for x in lag],
        "latency_ms": [None if x is None else round(x * 1000, 3) for x in latency],
        "outcome": outcome,
    }


def main(argv: list[str] | None = None) -> int:
    """Parse the options, fire, write the figures."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.fire_load", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--base", required=True, help="e.g. http://127.0.0.1:8000")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--requests", type=Path, help="JSON lines: [method, path, body, headers]")
    source.add_argument("--get", help="send GET requests to this path instead")
    parser.add_argument("--rate", type=float, required=True, help="requests per second")
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--start-at", type=float, default=0.0, help="epoch seconds to start")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds from the due time")
    parser.add_argument("--connections", type=int, default=500, help="aiohttp connector limit")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    requests = load_requests(args.requests) if args.requests else [("GET", args.get, b"", {})]
    result = asyncio.run(
        fire(
            args.base,
            requests,
            args.rate,
            args.seconds,
            args.start_at,
            args.timeout,
            args.connections,
        )
    )
    result["distinct_requests"] = len(requests)
    args.out.write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
