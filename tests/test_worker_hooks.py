"""The RQ internals `worker.ServiceWorker` overrides or reaches into, held to the tested RQ.

pyproject.toml pins RQ to the series these tests pass on. Each test fails when RQ renames
a hook, changes its signature, or stops calling it where the worker expects.
"""

from __future__ import annotations

import inspect
import signal
import threading
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
import rq
from flask import Flask
from packaging.requirements import Requirement
from packaging.version import Version
from rq import Queue, Worker, worker_registration
from rq.job import JobStatus

from app.extensions import redis_store
from worker import ServiceWorker, StopFlag

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"

# The methods of RQ's worker that ServiceWorker overrides or calls, with their parameters.
METHODS = {
    "_install_signal_handlers": ["self"],  # private: work() calls it just before its loop
    "request_stop": ["self", "signum", "frame"],  # the SIGTERM handler it installs
    "setup_work_horse_signals": ["self"],  # called in the forked horse
    "maintain_heartbeats": ["self", "job", "execution"],  # called while the horse runs
    "run_maintenance_tasks": ["self"],
    "serialize": ["self"],  # with the three below: registering again (ensure_registered)
    "register_death": ["self"],
    "subscribe": ["self"],  # work() calls it at start; unsubscribe() at teardown
    "unsubscribe": ["self"],
    "handle_payload": ["self", "message"],  # the command channel's handler
    "_pubsub_exception_handler": ["self", "exc", "pubsub", "pubsub_thread"],
}
PROPERTIES = (
    "dequeue_timeout",
    "should_run_maintenance_tasks",
    "horse_pid",
    "key",
    "pubsub_channel_name",
)


def connection(app: Flask) -> redis.Redis:
    """The app's Redis client."""
    with app.app_context():
        client: redis.Redis = redis_store.connection
        return client


@contextmanager
def signal_handlers_kept() -> Iterator[None]:
    """Put back this process's SIGTERM and SIGINT handlers after RQ installs its own."""
    saved = {number: signal.getsignal(number) for number in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for number, handler in saved.items():
            signal.signal(number, handler)


class SweeperStandIn:
    """Records, at each check of the sweeper, the worker's horse (0 when none runs)."""

    def __init__(self, worker: ServiceWorker) -> None:
        self.worker = worker
        self.horses: list[int] = []

    def check(self) -> None:
        """Note the horse."""
        self.horses.append(self.worker.horse_pid)


def sigterm_ignored() -> bool:
    """A job: outlast one heartbeat, then say whether SIGTERM is ignored in its process."""
    time.sleep(1.5)
    return signal.getsignal(signal.SIGTERM) == signal.SIG_IGN


def test_the_installed_rq_is_in_the_pinned_series() -> None:
    dependencies = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    [pin] = [r for r in map(Requirement, dependencies) if r.name == "rq"]
    installed = Version(rq.__version__)
    assert pin.specifier.contains(installed), (pin, installed)
    assert not pin.specifier.contains(f"{installed.major}.{installed.minor + 1}.0")


@pytest.mark.parametrize(("name", "parameters"), METHODS.items())
def test_the_rq_worker_methods_relied_on_keep_their_signature(
    name: str, parameters: list[str]
) -> None:
    assert inspect.isfunction(inspect.getattr_static(Worker, name)), name
    assert list(inspect.signature(getattr(Worker, name)).parameters) == parameters
    assert list(inspect.signature(getattr(ServiceWorker, name)).parameters) == parameters


@pytest.mark.parametrize("name", PROPERTIES)
def test_the_rq_worker_properties_relied_on_stay_properties(name: str) -> None:
    assert isinstance(inspect.getattr_static(Worker, name), property)
    assert isinstance(inspect.getattr_static(ServiceWorker, name), property)


def test_rq_registration_is_a_set_of_worker_keys() -> None:
    assert Worker.redis_workers_keys == worker_registration.REDIS_WORKER_KEYS
    register = inspect.signature(worker_registration.register).parameters
    assert list(register) == ["worker", "pipeline"]


def test_a_stop_asked_before_rq_installs_its_handlers_ends_the_loop_before_any_job(
    app: Flask,
) -> None:
    # _install_signal_handlers runs after registration, before the loop; setting
    # _stop_requested there makes the loop's first turn stop and tear down.
    redis_client = connection(app)
    queue = Queue("default", connection=redis_client)
    job = queue.enqueue("json.dumps", 1)
    worker = ServiceWorker([queue], connection=redis_client)
    worker.early_stop = StopFlag()
    worker.early_stop.requested = True

    with signal_handlers_kept():
        assert worker.work(burst=True) is False
        assert signal.getsignal(signal.SIGTERM) == worker.request_stop

    assert job.get_status(refresh=True) == JobStatus.QUEUED
    # RQ's teardown unregistered it (an earlier test's kill -9 may leave another worker listed).
    assert worker.name not in {listed.name for listed in Worker.all(connection=redis_client)}


def test_the_horse_ignores_sigterm_and_the_worker_beats_while_it_runs(app: Flask) -> None:
    redis_client = connection(app)
    queue = Queue("default", connection=redis_client)
    job = queue.enqueue(sigterm_ignored)
    worker = ServiceWorker([queue], connection=redis_client, job_monitoring_interval=1)
    worker.sweeper = sweeper = SweeperStandIn(worker)

    with signal_handlers_kept():
        assert worker.work(burst=True)

    result = job.latest_result()
    assert result is not None and result.return_value is True  # setup_work_horse_signals
    assert any(sweeper.horses), sweeper.horses  # maintain_heartbeats, with horse_pid set


def test_an_idle_worker_wakes_up_each_sweep_interval_to_check_the_sweeper(app: Flask) -> None:
    redis_client = connection(app)
    worker = ServiceWorker([Queue("default", connection=redis_client)], connection=redis_client)
    worker.sweep_interval = 1.0
    worker.sweeper = sweeper = SweeperStandIn(worker)

    with signal_handlers_kept():
        worker.work(max_idle_time=2)

    # Once at start, once after a 1 s wait (dequeue_timeout), not a single 2 s wait.
    assert len(sweeper.horses) >= 2, sweeper.horses


def test_a_worker_that_redis_forgot_registers_again(app: Flask) -> None:
    redis_client = connection(app)
    worker = ServiceWorker([Queue("default", connection=redis_client)], connection=redis_client)
    worker.register_birth()
    redis_client.flushdb()

    worker.ensure_registered()

    [found] = Worker.all(connection=redis_client)
    assert found.name == worker.name and found.queue_names() == ["default"]
    assert redis_client.ttl(worker.key) > 0


def test_a_stop_never_waits_on_the_command_channels_thread(app: Flask) -> None:
    redis_client = connection(app)
    worker = ServiceWorker([Queue("default", connection=redis_client)], connection=redis_client)
    worker.subscribe()
    # The race a stop can lose: the listening thread reads the reply to UNSUBSCRIBE before
    # RQ tells it to stop, and goes back to waiting for a subscription.
    worker.pubsub.unsubscribe()
    deadline = time.monotonic() + 5
    while worker.pubsub.subscribed and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)

    stopping = threading.Thread(target=worker.unsubscribe, daemon=True)
    started = time.monotonic()
    stopping.start()
    stopping.join(timeout=10)

    assert not stopping.is_alive(), "unsubscribe still waiting after 10 s"
    assert time.monotonic() - started < 3
    assert worker.pubsub_thread is not None and not worker.pubsub_thread.is_alive()
