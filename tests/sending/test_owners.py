"""Claim owners: a sender that died on this host has its leases cut short, no one else does."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from flask import Flask
from sqlalchemy import Engine, text

from app.sending import claims
from app.sending.owners import expire_dead_owners, local_pid, new_owner, pid_namespace
from app.services import campaigns
from tests.support.constants import SENDER
from tests.support.factories import insert_guests

HOST = socket.gethostname()


def dead_pid() -> int:
    """The pid of a process that has just exited."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_an_owner_names_its_host_namespace_and_process() -> None:
    owner = new_owner()
    assert local_pid(owner) == os.getpid()
    assert local_pid(owner + ":reconcile") == os.getpid()
    assert local_pid(f"{HOST}.{pid_namespace()}.123.abcdef12") == 123
    assert local_pid(f"elsewhere.{pid_namespace()}.123.abcdef12") is None
    assert local_pid(f"{HOST}.4026531999.123.abcdef12") is None  # another container
    assert local_pid(f"{HOST}.{os.getpid()}.abcdef12") is None  # the old format
    assert local_pid("garbage") is None


def lease_left(engine: Engine, owner: str) -> float:
    """Seconds left on the lease of the owner's claims."""
    with engine.connect() as connection:
        return float(
            connection.execute(
                text(
                    "SELECT max(extract(epoch from claimed_until - now())) FROM invitations "
                    "WHERE claimed_by = :owner"
                ),
                {"owner": owner},
            ).scalar_one()
        )


def test_only_the_leases_of_dead_local_senders_are_cut(
    send_app: Flask, engine: Engine, send_env: dict[str, str]
) -> None:
    campaigns.create_campaign(insert_guests(send_env["DATABASE_URL"], 9))
    dead = f"{HOST}.{pid_namespace()}.{dead_pid()}.deadbeef"
    alive = new_owner()
    remote = f"another-host.{pid_namespace()}.{dead_pid()}.0badcafe"
    with engine.begin() as connection:
        for owner in (dead, alive, remote):
            assert len(claims.claim_due(connection, owner, SENDER, 3, 40).claims) == 3

    with engine.begin() as connection:
        assert expire_dead_owners(connection, grace=2) == [dead]

    assert lease_left(engine, dead) <= 2
    assert lease_left(engine, alive) > 30
    assert lease_left(engine, remote) > 30
