"""Safe defaults off production: the local run listens on 127.0.0.1, signs webhooks with a
token of its own, keeps its secrets and logs private, and its emulator and Redis refuse a
local caller without the secrets it generated."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import signal
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

import pytest
import redis
import requests

from app import create_app
from app.config import EMULATOR_AUTH_TOKEN
from app.devstack import REPO_ROOT, ManagedProcess, local_bind, python_command
from app.devstack.embedded import free_port
from app.devstack.local_env import read_local_env, service_settings
from app.emulator.__main__ import load_config
from app.sending.message import MessageDefaults
from tests.support.database import dispose_engines, reset_state
from tests.support.stack import running_web
from tests.support.webhooks import INBOUND, inbound_form, signed_post


@pytest.fixture
def run_local(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """scripts/run_local.py, keeping its state in a temporary `.local/`."""
    spec = importlib.util.spec_from_file_location("run_local", REPO_ROOT / "scripts/run_local.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "STATE_DIR", tmp_path)
    for name in ("TWILIO_AUTH_TOKEN", "EMULATOR_AUTH_TOKEN", "GUNICORN_BIND", "PORT"):
        monkeypatch.delenv(name, raising=False)
    return module


def local_env(run_local: ModuleType, services: dict[str, str], monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The environment the local run gives its processes, on the test's services."""
    monkeypatch.setenv("DATABASE_URL", services["DATABASE_URL"])
    monkeypatch.setenv("REDIS_URL", services["REDIS_URL"])
    return run_local.service_env(run_local.EmbeddedServices())


def test_the_local_run_generates_its_webhook_token_and_shows_it(
    run_local: ModuleType, migrated: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    env = local_env(run_local, migrated, monkeypatch)
    token = env["TWILIO_AUTH_TOKEN"]
    assert token != EMULATOR_AUTH_TOKEN and len(token) >= 32
    assert env["EMULATOR_AUTH_TOKEN"] == token  # the emulator signs with the same one
    saved = run_local.STATE_DIR / "twilio_auth_token"
    assert saved.read_text() == token
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert local_env(run_local, migrated, monkeypatch)["TWILIO_AUTH_TOKEN"] == token  # kept
    banner = run_local.banner(env)
    assert token in banner
    assert "127.0.0.1:8000" in banner
    control_token = Path(env["EMULATOR_CONTROL_TOKEN_FILE"])
    assert control_token == run_local.STATE_DIR / "emulator_token"
    assert len(control_token.read_text()) >= 32
    assert stat.S_IMODE(control_token.stat().st_mode) == 0o600
    assert f"Authorization: Bearer $(cat {control_token})" in banner


def test_the_local_run_sends_seat_offers_that_its_emulator_renders_and_answers(
    run_local: ModuleType, migrated: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("TWILIO_OFFER_CONTENT_SID", "EMULATOR_OFFER_TEMPLATES"):
        monkeypatch.delenv(name, raising=False)
    env = local_env(run_local, migrated, monkeypatch)
    offer = env["TWILIO_OFFER_CONTENT_SID"]
    config = load_config([], env)
    assert offer in config.offer_templates  # its guests tap Claim or Pass
    assert "Claim" in config.content_templates[offer]
    settings = create_app({**migrated, **env}).config["SETTINGS"]
    defaults = MessageDefaults.from_settings(settings, None, 3600)
    assert defaults.template_for("es", "offer") == offer  # the service sends it


def test_the_local_run_tells_of_changes_with_templates_its_emulator_renders_unanswered(
    run_local: ModuleType, migrated: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    kinds = ("UPDATE", "CANCELLATION", "THANKS", "MISSED")
    names = tuple(f"TWILIO_{kind}_CONTENT_SID" for kind in kinds)
    for name in (*names, "EMULATOR_NOTICE_TEMPLATES"):
        monkeypatch.delenv(name, raising=False)
    env = local_env(run_local, migrated, monkeypatch)
    update, cancellation, thanks, missed = (env[name] for name in names)
    config = load_config([], env)
    assert config.notice_templates == {update, cancellation, thanks, missed}  # never answered
    assert "has changed" in config.content_templates[update]
    assert "canceled" in config.content_templates[cancellation]
    assert "thank you" in config.content_templates[thanks]
    assert "we missed you" in config.content_templates[missed]
    settings = create_app({**migrated, **env}).config["SETTINGS"]
    defaults = MessageDefaults.from_settings(settings, None, 3600)
    assert defaults.template_for("ar", "update") == update
    assert defaults.template_for("es", "cancellation") == cancellation
    assert defaults.template_for("pt", "thanks") == thanks


def test_a_webhook_forged_with_the_public_emulator_token_is_refused(
    run_local: ModuleType, migrated: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    env = local_env(run_local, migrated, monkeypatch)
    app = create_app(
        {**migrated, "APP_ENV": "development", "TWILIO_AUTH_TOKEN": env["TWILIO_AUTH_TOKEN"]}
    )
    try:
        client = app.test_client()
        form = inbound_form("+14155550100", "yes")
        assert signed_post(client, INBOUND, form, token=EMULATOR_AUTH_TOKEN).status_code == 403
        genuine = signed_post(client, INBOUND, form, token=env["TWILIO_AUTH_TOKEN"])
        assert genuine.status_code == 200
    finally:
        with app.app_context():
            reset_state(app)  # the genuine webhook stored an inbound message
            dispose_engines()


def test_local_processes_bind_127_0_0_1_unless_told_otherwise() -> None:
    assert local_bind({"PORT": "8123"}) == "127.0.0.1:8123"
    assert local_bind({}) == "127.0.0.1:8000"
    assert local_bind({"PORT": "8123", "GUNICORN_BIND": "0.0.0.0:8123"}) is None


def listening_addresses(port: int) -> set[str]:
    """The IPv4 addresses (hex, as /proc/net/tcp shows them) listening on `port`."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, _, hex_port = local.partition(":")
        if state == "0A" and int(hex_port, 16) == port:
            found.add(address)
    return found


@pytest.mark.slow
def test_the_web_process_listens_on_loopback_only(migrated: dict[str, str], tmp_path: Path) -> None:
    with running_web(migrated, tmp_path) as (base_url, _):
        port = int(base_url.rsplit(":", 1)[1])
        assert listening_addresses(port) == {"0100007F"}  # 127.0.0.1, not 0.0.0.0


@pytest.mark.slow
def test_local_log_files_are_private(tmp_path: Path) -> None:
    old = tmp_path / "logs" / "old.log"
    old.parent.mkdir()
    old.write_text("left by an older run\n")
    old.chmod(0o644)
    for path in (tmp_path / "logs" / "new.log", old):
        process = ManagedProcess("echo", python_command("-c", "print('hi')"), {}, path).start()
        assert process.process is not None
        process.process.wait(timeout=30)
        process.stop()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        assert path.read_text().endswith("hi\n")


# What the local run generates in its state directory (and keeps there, 0600).
SECRETS = (
    "secret_key",
    "api_token",
    "twilio_auth_token",
    "admin_password",
    "emulator_token",
    "redis_password",
)
LOGS = ("redis/redis.log", "logs/emulator.log", "logs/worker.log", "logs/web.log")
# Inherited settings that would keep the local run from starting its own services and secrets.
INHERITED = ("DATABASE_URL", "REDIS_URL", "PORT", "GUNICORN_BIND", "SECRET_KEY", "API_TOKEN")


@pytest.fixture
def run_root() -> Iterator[Path]:
    """A directory for a whole local run, outside pytest's temporary root.

    As root the embedded PostgreSQL runs as pgserver's user, which must pass through every
    parent of its data; a pytest session starting meanwhile makes /tmp/pytest-of-root 0700
    again, which stops that PostgreSQL at its next checkpoint.
    """
    with tempfile.TemporaryDirectory(prefix="local-run-") as directory:
        yield Path(directory)


@contextmanager
def local_run(state_dir: Path, log_path: Path) -> Iterator[str]:
    """Run `scripts/run_local.py` with its embedded PostgreSQL and Redis, keeping its state in
    `state_dir`; yield its output once it is ready, and stop it afterwards as Ctrl-C in its
    terminal does (SIGINT to its whole process group)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in INHERITED and not key.startswith(("EMULATOR_", "TWILIO_", "ADMIN_"))
    }
    env.update(LOCAL_STATE_DIR=str(state_dir), PORT=str(free_port()), WEB_CONCURRENCY="1")
    command = python_command(str(REPO_ROOT / "scripts" / "run_local.py"))
    process = ManagedProcess("local run", command, env, log_path).start()
    try:
        deadline = time.monotonic() + 180
        while "Press Ctrl-C to stop." not in log_path.read_text():
            assert process.running(), process.tail()
            assert time.monotonic() < deadline, process.tail()
            time.sleep(0.5)
        yield log_path.read_text()
    finally:
        if process.running():
            os.killpg(process.pid, signal.SIGINT)  # the terminal's Ctrl-C: every process
        assert process.process is not None
        process.process.wait(timeout=90)
        assert process.stop() == 0, process.tail()


def found(pattern: str, output: str) -> str:
    """The first group of `pattern` in the local run's output."""
    match = re.search(pattern, output)
    assert match, output
    return match.group(1)


def assert_emulator_control_closed(control: str, token: str, signing_token: str) -> None:
    """Without the control token or through a foreign Host (DNS rebinding), nothing; with
    them, everything but the webhook-signing token."""
    bearer = {"Authorization": f"Bearer {token}"}
    for path in ("/config", "/messages", "/stats"):
        assert requests.get(control + path, timeout=10).status_code == 401, path
    stop = requests.post(
        f"{control}/reply", data="STOP", headers={"Content-Type": "text/plain"}, timeout=10
    )
    assert stop.status_code == 401
    rebound = {**bearer, "Host": "rebound.evil.example"}
    assert requests.get(f"{control}/messages", headers=rebound, timeout=10).status_code == 421
    assert requests.get(f"{control}/messages", headers=bearer, timeout=10).status_code == 200
    shown = requests.get(f"{control}/config", headers=bearer, timeout=10)
    assert shown.status_code == 200
    assert shown.json()["auth_token"] == "(hidden)"
    assert signing_token not in shown.text and token not in shown.text


def assert_redis_closed(port: int, password: str) -> None:
    """Redis listens on 127.0.0.1 only and answers nothing before AUTH."""
    assert listening_addresses(port) == {"0100007F"}
    anonymous = redis.Redis("127.0.0.1", port, socket_connect_timeout=2)
    with pytest.raises(redis.AuthenticationError):
        anonymous.ping()
    anonymous.close()
    client = redis.Redis("127.0.0.1", port, password=password, socket_connect_timeout=2)
    assert client.ping()
    client.close()


def loose_modes(root: Path) -> list[str]:
    """Every directory under `root` (itself included) not 0700 and regular file not 0600."""
    loose = []
    for path in [root, *root.rglob("*")]:
        mode = path.lstat().st_mode
        expected = 0o700 if stat.S_ISDIR(mode) else 0o600 if stat.S_ISREG(mode) else None
        if expected is not None and stat.S_IMODE(mode) != expected:
            loose.append(f"{path} {stat.S_IMODE(mode):o}")
    return loose


@pytest.mark.slow
def test_the_local_run_is_closed_to_other_local_users(run_root: Path) -> None:
    state = run_root / "local"
    with local_run(state, run_root / "run_local.log") as output:
        postgres = Path(found(r"embedded PostgreSQL in (\S+) \.\.\.", output))
        token = (state / "emulator_token").read_text().strip()
        password = (state / "redis_password").read_text().strip()
        emulator = found(r"Twilio emulator +(http://127\.0\.0\.1:\d+)", output)
        signing_token = (state / "twilio_auth_token").read_text().strip()
        assert_emulator_control_closed(f"{emulator}/_emulator", token, signing_token)
        assert_redis_closed(int(found(r"embedded Redis on 127\.0\.0\.1:(\d+)", output)), password)
        assert f"Bearer $(cat {state / 'emulator_token'})" in output  # how to use the token
        for name in (*SECRETS, *LOGS):
            assert (state / name).is_file(), name
        assert loose_modes(state) == []
        assert password not in output
        assert token not in (state / "logs" / "emulator.log").read_text()

    assert loose_modes(state) == []
    assert stat.S_IMODE(postgres.stat().st_mode) == 0o700
    assert "PANIC" not in (postgres / "log").read_text()  # it reached its files to the end


# A line the logs must not hold after a clean stop: an error, in JSON or plain, or a traceback.
ERROR_LINE = re.compile(r'"level": "(error|critical)"|\bERROR\b|\bCRITICAL\b|Traceback')


def flask_sh(state: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """Run `bash scripts/flask.sh ...` from a shell whose own settings point elsewhere."""
    env = {k: v for k, v in os.environ.items() if k not in service_settings(os.environ)}
    env.update(LOCAL_STATE_DIR=str(state), DATABASE_URL="postgresql://nobody@127.0.0.1:1/no")
    return subprocess.run(
        ["bash", str(REPO_ROOT / "scripts" / "flask.sh"), *arguments],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_the_cli_reaches_the_local_run_and_ctrl_c_stops_it_cleanly(run_root: Path) -> None:
    state = run_root / "local"
    with local_run(state, run_root / "run_local.log") as output:
        settings = state / "env"
        assert stat.S_IMODE(settings.stat().st_mode) == 0o600
        written = read_local_env(settings)
        password = (state / "redis_password").read_text().strip()
        assert written["REDIS_URL"].startswith(f"redis://:{password}@127.0.0.1:")
        assert written["APP_ENV"] == "development" and written["DATABASE_URL"]
        assert written["TWILIO_API_BASE_URL"] == found(r"Twilio emulator +(\S+)", output)
        assert not [name for name in written if name.startswith(("EMULATOR_", "PATH"))]
        assert "bash scripts/flask.sh doctor" in output
        assert "/_emulator/reply" in output

        doctor = flask_sh(state, "doctor", "--json")
        assert doctor.returncode == 0, doctor.stdout + doctor.stderr
        checks = json.loads(doctor.stdout)["checks"]
        assert all(check["ok"] for check in checks.values()), checks
        assert checks["twilio"]["detail"].startswith("the local emulator at http://127.0.0.1:")
        workers = flask_sh(state, "workers")
        assert workers.returncode == 0, workers.stdout + workers.stderr
        assert "Traceback" not in workers.stderr

        # The banner's guest message reaches the service, signed as Twilio signs it.
        token = (state / "emulator_token").read_text().strip()
        question = requests.post(
            f"{written['TWILIO_API_BASE_URL']}/_emulator/reply",
            data='{"from": "+34612345678", "text": "¿Hay aparcamiento?"}'.encode(),
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert question.status_code == 200 and question.json()["status"] == 200, question.text

    assert not settings.exists()  # the settings of a run that stopped
    run_output = (run_root / "run_local.log").read_text()
    assert run_output.rstrip().endswith("stopped."), run_output
    for log in ("worker.log", "web.log", "emulator.log"):
        text = (state / "logs" / log).read_text()
        errors = [line for line in text.splitlines() if ERROR_LINE.search(line)]
        assert not errors, f"{log}:\n" + "\n".join(errors)
    missing = flask_sh(state, "workers")
    assert missing.returncode == 1 and "no local run is running" in missing.stderr
