"""A campaign's processes for one test, driven over HTTP, and the exactly-once check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import requests
from sqlalchemy import Engine, text

from app.devstack import ManagedProcess
from tests.support.constants import API_AUTH
from tests.support.emulator import Emulator
from tests.support.factories import insert_guests, phone
from tests.support.polling import eventually
from tests.support.stack import start_worker

# Short leases and sweeps, so that a crash is recovered within a test.
WORKER_KNOBS = {
    "SEND_RATE_PER_SECOND": "200",
    "SEND_MAX_IN_FLIGHT": "100",
    "TWILIO_REQUEST_TIMEOUT": "2",
    "SEND_RECONCILE_GRACE": "1",
    "SEND_LEASE_SECONDS": "6",
    "SEND_SWEEP_INTERVAL": "2",
    "SEND_BACKOFF_BASE": "0.5",
    "SEND_BACKOFF_MAX": "4",
    "SEND_SLICE_SECONDS": "60",
}
COMPLETION_TIMEOUT = 120.0


class CampaignStack:
    """gunicorn and the worker(s) of one test, and how to talk to them."""

    def __init__(self, log_dir: Path, env: dict[str, str], web_url: str, emulator: Emulator):
        self.log_dir = log_dir
        self.env = env
        self.web_url = web_url
        self.emulator = emulator
        self.workers: list[ManagedProcess] = []
        self.http = requests.Session()
        self.http.headers.update(API_AUTH)

    def api(self, method: str, path: str, expect: int = 200) -> dict[str, Any]:
        """Call the API through gunicorn; check the status."""
        response = self.http.request(method, f"{self.web_url}/api/v1{path}", timeout=30)
        assert response.status_code == expect, response.text
        body: dict[str, Any] = response.json()
        return body

    def api_json(
        self, method: str, path: str, body: dict[str, Any], expect: int = 200
    ) -> dict[str, Any]:
        """Call the API with a JSON body; check the status."""
        response = self.http.request(method, f"{self.web_url}/api/v1{path}", json=body, timeout=30)
        assert response.status_code == expect, response.text
        found: dict[str, Any] = response.json()
        return found

    def start_worker(self, extra_env: dict[str, str] | None = None) -> ManagedProcess:
        """Start one more `python -m worker` (with `extra_env` over the stack's environment)."""
        env = {**self.env, **(extra_env or {})}
        worker = start_worker(self.log_dir, env, name=f"worker{len(self.workers)}")
        self.workers.append(worker)
        return worker

    def sent(self) -> int:
        """Messages accepted by the emulator so far."""
        return int(self.emulator.get("/stats")["accepted_total"])

    def wait_sent(self, at_least: int, timeout: float = 60.0) -> None:
        """Wait until the emulator accepted at least `at_least` messages."""
        assert eventually(lambda: self.sent() >= at_least, timeout), self.diagnose()

    def wait_state(
        self, campaign_id: int, state: str, timeout: float = COMPLETION_TIMEOUT
    ) -> dict[str, Any]:
        """Wait until the campaign reaches `state`; return its JSON."""
        found: dict[str, Any] = {}

        def reached() -> bool:
            found.update(self.api("GET", f"/campaigns/{campaign_id}"))
            return found["state"] == state

        assert eventually(reached, timeout, interval=0.5), f"{found}\n{self.diagnose()}"
        return found

    def diagnose(self) -> str:
        """The end of every worker's log."""
        return "\n".join(f"--- {w.name}:\n{w.tail(30)}" for w in self.workers)

    def stop(self) -> None:
        """Stop every worker still running."""
        for worker in self.workers:
            worker.stop(timeout=40)


def create_campaign(stack: CampaignStack, guests: int, start: int = 0) -> tuple[int, int]:
    """Import guests in SQL and create their campaign through the API; return both ids."""
    event_id = insert_guests(stack.env["DATABASE_URL"], guests, start=start)
    body = stack.api("POST", f"/events/{event_id}/campaigns", expect=201)
    assert body["total"] == body["pending"] == guests
    assert body["preflight"]["recipients"] == guests
    return event_id, int(body["id"])


def assert_exactly_once(engine: Engine, emulator: Emulator, event_id: int, guests: int) -> None:
    """Every guest has exactly one accepted message at the provider, recorded with its SID."""
    counts = emulator.counts()
    expected = {f"whatsapp:{phone(i)}" for i in range(guests)}
    duplicates = {to: n for to, n in counts.items() if n != 1}
    assert not duplicates, (
        f"{len(duplicates)} guests got more than one message: {list(duplicates.items())[:5]}"
    )
    missing = expected - set(counts)
    assert not missing, f"{len(missing)} guests got no message, e.g. {sorted(missing)[:5]}"
    assert set(counts) == expected
    sids = {m["sid"]: m["to"] for m in emulator.messages()}
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT g.phone, i.send_state, i.message_sid FROM invitations i "
                "JOIN guests g ON g.id = i.guest_id WHERE i.event_id = :e"
            ),
            {"e": event_id},
        ).all()
    assert len(rows) == guests
    not_accepted = [row for row in rows if row.send_state != "accepted"]
    assert not not_accepted, (
        f"{len(not_accepted)} invitations not accepted, e.g. {not_accepted[:3]}"
    )
    wrong = [row for row in rows if sids.get(row.message_sid) != f"whatsapp:{row.phone}"]
    assert not wrong, f"{len(wrong)} invitations recorded a SID that is not theirs: {wrong[:3]}"
