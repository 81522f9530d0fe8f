"""Run `flask --app app <command>` with the settings of the running local run.

Started by `scripts/flask.sh`. The settings come from `.local/env` (LOCAL_STATE_DIR moves
it), which `scripts/run_local.py` writes while it runs; they win over the shell's variables
of the same names, and a `.env` in the checkout (a deploy's settings) is not read.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.devstack import REPO_ROOT, python_command
from app.devstack.local_env import LocalEnvError, env_file, read_local_env

STATE_DIR = Path(os.environ.get("LOCAL_STATE_DIR") or REPO_ROOT / ".local")


def flask_command(arguments: Sequence[str]) -> list[str]:
    """The flask CLI on the service's app, with `arguments`."""
    return python_command("-m", "flask", "--app", "app", *arguments)


def command_env(environ: Mapping[str, str], settings: Mapping[str, str]) -> dict[str, str]:
    """The shell's environment with the local run's settings over it, and no `.env`."""
    return {**environ, **settings, "FLASK_SKIP_DOTENV": "1"}


def main(arguments: Sequence[str]) -> int:
    """Replace this process with the flask command, or say in one line why it cannot run."""
    try:
        settings = read_local_env(env_file(STATE_DIR))
    except LocalEnvError as error:
        print(f"scripts/flask.sh: {error}", file=sys.stderr)
        return 1
    command = flask_command(arguments)
    os.execve(command[0], command, command_env(os.environ, settings))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
