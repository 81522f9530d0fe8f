"""deploy/keep-up: what honcho's Procfile runs each process through.

A process that exits is started again; SIGTERM (what honcho sends) reaches the process, whose
own exit ends keep-up. The whole deploy runs under real honcho in deploy/check.py.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # starts processes (python, sh)


KEEP_UP = Path(__file__).resolve().parent.parent / "deploy" / "keep-up"


def test_a_process_that_exits_is_started_again(tmp_path: Path) -> None:
    starts = tmp_path / "starts"
    messages = tmp_path / "stderr"
    with messages.open("w") as stderr:
        keep_up = subprocess.Popen(
            [str(KEEP_UP), "sh", "-c", f"echo start >> {starts}; exit 3"], stderr=stderr
        )
        try:
            deadline = time.monotonic() + 10
            while not (starts.exists() and len(starts.read_text().split()) >= 2):
                assert time.monotonic() < deadline, "not started again within 10 s"
                time.sleep(0.1)
        finally:
            keep_up.send_signal(signal.SIGTERM)
            keep_up.wait(timeout=10)
    message = messages.read_text()
    assert "exited with status 3; starting it again in 1 s" in message


def test_sigterm_stops_the_process_and_keep_up_with_its_status(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    # The child records its pid, then exits 7 on SIGTERM, as a draining server would.
    script = f"trap 'exit 7' TERM; echo $$ > {pid_file}; while :; do sleep 0.1; done"
    keep_up = subprocess.Popen([str(KEEP_UP), "sh", "-c", script])
    deadline = time.monotonic() + 10
    while not (pid_file.exists() and pid_file.read_text().strip()):
        assert time.monotonic() < deadline, "the process did not start"
        time.sleep(0.05)
    child = int(pid_file.read_text())

    keep_up.send_signal(signal.SIGTERM)

    assert keep_up.wait(timeout=10) == 7
    try:
        os.kill(child, 0)
    except ProcessLookupError:
        pass
    else:
        raise AssertionError("the process outlived keep-up")
