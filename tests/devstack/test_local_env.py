"""`.local/env`: the local run's settings for `scripts/flask.sh`, private and exact."""

from __future__ import annotations

import importlib.util
import json
import stat
from pathlib import Path
from types import ModuleType

import pytest

from app.devstack import REPO_ROOT
from app.devstack.local_env import (
    LocalEnvError,
    env_file,
    read_local_env,
    remove_local_env,
    service_settings,
    write_local_env,
)

RUN_ENV = {
    "APP_ENV": "development",
    "DATABASE_URL": "postgresql://postgres@/postgres?host=/tmp/pg's dir",
    "REDIS_URL": "redis://:p%40ss'w\\rd@127.0.0.1:6379/0",
    "SECRET_KEY": 'quote " and $HOME and `ls` and #hash',
    "TWILIO_REMINDER_CONTENT_SID": "HX" + "0" * 31 + "1",
    "PUBLIC_BASE_URL": "http://127.0.0.1:8000",
    "WEB_CONCURRENCY": "2",
    "EMPTY_IS_UNSET": "",
    "PATH": "/usr/bin",
    "PYTHONPATH": "/somewhere",
    "EMULATOR_CONTENT_TEMPLATES": json.dumps({"HX1": "Hi {{1}}"}),
    "EMULATOR_CONTROL_TOKEN_FILE": "/x/emulator_token",
}


def test_the_settings_are_written_private_and_read_back_exactly(tmp_path: Path) -> None:
    path = env_file(tmp_path)
    write_local_env(path, RUN_ENV)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_local_env(path) == {
        name: RUN_ENV[name]
        for name in (
            "APP_ENV",
            "DATABASE_URL",
            "PUBLIC_BASE_URL",
            "REDIS_URL",
            "SECRET_KEY",
            "TWILIO_REMINDER_CONTENT_SID",
            "WEB_CONCURRENCY",
        )
    }  # the service's settings only: not PATH, PYTHONPATH or the emulator's
    assert list(tmp_path.iterdir()) == [path]  # no partial file left behind

    remove_local_env(path)
    remove_local_env(path)  # a second stop finds nothing to remove
    assert not path.exists()


def test_a_missing_file_says_to_start_the_local_run(tmp_path: Path) -> None:
    with pytest.raises(LocalEnvError, match=r"no local run is running.*bash scripts/run-local\.sh"):
        read_local_env(env_file(tmp_path))


@pytest.mark.parametrize(("loose", "mode"), [("file", 0o620), ("file", 0o602), ("dir", 0o777)])
def test_settings_others_may_have_written_are_refused(
    tmp_path: Path, loose: str, mode: int
) -> None:
    path = env_file(tmp_path)
    write_local_env(path, RUN_ENV)
    (path if loose == "file" else tmp_path).chmod(mode)

    with pytest.raises(LocalEnvError, match="is not yours alone"):
        read_local_env(path)


def test_service_settings_are_picked_by_name() -> None:
    env = {"DB_POOL_SIZE": "5", "SEND_RATE_PER_SECOND": "1", "HOME": "/root", "LD_PRELOAD": "x"}
    assert service_settings(env) == {"DB_POOL_SIZE": "5", "SEND_RATE_PER_SECOND": "1"}


@pytest.fixture
def flask_local(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """scripts/flask_local.py, reading its settings from a temporary `.local/`."""
    spec = importlib.util.spec_from_file_location(
        "flask_local", REPO_ROOT / "scripts/flask_local.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "STATE_DIR", tmp_path)
    return module


def test_flask_sh_without_a_local_run_says_so_in_one_line(
    flask_local: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    assert flask_local.main(["doctor"]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert error.startswith("scripts/flask.sh: ") and "bash scripts/run-local.sh" in error


def test_flask_sh_runs_the_app_with_the_run_settings_over_the_shells(
    flask_local: ModuleType,
) -> None:
    shell = {"PATH": "/usr/bin", "DATABASE_URL": "postgresql://elsewhere/db", "LANG": "C"}
    env = flask_local.command_env(shell, {"DATABASE_URL": "postgresql://local/run"})

    assert env == {
        "PATH": "/usr/bin",
        "LANG": "C",
        "DATABASE_URL": "postgresql://local/run",
        "FLASK_SKIP_DOTENV": "1",  # a deploy's .env in the checkout is never mixed in
    }
    assert flask_local.flask_command(["doctor", "--json"])[1:] == [
        "-m", "flask", "--app", "app", "doctor", "--json",
    ]  # fmt: skip
