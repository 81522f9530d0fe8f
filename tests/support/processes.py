"""Keep `-m "not slow"` free of real processes: a test that starts one must be marked slow.

Tests that use a fixture starting a process (`PROCESS_FIXTURES`) are marked slow at
collection; any other test not marked slow that starts a process fails, naming it. The
test rig's own servers (embedded Redis, PostgreSQL) start under `allow_processes()`.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

# Fixtures that start gunicorn, workers, the emulator or a browser.
PROCESS_FIXTURES = frozenset({"emulator_server", "emulator_url", "web", "stack", "browser"})
# The service's own short-lived children, part of the code under test: the guest-file reader.
SERVICE_CHILDREN = ("app.services.sheets",)

_forbidden_in: list[str] = []  # the test being set up or run, when it is not marked slow
_execute_child = subprocess.Popen._execute_child  # type: ignore[attr-defined]


def _guarded_execute_child(self: subprocess.Popen[Any], args: Any, *rest: Any) -> Any:
    """Start the process, unless a test not marked slow is running."""
    command = args if isinstance(args, str) else " ".join(map(str, args))
    if _forbidden_in and not any(f" -m {child} " in command for child in SERVICE_CHILDREN):
        pytest.fail(
            f"{_forbidden_in[-1]} starts a process ({command[:120]}) but is not marked"
            " @pytest.mark.slow (or use a fixture of tests/support/processes.PROCESS_FIXTURES)",
            pytrace=False,
        )
    return _execute_child(self, args, *rest)


subprocess.Popen._execute_child = _guarded_execute_child  # type: ignore[attr-defined]


def mark_process_tests(items: list[pytest.Item]) -> None:
    """Mark slow every test that uses a process-starting fixture."""
    for item in items:
        if PROCESS_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@contextmanager
def forbid_processes(item: pytest.Item) -> Iterator[None]:
    """Fail any process start while `item` is set up or run, unless it is marked slow."""
    if item.get_closest_marker("slow") is not None:
        yield
        return
    _forbidden_in.append(item.nodeid)
    try:
        yield
    finally:
        _forbidden_in.pop()


@contextmanager
def allow_processes() -> Iterator[None]:
    """Let the test rig start its servers whichever test needs them first."""
    saved = list(_forbidden_in)
    _forbidden_in.clear()
    try:
        yield
    finally:
        _forbidden_in[:] = saved
