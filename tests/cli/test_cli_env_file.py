"""The `flask` commands read the deployment's `.env` from whichever directory they run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from app.cli.env_file import apply_env_file, default_env_files, deployment_env_file
from app.devstack import REPO_ROOT
from app.devstack.local_env import quoted

FLASK = Path(sys.executable).parent / "flask"  # .venv/bin/flask, as the README writes it


def run_flask(cwd: Path, env: dict[str, str], *arguments: str) -> subprocess.CompletedProcess[str]:
    """Run `.venv/bin/flask --app app ...` in `cwd` with exactly `env` (and PATH, HOME)."""
    base = {name: os.environ[name] for name in ("PATH", "HOME") if name in os.environ}
    return subprocess.run(
        [str(FLASK), "--app", "app", *arguments],
        cwd=cwd,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def write_env_file(path: Path, settings: dict[str, str]) -> Path:
    """A `.env` as an operator writes it."""
    path.write_text("".join(f"{name}={quoted(value)}\n" for name, value in settings.items()))
    return path


@pytest.mark.slow
def test_env_file_is_read_from_another_directory_and_the_environment_wins(
    migrated: dict[str, str], tmp_path: Path
) -> None:
    # The file says production and a Redis nobody listens on; the shell's REDIS_URL wins.
    deployment = {**migrated, "APP_ENV": "production", "SENDING_ENABLED": "false"}
    env_file = write_env_file(
        tmp_path / "deploy.env", {**deployment, "REDIS_URL": "redis://127.0.0.1:1/0"}
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    result = run_flask(
        elsewhere,
        {"ENV_FILE": str(env_file), "REDIS_URL": migrated["REDIS_URL"]},
        *("jobs", "status", "--json"),
    )

    assert result.returncode == 0, result.stderr
    assert "configuration error" not in result.stderr
    assert [queue["name"] for queue in json.loads(result.stdout)["queues"]] == ["send", "default"]


@pytest.mark.slow
def test_a_missing_env_file_is_named(tmp_path: Path) -> None:
    result = run_flask(tmp_path, {"ENV_FILE": str(tmp_path / "nope.env")}, "workers")

    assert result.returncode == 1
    assert f"Error: ENV_FILE {tmp_path / 'nope.env'} does not exist" in result.stderr
    assert "Traceback" not in result.stderr


def test_env_file_comes_first_then_the_first_default_that_exists(tmp_path: Path) -> None:
    first, second = tmp_path / "a.env", tmp_path / "b.env"
    second.write_text("X=1\n")
    assert deployment_env_file({}, [first, second]) == second
    first.write_text("X=2\n")
    assert deployment_env_file({}, [first, second]) == first
    assert deployment_env_file({"ENV_FILE": str(second)}, [first]) == second
    assert deployment_env_file({}, []) is None
    with pytest.raises(click.ClickException, match=r"ENV_FILE .*nope\.env does not exist"):
        deployment_env_file({"ENV_FILE": str(tmp_path / "nope.env")}, [first])


def test_the_defaults_are_the_checkouts_env_and_the_one_beside_the_virtualenv() -> None:
    package_default, venv_default = default_env_files()
    assert package_default == REPO_ROOT.resolve() / ".env"
    assert venv_default == Path(sys.prefix).resolve().parent / ".env"


def test_variables_already_set_win_over_the_file(tmp_path: Path) -> None:
    env_file = write_env_file(tmp_path / ".env", {"SECRET_KEY": "from-file", "LOG_LEVEL": "DEBUG"})
    environ = {"SECRET_KEY": "from-shell"}

    apply_env_file(env_file, environ)

    assert environ == {"SECRET_KEY": "from-shell", "LOG_LEVEL": "DEBUG"}
