"""The benchmarks' one reader of /proc: process trees' memory and CPU, the machine's counters."""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from app.devstack import ManagedProcess

PROC = Path("/proc")
CLOCK_TICK = os.sysconf("SC_CLK_TCK")


# --- processes ---------------------------------------------------------------------------


def pids() -> list[int]:
    """Every process id in /proc."""
    return [int(entry.name) for entry in os.scandir(PROC) if entry.name.isdigit()]


def children(pid: int) -> list[int]:
    """The processes `pid` forked (any of its threads), from /proc."""
    found = []
    for task in (PROC / str(pid) / "task").glob("*"):
        try:
            found.extend(map(int, (task / "children").read_text().split()))
        except OSError:
            continue
    return found


def family(pid: int) -> list[int]:
    """`pid` and every process it forked, from /proc."""
    found, pending = [pid], [pid]
    while pending:
        forked = children(pending.pop())
        found.extend(forked)
        pending.extend(forked)
    return found


def command_line(pid: int) -> bytes | None:
    """A process's raw command line (arguments NUL-separated), or None if it is gone."""
    try:
        return (PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return None


def stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name, or None if it is gone."""
    try:
        return (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far, or None if it is gone."""
    fields = stat_fields(pid)
    if not fields:
        return None
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICK


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of a process and its descendants, the reaped ones included (cutime)."""
    total = 0
    for member in family(pid):
        fields = stat_fields(member)
        if fields:
            total += sum(int(value) for value in fields[11:15])
    return total / CLOCK_TICK


def kib_value(path: Path, key: str) -> int | None:
    """The number after `key` on its line of a /proc file (kB in status, meminfo), or None."""
    try:
        for line in path.read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def memory(pid: int, path: str, key: str) -> int:
    """One memory figure of a process from /proc, in bytes (0 if it is gone)."""
    return (kib_value(PROC / str(pid) / path, key) or 0) * 1024


def rss(pid: int) -> int:
    """A process's resident set size in bytes (0 if it is gone)."""
    return memory(pid, "status", "VmRSS:")


@dataclass(frozen=True)
class TreeMemory:
    """One reading of a process tree's memory, in bytes."""

    rss_sum: int  # RSS summed over the processes (shared pages counted once per process)
    pss_sum: int  # PSS summed (shared pages split between the processes)
    largest_rss: int  # RSS of the largest single process
    processes: int


def tree_memory(pid: int) -> tuple[TreeMemory, list[int]]:
    """The memory of `pid` and its descendants, and their process ids."""
    members = family(pid)
    sizes = [rss(p) for p in members]
    shares = sum(memory(p, "smaps_rollup", "Pss:") for p in members)
    alive = sum(1 for size in sizes if size)
    return TreeMemory(sum(sizes), shares, max(sizes, default=0), alive), members


def kill_hard(process: ManagedProcess) -> None:
    """`kill -9` a process and every process it forked (RQ's work horse has its own group)."""
    descendants = family(process.pid)[1:]
    process.kill()
    for pid in descendants:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


# --- the machine -------------------------------------------------------------------------


def machine_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the machine since boot."""
    values = [int(v) for v in (PROC / "stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


def tcp_counters(names: Iterable[str]) -> dict[str, int]:
    """Machine-wide TCP counters of /proc/net/netstat (ListenOverflows, TCPSynRetrans...)."""
    wanted = set(names)
    lines = (PROC / "net" / "netstat").read_text().splitlines()
    found = {}
    for header, values in zip(lines[::2], lines[1::2], strict=False):
        for name, value in zip(header.split()[1:], values.split()[1:], strict=False):
            if name in wanted:
                found[name] = int(value)
    return found


def load_average() -> str:
    """/proc/loadavg as it reads: 1, 5 and 15 minute loads, runnable/total, last pid."""
    return (PROC / "loadavg").read_text().strip()


def cpu_model() -> str | None:
    """The CPU's model name from /proc/cpuinfo, or None."""
    try:
        for line in (PROC / "cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def memory_total() -> int | None:
    """The machine's RAM in bytes from /proc/meminfo, or None."""
    total = kib_value(PROC / "meminfo", "MemTotal:")
    return None if total is None else total * 1024
