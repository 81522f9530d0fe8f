"""Tests that measure time run alone: no other test of the run (on another xdist process)
runs beside them.

Every test holds a shared lock on a file of the run for its whole length; a test marked
`alone` holds it exclusively. A turnstile before it lets a waiting `alone` test in ahead of
the tests that come after it (flock alone does not queue a writer before new readers).
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def _locked(path: Path, mode: int) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, mode)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def taking_turns(alone: bool) -> Iterator[None]:
    """Run the test beside others, or, when `alone`, with every other test of the run waiting."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")  # the same in each process of one run
    if run is None:  # one process: every test runs alone anyway
        yield
        return
    run_dir = Path(tempfile.gettempdir()) / f"pytest-turns-{run}"
    run_dir.mkdir(exist_ok=True)
    turnstile, room = run_dir / "tests-turnstile.lock", run_dir / "tests-room.lock"
    if alone:
        with _locked(turnstile, fcntl.LOCK_EX), _locked(room, fcntl.LOCK_EX):
            yield
        return
    with _locked(turnstile, fcntl.LOCK_EX):
        pass  # wait behind an `alone` test that waits for the room
    with _locked(room, fcntl.LOCK_SH):
        yield
