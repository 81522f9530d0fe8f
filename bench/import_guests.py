"""Time a 50,000-row CSV guest import against real gunicorn (gevent) and PostgreSQL.

Run from the repository root: `python -m bench.import_guests [--rows 50000]`.

While the import runs, a second client polls `/health` every 20 ms on the same single
gevent worker: its worst latency shows how long the import ever blocks the event loop
(a worker blocked for seconds would show seconds here, and `WORKER TIMEOUT` later).
Uses the same PostgreSQL and Redis discovery as the tests (a scratch database).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from app.devstack import ManagedProcess, local_bind, run_release, wait_for_http, web_command
from app.devstack.embedded import free_port
from tests.support.services import provide_services

TOKEN = "bench-token"


def build_csv(rows: int) -> bytes:
    """A CSV with a BOM, accented names, national and international numbers, one variable."""
    lines = ["name,phone,seat"]
    for n in range(rows):
        if n % 2:
            lines.append(f"Invitado Ñandú {n},+34 612 {n:06d},{n}")
        else:
            area = (415, 650, 510)[n // 20000]  # distinct numbers, national format
            lines.append(f"Guest {n},({area}) 555-{n // 2 % 10000:04d},{n}")
    return b"\xef\xbb\xbf" + ("\r\n".join(lines) + "\r\n").encode()


def call(url: str, method: str = "GET", data: bytes | None = None, ctype: str = "") -> dict:
    """One API request; return the decoded JSON answer."""
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Authorization", f"Bearer {TOKEN}")
    if ctype:
        request.add_header("Content-Type", ctype)
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read())


def poll_health(base: str, stop: threading.Event, latencies: list[float]) -> None:
    """Request `/health` every 20 ms until `stop`, recording each latency."""
    while not stop.is_set():
        started = time.perf_counter()
        with urllib.request.urlopen(f"{base}/health", timeout=30) as response:
            response.read()
        latencies.append(time.perf_counter() - started)
        time.sleep(0.02)


def run(rows: int, work: Path) -> None:
    """Start gunicorn, import `rows` guests while polling /health, print the figures."""
    with provide_services(work / "services") as services:
        port = free_port()
        env = {
            "PATH": "/usr/bin:/bin",
            "APP_ENV": "test",
            "SECRET_KEY": "bench",
            "DATABASE_URL": services.database_url,
            "REDIS_URL": services.redis_url,
            "API_TOKEN": TOKEN,
            "LOG_LEVEL": "WARNING",
            "PORT": str(port),
            "WEB_CONCURRENCY": "1",
            "GUNICORN_ACCESS_LOG": "/dev/null",
        }
        run_release(env)
        web = ManagedProcess("web", web_command(local_bind(env)), env, work / "web.log").start()
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for_http(f"{base}/health", 30, web)
            measure(base, rows)
        finally:
            web.stop()
        if "WORKER TIMEOUT" in web.log_path.read_text(errors="replace"):
            print("WORKER TIMEOUT in the gunicorn log")


def measure(base: str, rows: int) -> None:
    """Import once and print the import time and /health latencies during it."""
    event = call(f"{base}/api/v1/events", "POST", b'{"name": "Bench"}', "application/json")
    body = build_csv(rows)
    idle: list[float] = []
    stop = threading.Event()
    poller = threading.Thread(target=poll_health, args=(base, stop, idle))
    poller.start()
    time.sleep(1.0)  # baseline latencies with an idle worker
    baseline = list(idle)
    idle.clear()
    started = time.perf_counter()
    report = call(f"{base}/api/v1/events/{event['id']}/guests", "POST", body, "text/csv")
    elapsed = time.perf_counter() - started
    stop.set()
    poller.join()
    during = idle
    print(f"rows: {rows} ({len(body) / 1e6:.1f} MB)")
    print(
        f"imported: {report['imported']}, duplicates: {report['duplicates']}, "
        f"errors: {report['error_count']}"
    )
    print(f"import request: {elapsed:.2f} s ({rows / elapsed:,.0f} rows/s)")
    print(
        f"/health idle: median {statistics.median(baseline) * 1000:.1f} ms, "
        f"max {max(baseline) * 1000:.1f} ms"
    )
    print(
        f"/health during import: {len(during)} answered, "
        f"median {statistics.median(during) * 1000:.1f} ms, "
        f"max {max(during) * 1000:.1f} ms"
    )


def main() -> None:
    """Parse arguments and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-import-") as work:
        run(args.rows, Path(work))


if __name__ == "__main__":
    main()
