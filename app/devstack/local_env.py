"""The local run's settings in `.local/env`: written by the run, read by `scripts/flask.sh`.

While `scripts/run-local.sh` runs, `.local/env` holds the service's settings its processes
run with (the embedded PostgreSQL's and Redis's URLs, the generated secrets, the emulator's
address, ...), so that the `flask` commands reach that run and no other. It is the owner's
only (0600, in a 0700 directory) and is removed when the run stops.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path

from dotenv import dotenv_values

# The service's settings, by name (app/config.py, app/sending/settings.py, gunicorn.conf.py):
# only these are written, never the machine's PATH, HOME or PYTHONPATH, nor the emulator's
# own EMULATOR_* options.
SERVICE_PREFIXES = (
    "APP_",
    "DB_",
    "DATABASE_URL",
    "REDIS_URL",
    "TWILIO_",
    "SEND_",
    "SENDING_",
    "RQ_",
    "DEFAULT_",
    "PUBLIC_BASE_URL",
    "SECRET_KEY",
    "API_TOKEN",
    "METRICS_TOKEN",
    "ADMIN_",
    "WEB_CONCURRENCY",
    "PORT",
    "LOG_LEVEL",
    "GUEST_IMPORT_",
    "MAX_CONTENT_LENGTH",
    "TRUSTED_PROXIES",
    "TRUSTED_PROXY_HEADERS",
    "WORKER_RESTART_GRACE",
)
HEADER = (
    "# The settings of the local run (scripts/run-local.sh) while it runs; removed at its stop.\n"
    "# Read by `bash scripts/flask.sh <command>`. Private: it holds the run's secrets.\n"
)


class LocalEnvError(RuntimeError):
    """`.local/env` is missing, or not safe to read."""


def env_file(state_dir: Path) -> Path:
    """Where the local run keeps its settings."""
    return state_dir / "env"


def service_settings(env: Mapping[str, str]) -> dict[str, str]:
    """The service's settings among an environment's variables."""
    return {
        name: value
        for name, value in sorted(env.items())
        if name.startswith(SERVICE_PREFIXES) and value != ""
    }


def quoted(value: str) -> str:
    """A value as python-dotenv reads it back unchanged: single quotes, \\ and ' escaped."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def write_local_env(path: Path, env: Mapping[str, str]) -> None:
    """Write the service's settings of `env` to `path`, 0600, replacing it at once."""
    lines = [f"{name}={quoted(value)}\n" for name, value in service_settings(env).items()]
    partial = path.with_name(f".{path.name}.partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(HEADER + "".join(lines))
    partial.replace(path)


def remove_local_env(path: Path) -> None:
    """Forget the settings of a run that stopped."""
    path.unlink(missing_ok=True)


def read_local_env(path: Path) -> dict[str, str]:
    """The settings in `path`; raise `LocalEnvError` when it is missing or others may write
    it (its variables go into the environment of a Python process)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise LocalEnvError(
            f"{path} not found: no local run is running; start one with"
            " `bash scripts/run-local.sh` (it writes that file while it runs)"
        ) from None
    for checked, mode in ((path, info.st_mode), (path.parent, path.parent.stat().st_mode)):
        owner = checked.stat().st_uid
        if owner != os.geteuid() or stat.S_IMODE(mode) & (stat.S_IWGRP | stat.S_IWOTH):
            raise LocalEnvError(
                f"{checked} is not yours alone (owner uid {owner}, mode"
                f" {stat.S_IMODE(mode):o}): refusing to read settings others may have written"
            )
    return {name: value or "" for name, value in dotenv_values(path).items()}
