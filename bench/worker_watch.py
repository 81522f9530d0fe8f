"""Watch a worker during a campaign: its memory over time, the provider's count, planned kills.

The sampler follows whichever worker process is current, so a worker killed with -9 and
restarted keeps being measured; each kill is recorded with the moment and the provider's
accepted count at that moment.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from app.devstack import ManagedProcess, worker_command
from bench.emulator import get_json
from bench.procfs import TreeMemory, cpu_seconds, kill_hard, tree_memory

MB = 2**20


@dataclass
class Worker:
    """The current `python -m worker` process, killed and restarted on demand."""

    env: Mapping[str, str]
    log_path: Path
    processes: list[ManagedProcess]  # the run's processes, stopped on the way out
    process: ManagedProcess | None = None
    restarts: int = 0

    def start(self) -> ManagedProcess:
        """Start a worker as the Procfile does and register it for the final stop."""
        self.process = ManagedProcess("worker", worker_command(), self.env, self.log_path).start()
        self.processes.append(self.process)
        return self.process

    @property
    def current(self) -> ManagedProcess:
        """The worker process running now."""
        assert self.process is not None
        return self.process

    def kill_and_restart(self) -> None:
        """`kill -9` the worker and everything it forked, then start a new one at once."""
        kill_hard(self.current)
        self.restarts += 1
        self.start()


@dataclass
class Samples:
    """What the sampler saw while the campaign ran."""

    worker_rss_peak: int = 0  # bytes, the worker and its children together
    worker_pss_peak: int = 0  # bytes, the same with shared pages split between them
    process_rss_peak: int = 0  # bytes, the largest single process of the worker
    cpu_seconds: dict[int, float] = field(default_factory=dict)  # per process of the worker
    create_seconds: float = 0.0  # the POST that creates the campaign
    timeline: list[tuple[float, int]] = field(default_factory=list)  # (seconds, accepted)
    memory: list[tuple[float, TreeMemory]] = field(default_factory=list)
    kills: list[dict] = field(default_factory=list)

    def accepted(self) -> int:
        """The provider's accepted count at the last sample."""
        return self.timeline[-1][1] if self.timeline else 0

    def record_memory(self, moment: float, reading: TreeMemory) -> None:
        """Keep one memory reading and update the peaks."""
        self.memory.append((moment, reading))
        self.worker_rss_peak = max(self.worker_rss_peak, reading.rss_sum)
        self.worker_pss_peak = max(self.worker_pss_peak, reading.pss_sum)
        self.process_rss_peak = max(self.process_rss_peak, reading.largest_rss)


def sample(
    worker: Worker, emulator_url: str, started: float, stop: threading.Event, samples: Samples
) -> None:
    """Every 0.25 s: the current worker tree's memory and CPU, and the provider's count."""
    while not stop.is_set():
        moment = time.monotonic() - started
        reading, pids = tree_memory(worker.current.pid)
        if reading.largest_rss:  # not between a kill and the restart
            samples.record_memory(moment, reading)
        for pid in pids:
            samples.cpu_seconds[pid] = max(
                samples.cpu_seconds.get(pid, 0.0), cpu_seconds(pid) or 0.0
            )
        accepted = get_json(f"{emulator_url}/_emulator/stats")["accepted_total"]
        samples.timeline.append((time.monotonic() - started, accepted))
        stop.wait(0.25)


def kill_when_due(
    worker: Worker, fractions: list[float], guests: int, samples: Samples, started: float
) -> None:
    """Kill and restart the worker once the provider has accepted the next fraction of guests.

    `fractions` is consumed as the kills happen.
    """
    accepted = samples.accepted()
    if not fractions or accepted < fractions[0] * guests:
        return
    fraction = fractions.pop(0)
    moment = time.monotonic() - started
    worker.kill_and_restart()
    samples.kills.append(
        {
            "fraction": fraction,
            "at_s": round(moment, 2),
            "provider_accepted": accepted,
            "restarted_after_s": round(time.monotonic() - started - moment, 2),
        }
    )


def memory_timeline(samples: Samples) -> list[dict]:
    """The worker's memory, one point per second (the peak of that second's samples)."""
    by_second: dict[int, tuple[float, TreeMemory]] = {}
    for moment, reading in samples.memory:
        second = int(moment)
        kept = by_second.get(second)
        if kept is None or reading.largest_rss > kept[1].largest_rss:
            by_second[second] = (moment, reading)
    return [
        {
            "t": round(moment, 2),
            "largest_process_rss_mb": round(reading.largest_rss / MB, 1),
            "tree_pss_mb": round(reading.pss_sum / MB, 1),
            "tree_rss_sum_mb": round(reading.rss_sum / MB, 1),
            "processes": reading.processes,
        }
        for moment, reading in sorted(by_second.values(), key=lambda item: item[0])
    ]


def memory_summary(timeline: list[dict]) -> dict:
    """Start, peak and end of the largest process's RSS and of the tree's PSS, in MB."""
    if not timeline:
        return {}
    largest = [point["largest_process_rss_mb"] for point in timeline]
    pss = [point["tree_pss_mb"] for point in timeline]
    return {
        "largest_process_rss_mb": {"start": largest[0], "peak": max(largest), "end": largest[-1]},
        "tree_pss_mb": {"start": pss[0], "peak": max(pss), "end": pss[-1]},
    }
