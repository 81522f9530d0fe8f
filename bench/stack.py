"""What the benchmarks share to run the service: its credentials, guests in SQL, API calls.

The service under test gets the bench's own API token and Twilio identities (the emulator
accepts them), guests are inserted in SQL rather than imported, and every process a run
started is stopped on the way out, last started first.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text

from app.devstack import REPO_ROOT, ManagedProcess

TOKEN = "bench-api-token-for-local-benchmarks-only"  # 32+ characters, as production requires
SENDER = "whatsapp:+14155238886"
TEMPLATE = "HX" + "0123456789abcdef" * 2
ACCOUNT = "AC" + "a" * 32
AUTH_TOKEN = "emulator-auth-token"
FIRST_NUMBER = 2_000_000
RESULTS = REPO_ROOT / "bench" / "results"


def call(base: str, path: str, method: str = "GET") -> dict:
    """One API request with the bench token; the decoded JSON answer."""
    request = urllib.request.Request(
        f"{base}{path}", method=method, data=b"" if method == "POST" else None
    )
    request.add_header("Authorization", f"Bearer {TOKEN}")
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def insert_guests(
    database_url: str, guests: int, name: str = "Bench gala", first: int = FIRST_NUMBER
) -> int:
    """An event with `guests` guests at distinct valid US numbers (from `first`); its id."""
    engine = create_engine(database_url)
    with engine.begin() as connection:
        event_id = connection.execute(
            text(
                "INSERT INTO events (name, starts_at, venue) "
                "VALUES (:name, now() + interval '30 days', 'Hall') RETURNING id"
            ),
            {"name": name},
        ).scalar_one()
        connection.execute(
            text(
                "INSERT INTO guests (event_id, name, phone, variables) "
                "SELECT :e, 'Guest ' || n, '+1202' || lpad((:first + n)::text, 7, '0'), '{}' "
                "FROM generate_series(0, :n - 1) AS n"
            ),
            {"e": event_id, "first": first, "n": guests},
        )
    engine.dispose()
    return int(event_id)


@contextmanager
def running(processes: list[ManagedProcess]) -> Iterator[None]:
    """Stop every process on the way out, last started first."""
    try:
        yield
    finally:
        for process in reversed(processes):
            process.stop(timeout=40)
