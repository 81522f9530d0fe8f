"""Run the whole service on one machine: the emulator, web and worker as managed processes.

Used by `scripts/run-local.sh` (the one-command local run) and by the integration tests,
which start the same real processes; `embedded` starts PostgreSQL and Redis where none is
configured. Development only: the application never imports this package.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class ManagedProcess:
    """A child process with its log file, started and stopped the way a platform does."""

    name: str
    argv: list[str]
    env: Mapping[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = field(default=None, repr=False)

    def start(self) -> ManagedProcess:
        """Start the process from the repository root, appending its output to the log."""
        self.log_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._log = open_private_log(self.log_path)
        self.process = subprocess.Popen(  # noqa: S603 - commands are fixed by the caller
            self.argv,
            cwd=REPO_ROOT,
            env=dict(self.env),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C in the terminal reaches only the supervisor
        )
        return self

    @property
    def pid(self) -> int:
        """The process id (the process must have been started)."""
        assert self.process is not None
        return self.process.pid

    def running(self) -> bool:
        """Whether the process is alive."""
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 40.0) -> int | None:
        """Send SIGTERM, wait up to `timeout` seconds, then SIGKILL; return the exit status."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        if self._log is not None:
            self._log.close()
            self._log = None
        return self.process.returncode

    def kill(self) -> None:
        """SIGKILL the whole process group (a crash, as `kill -9` would make it)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def tail(self, lines: int = 40) -> str:
        """The end of the process's log, for error messages."""
        if not self.log_path.exists():
            return ""
        text = self.log_path.read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])


def open_private_log(path: Path) -> IO[bytes]:
    """Open a log file for appending, readable by its owner only (logs hold guest data)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.fchmod(descriptor, 0o600)  # a file left by an older run may be world-readable
    return os.fdopen(descriptor, "ab")


def make_private(root: Path) -> None:
    """Make `root` and everything under it its owner's only: directories 0700, files 0600.

    Sockets and symbolic links are left as they are (a link's mode is its target's).
    """
    root.chmod(0o700)
    for directory, subdirectories, files in os.walk(root):
        for name in [*subdirectories, *files]:
            make_entry_private(Path(directory, name))


def make_entry_private(path: Path) -> None:
    """Make one directory 0700 or one regular file 0600; skip anything else or gone."""
    try:
        mode = path.lstat().st_mode
        if stat.S_ISDIR(mode):
            path.chmod(0o700)
        elif stat.S_ISREG(mode):
            path.chmod(0o600)
    except FileNotFoundError:  # a server removed it meanwhile
        return


def python_command(*args: str) -> list[str]:
    """A command line running this interpreter (the project's virtualenv)."""
    return [sys.executable, *args]


def web_command(bind: str | None = None) -> list[str]:
    """The Procfile's web line, listening on `bind` instead of the config's when given."""
    options = ["--bind", bind] if bind else []
    return python_command("-m", "gunicorn", "-c", "gunicorn.conf.py", *options, "app:create_app()")


def local_bind(env: Mapping[str, str]) -> str | None:
    """Where a web process started on this machine listens: 127.0.0.1:$PORT.

    Off a platform nothing should be reachable from the network by default. `GUNICORN_BIND`
    in the environment says otherwise (then gunicorn.conf.py's bind applies: None here).
    """
    if env.get("GUNICORN_BIND"):
        return None
    return f"127.0.0.1:{env.get('PORT') or 8000}"


def worker_command() -> list[str]:
    """The Procfile's worker line."""
    return python_command("-m", "worker")


def release_command() -> list[str]:
    """The Procfile's release line."""
    return python_command("-m", "flask", "--app", "app", "db", "upgrade")


def wait_for_http(url: str, timeout: float, process: ManagedProcess | None = None) -> None:
    """Poll `url` until it answers 2xx; fail early if `process` dies."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - local URL
                if response.status < 300:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if process is not None and not process.running():
            raise RuntimeError(f"{process.name} exited:\n{process.tail()}")
        if time.monotonic() > deadline:
            detail = process.tail() if process else ""
            raise TimeoutError(f"{url} did not answer within {timeout:g} s\n{detail}")
        time.sleep(0.2)


def run_release(env: Mapping[str, str]) -> None:
    """Apply the migrations as the release phase would; raise with its output on failure."""
    result = subprocess.run(  # noqa: S603 - fixed command line
        release_command(), cwd=REPO_ROOT, env=dict(env), capture_output=True, text=True, check=False
    )
    if result.returncode:
        raise RuntimeError(f"migrations failed:\n{result.stdout}\n{result.stderr}")
