"""gunicorn as the Procfile runs it, on a free port, for the tests that need the real server."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from app.devstack import ManagedProcess, local_bind, wait_for_http, web_command
from app.embedded import free_port


@contextmanager
def running_web(
    env: Mapping[str, str], log_dir: Path, **extra: str
) -> Iterator[tuple[str, ManagedProcess]]:
    """Start gunicorn (gevent) with `env` plus `extra`; yield its base URL and process.

    On the way out it must stop cleanly, having logged no traceback and no WORKER TIMEOUT.
    """
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    full_env = {
        **os.environ,
        **env,
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "PUBLIC_BASE_URL": base_url,
        "GUNICORN_ACCESS_LOG": "/dev/null",
        **extra,
    }
    command = web_command(local_bind(full_env))
    process = ManagedProcess("web", command, full_env, log_dir / "web.log").start()
    try:
        wait_for_http(f"{base_url}/health", timeout=30, process=process)
        yield base_url, process
    finally:
        status = process.stop(timeout=30)
        log = process.tail(400)
        assert status == 0, log
        assert "Traceback" not in log, log
        assert "WORKER TIMEOUT" not in log, log
