"""Read a process tree's memory and CPU time from /proc, for the benchmarks' samplers."""

from __future__ import annotations

import contextlib
import os
import signal
from dataclasses import dataclass
from pathlib import Path

from app.devstack import ManagedProcess


def family(pid: int) -> list[int]:
    """`pid` and every process it forked, from /proc."""
    found, pending = [pid], [pid]
    while pending:
        parent = pending.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            found.extend(map(int, children))
            pending.extend(map(int, children))
    return found


def memory(pid: int, path: str, key: str) -> int:
    """One memory figure of a process from /proc, in bytes (0 if it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/{path}").read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class TreeMemory:
    """One reading of a process tree's memory, in bytes."""

    rss_sum: int  # RSS summed over the processes (shared pages counted once per process)
    pss_sum: int  # PSS summed (shared pages split between the processes)
    largest_rss: int  # RSS of the largest single process
    processes: int


def tree_memory(pid: int) -> tuple[TreeMemory, list[int]]:
    """The memory of `pid` and its descendants, and their process ids."""
    pids = family(pid)
    sizes = [memory(p, "status", "VmRSS:") for p in pids]
    shares = sum(memory(p, "smaps_rollup", "Pss:") for p in pids)
    alive = sum(1 for size in sizes if size)
    return TreeMemory(sum(sizes), shares, max(sizes, default=0), alive), pids


def kill_hard(process: ManagedProcess) -> None:
    """`kill -9` a process and every process it forked (RQ's work horse has its own group)."""
    descendants = family(process.pid)[1:]
    process.kill()
    for pid in descendants:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
