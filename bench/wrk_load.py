"""Signed webhook load for wrk: the webhook-only server, its guests, the request files, wrk.

bench/webhook_peak.py and bench/memory_soak.py load gunicorn the same way: a production web
process that only takes webhooks (no sending, worker recycling off), GUESTS guests each with
an accepted invitation, unique signed forms of each kind (inbound text, button tap, status
callback) written one per line, and wrk reading them through a Lua script (each thread takes
its own lines).
"""

from __future__ import annotations

import os
import re
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import create_engine, text

from tests.support.services import ServiceUrls
from tests.support.webhooks import button_form, inbound_form, sign, status_form

INBOUND = "/webhooks/twilio/inbound"
STATUS = "/webhooks/twilio/status"
GUESTS = 1000
AUTH_TOKEN = "bench-auth-token"
WRK_SCRIPT = """
local requests, position = {}, 0
function setup(thread)
  thread:set("offset", __THREADS)
  __THREADS = (__THREADS or 0) + 1
end
function init(args)
  local step, index = tonumber(args[2]), 0
  for line in io.lines(args[1]) do
    if index % step == (offset or 0) then
      local path, signature, body = line:match("^([^\\t]*)\\t([^\\t]*)\\t(.*)$")
      local headers = {["Content-Type"] = "application/x-www-form-urlencoded"}
      if signature ~= "" then headers["X-Twilio-Signature"] = signature end
      requests[#requests + 1] = wrk.format("POST", path, headers, body)
    end
    index = index + 1
  end
end
function request()
  position = position % #requests + 1
  return requests[position]
end
"""
Form = dict[str, str]
# Typed yeses as guests write them, in turn: each goes through the whole reader (rules and
# model), sets the guest's RSVP and gets a confirmation.
TYPED_YESES = (
    "Yes, we'll be there!",
    "count me in 🙌",
    "Sí, ahí estaré",
    "claro que sí, vamos",
    "Sim, vou sim!",
    "com certeza estarei lá",
    "نعم، سأحضر",
    "أكيد جاي",
    "Oui, je serai là",
    "avec plaisir, je viens",
)


def phone(n: int) -> str:
    """The number of the n-th bench guest."""
    return f"+1202{2_000_000 + n % GUESTS:07d}"


def seed(database_url: str) -> list[str]:
    """One event of GUESTS guests, each with an accepted invitation; return their SIDs."""
    engine = create_engine(database_url)
    with engine.begin() as connection:
        event_id = connection.execute(
            text("INSERT INTO events (name) VALUES ('Bench') RETURNING id")
        ).scalar_one()
        connection.execute(
            text(
                "INSERT INTO guests (event_id, name, phone, variables) "
                "SELECT :e, 'Guest ' || n, '+1202' || lpad((2000000 + n)::text, 7, '0'), '{}' "
                "FROM generate_series(0, :n - 1) AS n"
            ),
            {"e": event_id, "n": GUESTS},
        )
        sids = connection.execute(
            text(
                "INSERT INTO invitations (event_id, guest_id, send_state, attempt_count, "
                "message_sid, accepted_at) "
                "SELECT event_id, id, 'accepted', 1, 'SM' || md5(id::text), now() FROM guests "
                "ORDER BY id RETURNING message_sid"
            )
        ).scalars()
        found = list(sids)
    engine.dispose()
    return found


def webhook_server_env(services: ServiceUrls, workers: int) -> dict[str, str]:
    """A production web process that only takes webhooks: no sending, recycling off."""
    return {
        **os.environ,
        "APP_ENV": "production",
        "DATABASE_URL": services.database_url,
        "REDIS_URL": services.redis_url,
        "SECRET_KEY": uuid.uuid4().hex,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "SENDING_ENABLED": "false",
        "LOG_LEVEL": "WARNING",
        "WEB_CONCURRENCY": str(workers),
        "GUNICORN_MAX_REQUESTS": "0",
    }


def kinds(sids: list[str]) -> dict[str, tuple[str, str, Callable[[int], Form]]]:
    """Each measured kind: (server, path, the n-th unique form)."""
    return {
        "bare": ("lean", "/bare", lambda n: inbound_form(phone(n), "hello")),
        "lean inbound": (
            "lean",
            INBOUND,
            lambda n: inbound_form(phone(n), "Can I bring a friend?"),
        ),
        "inbound text": (
            "service",
            INBOUND,
            lambda n: inbound_form(phone(n), "Can I bring a friend?"),
        ),
        "inbound reply": (
            "service",
            INBOUND,
            lambda n: inbound_form(phone(n), TYPED_YESES[n % len(TYPED_YESES)]),
        ),
        "inbound button": (
            "service",
            INBOUND,
            lambda n: button_form(phone(n), "yes", "Yes", sids[n % GUESTS]),
        ),
        "lean status": (
            "lean",
            STATUS,
            lambda n: status_form(sids[n % GUESTS], ("sent", "delivered", "read")[n % 3]),
        ),
        "status": (
            "service",
            STATUS,
            lambda n: status_form(sids[n % GUESTS], ("sent", "delivered", "read")[n % 3]),
        ),
    }


def write_requests(path: Path, base: str, route: str, forms: list[Form], signed: bool) -> None:
    """One request per line: path, signature, form body (tab separated)."""
    with path.open("w") as out:
        for form in forms:
            signature = sign(base + route, form, AUTH_TOKEN) if signed else ""
            out.write(f"{route}\t{signature}\t{urlencode(form)}\n")


def run_wrk(
    base: str, script: Path, requests: Path, seconds: float, threads: int, connections: int
) -> dict[str, float]:
    """Run wrk with the request file; return req/s, latency percentiles (ms) and errors."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--latency"]
    command += ["-s", str(script), base, "--", str(requests), str(threads)]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return parse_wrk(output)


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def parse_wrk(output: str) -> dict[str, float]:
    """The figures of wrk's `--latency` report."""
    figures: dict[str, float] = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])}
    for label in ("50", "90", "99"):
        value, unit = re.search(rf"\s{label}%\s+([\d.]+)(us|ms|s)", output).groups()
        figures[f"p{label}_ms"] = float(value) * UNITS[unit]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    figures["errors"] = float(bad[1]) if bad else 0.0
    figures["socket_errors"] = float(sum(map(int, socket.groups()))) if socket else 0.0
    return figures
