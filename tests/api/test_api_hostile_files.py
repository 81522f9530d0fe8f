"""Hostile guest files against real gunicorn: refused fast, and nobody else notices.

Each file (written by the test) goes to the API's import on one gevent worker while a
client checks `/health` every 50 ms: each is answered in under 5 s with a 4xx saying what
was over, `/health` always answers within 1 s, and the worker never crashes, restarts or
times out (the log is checked when gunicorn stops).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import requests
from flask import Flask

from tests.support.constants import API_AUTH
from tests.support.stack import running_web
from tests.support.workbooks import (
    corner_workbook,
    million_rows,
    shared_text_bomb,
    wide_workbook,
)

pytestmark = pytest.mark.slow

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HOSTILE = {
    "corner workbook": (
        corner_workbook(),
        XLSX,
        413,
        "cell XFD1048576 holds a value, in column 16,384",
    ),
    "wide sheet": (wide_workbook(), XLSX, 413, "cell XFD1 holds a value, in column 16,384"),
    "shared-text bomb": (shared_text_bomb(500), XLSX, 413, "inflates to more than 128 MB"),
    "a million rows": (million_rows(), XLSX, 413, "at most 100000 rows"),
    "600,000 columns": (
        ("name,phone," + ",".join(f"c{n}" for n in range(600_000)) + "\n").encode(),
        "text/csv",
        413,
        "the header has 600,002 columns",
    ),
}


class HealthWatch:
    """GET /health every 50 ms in a thread; keep the slowest answer."""

    def __init__(self, base_url: str) -> None:
        self.url = f"{base_url}/health"
        self.slowest = 0.0
        self.failures: list[str] = []
        self.checks = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with requests.Session() as session:
            while not self._stop.is_set():
                started = time.perf_counter()
                try:
                    status = session.get(self.url, timeout=5).status_code
                    if status != 200:
                        self.failures.append(f"status {status}")
                except requests.RequestException as error:
                    self.failures.append(repr(error))
                self.slowest = max(self.slowest, time.perf_counter() - started)
                self.checks += 1
                self._stop.wait(0.05)

    def __enter__(self) -> HealthWatch:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


@pytest.fixture(scope="module")
def web(migrated: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One gunicorn gevent worker, as the smallest deployment runs it."""
    with running_web(migrated, tmp_path_factory.mktemp("web")) as (base_url, process):
        yield base_url
        log = process.tail(400)
        assert log.count("Booting worker") == 1, log  # never crashed nor restarted


@pytest.mark.alone  # it measures time: no other test beside it
def test_hostile_files_are_refused_fast_while_health_answers(app: Flask, web: str) -> None:
    event = requests.post(
        f"{web}/api/v1/events", json={"name": "Party"}, headers=API_AUTH, timeout=10
    )
    assert event.status_code == 201, event.text
    guests_url = f"{web}/api/v1/events/{event.json()['id']}/guests"
    answers = {}
    with HealthWatch(web) as health:
        for name, (data, content_type, _, _) in HOSTILE.items():
            started = time.perf_counter()
            response = requests.post(
                guests_url,
                data=data,
                headers={**API_AUTH, "Content-Type": content_type},
                timeout=30,
            )
            answers[name] = (response.status_code, response.json()["message"])
            assert time.perf_counter() - started < 5, (name, answers[name])
    for name, (_, _, status, message) in HOSTILE.items():
        assert answers[name][0] == status, (name, answers[name])
        assert message in answers[name][1], (name, answers[name])
    assert health.failures == []
    assert health.checks > 10
    assert health.slowest < 1.0, health.slowest
    listed = requests.get(guests_url, headers=API_AUTH, timeout=10).json()
    assert listed["guests"] == []  # nothing imported
