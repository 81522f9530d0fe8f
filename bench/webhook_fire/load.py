"""The window's load: signed inbound webhooks built beforehand, and the process that fires them.

The requests are built and signed before the window (a JSON line each, as
bench/fire_load.py reads them), so the window spends nothing on it; bench/fire_load.py
sends them open-loop in a process of its own.
"""

from __future__ import annotations

import argparse
import json
import os
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from app.devstack import ManagedProcess, python_command
from bench.sql import rows
from bench.stack import AUTH_TOKEN, FIRST_NUMBER
from bench.webhook_fire.samplers import CpuSampler
from tests.support.webhooks import button_form, inbound_form, sign

INBOUND = "/webhooks/twilio/inbound"
TEXTS = (
    "Can I bring a friend?",
    "What time does it start?",
    "Is there parking nearby?",
    "Thank you for the invitation!",
    "Is there a dress code?",
    "Can I bring my kids?",
    "Running a bit late, see you there",
    "Where is the hall exactly?",
)
BUTTONS = (("yes", "Yes"), ("no", "No"), ("maybe", "Maybe"))


def phone(n: int) -> str:
    """The number of the n-th guest, as bench.stack's insert_guests gives it."""
    return f"+1202{FIRST_NUMBER + n:07d}"


@dataclass
class Built:
    """What the pre-built window holds."""

    texts: int = 0
    buttons: int = 0
    invitations_tapped: int = 0
    sent_invitations_known: int = 0


def sent_invitations(database_url: str, campaign_id: int) -> list[tuple[str, str]]:
    """(phone, invitation SID) of the campaign's invitations the provider has accepted."""
    found = rows(
        database_url,
        "SELECT g.phone, i.message_sid FROM invitations i JOIN guests g ON g.id = i.guest_id "
        "WHERE i.campaign_id = :id AND i.message_sid IS NOT NULL ORDER BY i.accepted_at, i.id",
        id=campaign_id,
    )
    return [(row.phone, row.message_sid) for row in found]


def build_requests(
    path: Path,
    base: str,
    total: int,
    guests: int,
    sent: Sequence[tuple[str, str]],
    buttons: float,
    seed: int,
) -> Built:
    """Write `total` unique signed inbound webhooks, one JSON line each.

    A share `buttons` are quick-reply taps answering invitations already sent (taken in
    turn, so the taps spread over every one of them), the rest texts from random guests.
    """
    rng = random.Random(seed)
    built = Built(sent_invitations_known=len(sent))
    tapped = set()
    with path.open("w") as out:
        for _ in range(total):
            if sent and rng.random() < buttons:
                number, sid = sent[built.buttons % len(sent)]
                payload, title = rng.choice(BUTTONS)
                form = button_form(number, payload, title, sid)
                built.buttons += 1
                tapped.add(sid)
            else:
                form = inbound_form(phone(rng.randrange(guests)), rng.choice(TEXTS))
                built.texts += 1
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": sign(base + INBOUND, form, AUTH_TOKEN),
            }
            out.write(json.dumps(["POST", INBOUND, urlencode(form), headers]) + "\n")
    built.invitations_tapped = len(tapped)
    return built


def fire(
    base: str,
    work: Path,
    name: str,
    source: list[str],
    rate: float,
    seconds: float,
    start_at: float,
    args: argparse.Namespace,
    processes: list[ManagedProcess],
    cpu: CpuSampler | None = None,
) -> ManagedProcess:
    """Start bench.fire_load in its own process; the caller waits for it."""
    argv = python_command(
        "-m",
        "bench.fire_load",
        *("--base", base, *source),
        *("--rate", f"{rate:g}", "--seconds", f"{seconds:g}", "--start-at", f"{start_at:.3f}"),
        *("--timeout", f"{args.request_timeout:g}", "--connections", str(args.connections)),
        *("--out", str(work / f"{name}.json")),
    )
    env = {"PATH": os.environ.get("PATH", "")}
    load = ManagedProcess(name, argv, env, work / f"{name}.log").start()
    processes.append(load)
    if cpu is not None:
        cpu.groups["load"] = load.pid
    return load


def finish(load: ManagedProcess, work: Path, timeout: float) -> dict:
    """Wait for a load run; its result."""
    assert load.process is not None
    load.process.wait(timeout=timeout)
    if load.process.returncode:
        raise RuntimeError(f"the load generator failed:\n{load.tail()}")
    return json.loads((work / f"{load.name}.json").read_text())
