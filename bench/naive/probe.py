"""HTTP helpers of the before/after: one request's outcome, and a probe of a server's latency."""

from __future__ import annotations

import http.client
import statistics
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

Outcome = tuple[str, float]  # ("200", "dropped", "client timeout", ...), seconds


def post_form(
    url: str, form: dict[str, str], timeout: float, headers: dict | None = None
) -> Outcome:
    """POST a form; what became of it (status, dropped connection, timeout) and how long."""
    data = urllib.parse.urlencode(form).encode()
    request = urllib.request.Request(url, data=data, method="POST", headers=headers or {})
    return timed(request, timeout)


def get(url: str, timeout: float) -> Outcome:
    """GET a URL; its outcome and duration."""
    return timed(urllib.request.Request(url), timeout)


def timed(request: urllib.request.Request, timeout: float) -> Outcome:
    """Make a request and classify its end."""
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            outcome = str(response.status)
    except urllib.error.HTTPError as error:
        outcome = str(error.code)
    except TimeoutError:
        outcome = "client timeout"
    except (http.client.RemoteDisconnected, http.client.IncompleteRead, ConnectionError):
        outcome = "dropped"
    except urllib.error.URLError as error:
        outcome = "client timeout" if isinstance(error.reason, TimeoutError) else "dropped"
    return outcome, time.monotonic() - started


@dataclass
class Probe:
    """GET one URL again and again (each after the previous answered) until stopped."""

    url: str
    timeout: float
    interval: float = 0.25
    answers: list[tuple[float, str, float]] = field(default_factory=list)  # (at, outcome, s)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> Probe:
        """Begin probing in a thread."""
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        """Probe until stopped."""
        started = time.monotonic()
        while not self._stop.is_set():
            at = time.monotonic() - started
            outcome, seconds = get(self.url, self.timeout)
            self.answers.append((round(at, 2), outcome, round(seconds, 4)))
            self._stop.wait(self.interval)

    def stop(self) -> dict:
        """Stop after the request under way; summarize what it saw."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        return self.summary()

    def summary(self) -> dict:
        """Requests, failures, median and longest wait."""
        waits = [seconds for _, outcome, seconds in self.answers if outcome == "200"]
        return {
            "probes": len(self.answers),
            "probe_failures": sum(1 for _, outcome, _ in self.answers if outcome != "200"),
            "probe_p50_ms": round(statistics.median(waits) * 1000, 1) if waits else None,
            "probe_max_s": round(max(s for _, _, s in self.answers), 3) if self.answers else None,
        }
