"""gunicorn.conf.py under load: workers recycle one at a time, and no one notices.

Sustained signed webhooks, sent open-loop at a fixed rate, while the two gevent workers
recycle again and again (a small `GUNICORN_MAX_REQUESTS` so that it happens in seconds):
every request answered, none slower than a second, and at least five recycles.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
from flask import Flask

from tests.support.factories import seed
from tests.support.stack import running_web
from tests.support.webhooks import AUTH_TOKEN, INBOUND, inbound_form, sign

pytestmark = pytest.mark.slow

RATE = 100  # requests per second
# Long enough for five recycles where a worker takes seconds to boot (a recycle waits
# until its neighbour's replacement is ready).
SECONDS = 45


@pytest.fixture
def recycling_web(app: Flask, migrated: dict[str, str], tmp_path: Path) -> Iterator[tuple]:
    """gunicorn (two gevent workers) recycling a worker every ~250 requests."""
    with running_web(
        migrated,
        tmp_path,
        WEB_CONCURRENCY="2",
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        GUNICORN_MAX_REQUESTS="250",
        GUNICORN_MAX_REQUESTS_JITTER="100",
        GUNICORN_RECYCLE_SPACING="0.5",
    ) as running:
        yield running


async def open_loop(base_url: str, forms: list[dict[str, str]]) -> list[float | str]:
    """POST each form at its scheduled time (RATE a second); latency from that time, or the
    error."""
    url = base_url + INBOUND
    # A new connection per webhook, as many senders do; gunicorn closes a recycling
    # worker's keep-alive connections with `Connection: close` in any case.
    connector = aiohttp.TCPConnector(limit=500, force_close=True)
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        start = time.perf_counter() + 0.5

        async def send(n: int, form: dict[str, str]) -> float | str:
            scheduled = start + n / RATE
            await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
            headers = {"X-Twilio-Signature": sign(url, form)}
            try:
                async with session.post(url, data=form, headers=headers) as response:
                    await response.read()
                    if response.status != 200:
                        return f"HTTP {response.status}"
            except (aiohttp.ClientError, TimeoutError) as error:
                return type(error).__name__
            took = time.perf_counter() - scheduled
            if took > 0.3:
                print(
                    f"SLOW {time.strftime('%H:%M:%S', time.gmtime(time.time() - took))} {took:.3f}"
                )
            return took

        return await asyncio.gather(*(send(n, form) for n, form in enumerate(forms)))


@pytest.mark.alone  # it measures time: no other test beside it
def test_recycling_workers_never_shows_in_latency(app: Flask, recycling_web: tuple) -> None:
    base_url, process = recycling_web
    phones = [f"+1202555{n:04d}" for n in range(20)]
    for phone in phones:
        seed(app, phone)
    forms = [inbound_form(phones[n % len(phones)], f"note {n}") for n in range(RATE * SECONDS)]

    outcomes = asyncio.run(open_loop(base_url, forms))

    errors = [outcome for outcome in outcomes if isinstance(outcome, str)]
    latencies = sorted(outcome for outcome in outcomes if isinstance(outcome, float))
    log = process.log_path.read_text(errors="replace")
    recycles = log.count("Autorestarting worker")
    assert not errors, f"{len(errors)} errors, e.g. {errors[:5]}"
    assert latencies[-1] < 1.0, (
        f"slowest {latencies[-1]:.3f} s, p99 {latencies[-len(latencies) // 100]:.3f} s"
    )
    assert recycles >= 5, f"only {recycles} recycles:\n{log[-2000:]}"
