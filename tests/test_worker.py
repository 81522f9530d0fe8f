"""`python -m worker` as a process: clean stops, and no orphans after a crash."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from rq import Worker

from app.devstack.embedded import EmbeddedServices, free_port, start_redis

pytestmark = pytest.mark.slow


def children(pid: int) -> list[int]:
    """The direct children of a process."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie."""
    try:
        return " Z " not in Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2][:3] + " "
    except OSError:
        return False


@pytest.mark.alone  # it measures time: no other test beside it
def test_sigterm_stops_the_worker_with_status_zero(migrated: dict[str, str]) -> None:
    worker = subprocess.Popen([sys.executable, "-m", "worker"], env={**os.environ, **migrated})
    time.sleep(3)
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=30) == 0


def test_sigterm_while_rq_starts_stops_the_worker_with_status_zero(
    migrated: dict[str, str],
) -> None:
    # Right after the worker says it listens: RQ registers it, then starts its scheduler,
    # and only then installs its own signal handlers (a deploy that stops at once).
    env = {**os.environ, **migrated, "LOG_LEVEL": "INFO"}
    with subprocess.Popen(
        [sys.executable, "-m", "worker"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    ) as worker:
        assert worker.stdout is not None
        for line in worker.stdout:
            if b"listening on" in line:
                break
        worker.send_signal(signal.SIGTERM)
        worker.stdout.read()  # until every process that shares the pipe is gone
        assert worker.wait(timeout=30) == 0


def test_a_worker_started_while_redis_is_down_waits_for_it(
    migrated: dict[str, str], tmp_path: Path
) -> None:
    # As after a reboot where the worker starts before Redis: no exit, no supervisor needed.
    port = free_port()
    services = EmbeddedServices()
    worker = subprocess.Popen(
        [sys.executable, "-m", "worker"],
        env={**os.environ, **migrated, "REDIS_URL": f"redis://127.0.0.1:{port}/0"},
    )
    try:
        time.sleep(4)
        assert worker.poll() is None, "the worker exited while Redis was down"
        url = start_redis(services, tmp_path / "redis", port=port)
        deadline = time.monotonic() + 30
        while not Worker.all(connection=redis.Redis.from_url(url)):
            assert time.monotonic() < deadline, "the worker never registered"
            time.sleep(0.5)
    finally:
        worker.send_signal(signal.SIGTERM)
        status = worker.wait(timeout=30)
        services.stop()
    assert status == 0


def test_kill_9_of_the_worker_takes_its_scheduler_down(migrated: dict[str, str]) -> None:
    worker = subprocess.Popen([sys.executable, "-m", "worker"], env={**os.environ, **migrated})
    try:
        deadline = time.monotonic() + 20
        while not children(worker.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        forked = children(worker.pid)
        assert forked, "the worker started no scheduler process"
    finally:
        worker.kill()
        worker.wait(timeout=10)
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in forked) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(alive(pid) for pid in forked)


def test_a_child_whose_worker_died_before_it_first_ran_exits() -> None:
    # The worker noted itself before the fork; by the time the child runs, it has been
    # handed to another parent (init): it must not live on as an orphan scheduler or horse.
    code = "import worker; worker._forking_pid = -1; worker.die_with_parent(); print('alive')"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, check=False)
    assert result.returncode == 1
    assert b"alive" not in result.stdout
