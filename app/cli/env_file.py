"""The deployment's `.env` for the `flask` commands, from whichever directory they run.

Flask itself reads only a `.env` in the current directory or above it, so on a VPS a
command run from `~` or `/` would start without the deployment's settings and stop at the
production `ConfigError`. The commands read the same file the processes do: `ENV_FILE`
(as `gunicorn.conf.py` and `ecosystem.config.js` use it), else the checkout's `.env`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import click
from dotenv import dotenv_values


def default_env_files() -> tuple[Path, ...]:
    """The checkout's `.env`: above the `app` package, else beside the virtualenv.

    The first is the checkout when the package is imported from it (a run from the
    checkout, an editable install); the second when it was installed into the checkout's
    `.venv` (`.venv/bin/pip install .`, as the README does), wherever the package lives.
    """
    package_root = Path(__file__).resolve().parents[2]
    venv_root = Path(sys.prefix).resolve().parent
    return (package_root / ".env", venv_root / ".env")


def deployment_env_file(environ: Mapping[str, str], candidates: Sequence[Path]) -> Path | None:
    """`ENV_FILE` when set (it must exist), else the first of `candidates` that exists."""
    explicit = environ.get("ENV_FILE", "").strip()
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise click.ClickException(f"ENV_FILE {explicit} does not exist")
        return path
    return next((path for path in candidates if path.is_file()), None)


def apply_env_file(path: Path, environ: dict[str, str] | os._Environ[str]) -> None:
    """Set the file's variables that are not set yet: the real environment wins, as in Flask."""
    for name, value in dotenv_values(path, encoding="utf-8").items():
        if value is not None and name not in environ:
            environ[name] = value


def under_flask_cli() -> bool:
    """Whether a `flask` command is loading the app (not gunicorn, the worker or a test)."""
    from flask.cli import ScriptInfo

    context = click.get_current_context(silent=True)
    return context is not None and context.find_object(ScriptInfo) is not None


def load_deployment_env() -> Path | None:
    """Under the `flask` CLI, read the deployment's `.env` into the environment; return it.

    `FLASK_SKIP_DOTENV=1` turns the default file off, as it does Flask's own `.env`.
    """
    from flask.helpers import get_load_dotenv

    if not under_flask_cli():
        return None
    defaults = default_env_files() if get_load_dotenv() else ()
    path = deployment_env_file(os.environ, defaults)
    if path is not None:
        apply_env_file(path, os.environ)
    return path
