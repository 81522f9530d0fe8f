"""Safe defaults off production: the local run listens on 127.0.0.1, signs webhooks with a
token of its own, and keeps its secrets and logs private."""

from __future__ import annotations

import importlib.util
import stat
from pathlib import Path
from types import ModuleType

import pytest

from app import create_app
from app.config import EMULATOR_AUTH_TOKEN
from app.devstack import REPO_ROOT, ManagedProcess, local_bind, python_command
from tests.conftest import dispose_engines
from tests.support.web import running_web
from tests.webhooks.support import INBOUND, inbound_form, signed_post


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
