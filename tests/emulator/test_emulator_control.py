"""Control endpoints under /_emulator/ and the command line (SIGTERM, SIGINT, bad flags)."""

from __future__ import annotations

import contextlib
import re
import signal
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests

from tests.support.constants import SENDER
from tests.support.emulator import ROOT, Emulator, start_emulator, stop_emulator
from tests.support.polling import eventually

pytestmark = pytest.mark.slow

GUEST = "whatsapp:+12025550123"


def test_health(emulator: Emulator) -> None:
    assert emulator.get("/health") == {
        "status": "ok",
        "account_sid": emulator.account_sid,
        "api_version": "2010-04-01",
        "messages": 0,
    }


def test_config_can_be_read_and_patched(emulator: Emulator) -> None:
    assert emulator.get("/config")["latency"] == [0.0, 0.0]

    patched = emulator.configure(latency="0.1-0.2", not_on_whatsapp=["+1202555"])

    assert patched["latency"] == [0.1, 0.2]
    assert patched["not_on_whatsapp"] == ["+1202555"]
    assert emulator.get("/config") == patched


@pytest.mark.parametrize(
    "body", [{"latency": "fast"}, {"port": 1}, {"unknown": True}, {"slow_rate": 2}]
)
def test_bad_config_patches_get_400_and_change_nothing(
    emulator: Emulator, body: dict[str, object]
) -> None:
    before = emulator.get("/config")

    response = emulator.post("/config", body)

    assert response.status_code == 400
    assert "error" in response.json()
    assert emulator.get("/config") == before


def test_messages_counts_and_stats(emulator: Emulator) -> None:
    for to in (GUEST, GUEST, "whatsapp:+12025550124"):
        assert emulator.create(To=to, From=SENDER, Body="x").status_code == 201
    emulator.create(To="whatsapp:+1555", From=SENDER, Body="x")

    assert emulator.get("/counts") == {
        "counts": {GUEST: 2, "whatsapp:+12025550124": 1},
        "total": 3,
    }
    messages = emulator.get("/messages", to=GUEST)
    assert messages["total"] == 2
    assert messages["messages"][0]["params"] == {"To": GUEST, "From": SENDER, "Body": "x"}
    stats = emulator.get("/stats")
    assert stats["requests_total"] == 4
    assert stats["create_requests"] == 4
    assert stats["accepted_total"] == 3
    assert stats["rejected"] == {"21211": 1}
    assert set(stats) >= {"in_flight", "peak_in_flight", "faults", "callbacks", "replies"}


def test_reset_forgets_messages_and_optionally_config(emulator: Emulator) -> None:
    emulator.create(To=GUEST, From=SENDER, Body="x")
    emulator.post("/optouts", {"add": ["+12025550124"]})
    emulator.configure(latency="0.01")

    emulator.post("/reset")
    assert emulator.get("/counts") == {"counts": {}, "total": 0}
    assert emulator.get("/optouts") == {"optouts": []}
    assert emulator.get("/config")["latency"] == [0.01, 0.01]

    emulator.post("/reset", {"config": True})
    assert emulator.get("/config")["latency"] == [0.0, 0.0]


def test_sigterm_stops_cleanly_with_requests_in_flight(tmp_path: Path) -> None:
    args = ("--slow-rate", "1", "--slow-delay", "60")
    process, url = start_emulator(tmp_path / "emulator.log", *args)
    emulator = Emulator(url)
    pending = threading.Thread(target=lambda: swallow(emulator), daemon=True)
    pending.start()
    assert eventually(lambda: emulator.get("/stats")["in_flight"] == 1)
    emulator.session.close()

    assert stop_emulator(process) == 0
    pending.join(timeout=10)
    assert "stopping" in (tmp_path / "emulator.log").read_text()


def swallow(emulator: Emulator) -> None:
    """Make a create request and ignore how it ends."""
    with contextlib.suppress(requests.RequestException):
        requests.post(
            emulator.messages_url,
            data={"To": GUEST, "From": SENDER, "Body": "x"},
            auth=emulator.auth,
            timeout=30,
        )


def test_sigint_stops_cleanly(tmp_path: Path) -> None:
    process, _ = start_emulator(tmp_path / "emulator.log")

    process.send_signal(signal.SIGINT)

    assert process.wait(timeout=10) == 0


def test_environment_variables_configure_the_emulator(tmp_path: Path) -> None:
    env = {"EMULATOR_LATENCY": "0.1-0.3", "EMULATOR_AUTH_TOKEN": "token-from-env"}
    process, url = start_emulator(tmp_path / "emulator.log", extra_env=env)
    emulator = Emulator(url, auth_token="token-from-env")
    try:
        config = emulator.get("/config")
        created = emulator.create(To=GUEST, From=SENDER, Body="x")
    finally:
        stop_emulator(process)

    assert config["latency"] == [0.1, 0.3]
    assert config["auth_token"] == "(hidden)"  # shown nowhere, but in force
    assert created.status_code == 201


def test_without_a_control_token_the_emulator_makes_one_and_says_where(tmp_path: Path) -> None:
    log_path = tmp_path / "emulator.log"
    process, url = start_emulator(log_path, extra_env={"EMULATOR_CONTROL_TOKEN": ""})
    try:
        found = re.search(r"control token written to (\S+)", log_path.read_text())
        assert found, log_path.read_text()
        token_file = Path(found.group(1))
        token = token_file.read_text().strip()
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        refused = requests.get(f"{url}/_emulator/messages", timeout=10)
        opened = requests.get(
            f"{url}/_emulator/messages", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
    finally:
        assert stop_emulator(process) == 0

    assert refused.status_code == 401
    assert opened.status_code == 200
    assert token not in log_path.read_text()
    assert not token_file.exists()  # a temporary file, removed at stop


def test_a_control_token_file_is_kept_across_restarts(tmp_path: Path) -> None:
    token_file = tmp_path / "emulator_token"
    env = {"EMULATOR_CONTROL_TOKEN": "", "EMULATOR_CONTROL_TOKEN_FILE": str(token_file)}
    tokens = []
    for run in range(2):
        process, url = start_emulator(tmp_path / f"emulator{run}.log", extra_env=env)
        try:
            tokens.append(token_file.read_text().strip())
            headers = {"Authorization": f"Bearer {tokens[-1]}"}
            assert requests.get(f"{url}/_emulator/stats", headers=headers, timeout=10).ok
        finally:
            assert stop_emulator(process) == 0

    assert tokens[0] == tokens[1] and len(tokens[0]) >= 32
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600


def test_bad_flags_exit_with_status_2() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "app.emulator", "--latency", "soon"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert result.returncode == 2
    assert "latency" in result.stderr
