"""CPU over time, read through bench.procfs: the machine, each process group, PostgreSQL.

Every second the sampler records the machine's busy and total ticks and the CPU seconds
so far of each process group (a root process and its descendants, reaped ones included),
of this process, and of each PostgreSQL backend serving the run's database; `per_second`
turns consecutive samples into cores used.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field

from bench import procfs

QUIET_CORES = 0.3  # below this, the machine counts as idle before a run (--quiet-wait)
TCP_COUNTERS = ("ListenOverflows", "ListenDrops", "TCPSynRetrans", "TCPReqQFullDrop")
GROUPS = ("web", "worker", "emulator", "load", "bench")  # process trees sampled for CPU


@dataclass
class CpuSampler:
    """Every second: the machine's busy CPU and each process group's CPU seconds so far."""

    database: str
    groups: dict[str, int] = field(default_factory=dict)  # name -> root pid
    samples: list[dict] = field(default_factory=list)
    backends: dict[int, bool] = field(default_factory=dict)  # pid -> a backend of our database
    stop: threading.Event = field(default_factory=threading.Event)

    def postgres(self) -> dict[int, float]:
        """CPU seconds of each live PostgreSQL backend serving this run's database."""
        found = {}
        for pid in procfs.pids():
            if pid not in self.backends:
                command = procfs.command_line(pid)
                if command is None:
                    continue
                self.backends[pid] = command.startswith(b"postgres: ") and (
                    f" {self.database} ".encode() in command
                )
            if self.backends[pid] and (seconds := procfs.cpu_seconds(pid)) is not None:
                found[pid] = seconds
        return found

    def run(self) -> None:
        """Sample until stopped."""
        while not self.stop.is_set():
            busy, total = procfs.machine_ticks()
            point = {
                "epoch": time.time(),
                "busy": busy,
                "total": total,
                "backends": self.postgres(),
                "bench": procfs.cpu_seconds(os.getpid()) or 0.0,
            }
            for name, pid in list(self.groups.items()):
                point[name] = procfs.tree_cpu_seconds(pid)
            self.samples.append(point)
            self.stop.wait(1.0)

    def per_second(self, start: float, cores: int) -> list[dict]:
        """Cores used in each interval between samples, `t` relative to `start`.

        A process group's CPU includes its reaped children (gunicorn's recycled workers);
        PostgreSQL's is summed backend by backend (a backend that appears counts from 0, one
        that exits loses its last interval). `other` is the rest of the machine's busy time:
        other users of the machine, PostgreSQL's own processes, the kernel.
        """
        found = []
        for before, after in zip(self.samples, self.samples[1:], strict=False):
            elapsed = after["epoch"] - before["epoch"]
            ticks = after["total"] - before["total"]
            if elapsed <= 0 or ticks <= 0:
                continue
            point = {
                "t": round(before["epoch"] - start, 2),
                "machine": round((after["busy"] - before["busy"]) / ticks * cores, 2),
            }
            for name in GROUPS:
                if name in before and name in after:
                    point[name] = round(max(0.0, after[name] - before[name]) / elapsed, 2)
            backends = before["backends"]
            used = sum(cpu - backends.get(pid, 0.0) for pid, cpu in after["backends"].items())
            point["postgres"] = round(max(0.0, used) / elapsed, 2)
            ours = sum(point.get(name, 0.0) for name in (*GROUPS, "postgres"))
            point["other"] = round(max(0.0, point["machine"] - ours), 2)
            found.append(point)
        return found


def busy_cores(seconds: float, cores: int) -> float:
    """Cores the whole machine kept busy over the next `seconds`."""
    busy, total = procfs.machine_ticks()
    time.sleep(seconds)
    busy_after, total_after = procfs.machine_ticks()
    return (busy_after - busy) / max(1, total_after - total) * cores


def wait_for_quiet(limit: float, cores: int) -> tuple[float, float]:
    """Wait up to `limit` seconds for the machine to be nearly idle (another benchmark done).

    Returns the seconds waited and the busy cores last measured.
    """
    started = time.monotonic()
    busy = busy_cores(3.0, cores)
    while busy > QUIET_CORES and time.monotonic() - started < limit:
        print(f"the machine is busy ({busy:.2f} cores): waiting for it to quiet down", flush=True)
        busy = busy_cores(5.0, cores)
    return time.monotonic() - started, busy


def tcp_counters() -> dict[str, int]:
    """Machine-wide TCP counters that show a listen queue overflowing or SYNs retried."""
    return procfs.tcp_counters(TCP_COUNTERS)
