"""Who holds a claim, and whether that process is gone: a dead sender's leases end early.

A claim's owner is `host.pid-namespace.pid.suffix` (plus `:reconcile` or `:sweep` for the
reconcilers). A sender killed with -9 (or by the OOM killer) leaves its invitations in
`sending` until their lease runs out, up to `SEND_LEASE_SECONDS` later. The sweeper of a
worker on the same host, in the same pid namespace, can see that the owner's process no
longer exists: no request of it can still start, so its leases are cut to
`SEND_RECONCILE_GRACE` from now (time for a request the kernel was still sending to reach
the provider), after which reconciliation settles them as usual. An owner on another host
or in another container, or whose pid exists (maybe reused), keeps its lease.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from functools import cache
from pathlib import Path

from sqlalchemy import Connection

from app.models.enums import states_text

log = logging.getLogger(__name__)

OWNER_MAX_LENGTH = 100  # invitations.claimed_by

OWNERS = states_text("""
SELECT DISTINCT claimed_by FROM invitations
WHERE send_state = :send_sending AND claimed_by IS NOT NULL
""")

SHORTEN = states_text("""
UPDATE invitations
SET claimed_until = least(claimed_until, now() + make_interval(secs => :grace))
WHERE send_state = :send_sending AND claimed_by = ANY(CAST(:owners AS text[]))
""")


@cache
def pid_namespace() -> str:
    """This process's pid namespace (its inode), or "-" where /proc doesn't tell."""
    try:
        return str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        return "-"


def new_owner() -> str:
    """A claim owner id unique to one drain: host, pid namespace, pid, a random suffix."""
    owner = f"{socket.gethostname()}.{pid_namespace()}.{os.getpid()}.{uuid.uuid4().hex[:8]}"
    return owner[:OWNER_MAX_LENGTH]


def local_pid(owner: str) -> int | None:
    """The owner's pid when it ran on this host in this pid namespace, else None."""
    parts = owner.split(":", 1)[0].rsplit(".", 3)
    if len(parts) != 4 or not parts[2].isdigit():
        return None
    host, namespace, pid, _ = parts
    if host != socket.gethostname() or namespace != pid_namespace() or namespace == "-":
        return None
    return int(pid)


def is_gone(pid: int) -> bool:
    """Whether no live process with this pid exists here (a zombie is gone: it was killed,
    and only waits to be reaped by a parent that may never come)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    except OSError:  # no /proc here: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:  # it exists, under another user
            return False
        return False
    return stat.rpartition(")")[2].split()[0] in ("Z", "X")


def expire_dead_owners(connection: Connection, grace: float) -> list[str]:
    """Cut the leases of owners whose process is gone to `grace` seconds; return them."""
    owners = connection.execute(OWNERS).scalars().all()
    dead = [
        owner
        for owner in owners
        if (pid := local_pid(owner)) is not None and pid != os.getpid() and is_gone(pid)
    ]
    if dead:
        connection.execute(SHORTEN, {"owners": dead, "grace": grace})
        log.warning("senders gone without handing back their claims: %s", ", ".join(dead))
    return dead
