"""Waiting for what another process or thread does, without sleeping longer than it takes."""

from __future__ import annotations

import time
from collections.abc import Callable


def eventually(check: Callable[[], bool], timeout: float = 5.0, interval: float = 0.1) -> bool:
    """Poll `check` every `interval` seconds until it holds or `timeout` passes; return its
    last answer."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)
    return True
