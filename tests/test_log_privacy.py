"""Logs without phone numbers: every logger masks them from INFO up, the access log drops
query strings; and log files other users cannot read."""

from __future__ import annotations

import io
import json
import logging
import shutil
import stat
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.logs import JsonFormatter, MaskPhones, configure
from tests.support.imports import REPO
from tests.support.stack import running_web

PHONE = "+14155550123"
PM2_LOGS = ("web.out.log", "web.err.log", "worker.out.log", "worker.err.log")


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    """What a handler set up like the service's (JSON, masking) writes."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(MaskPhones())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def entries(stream: io.StringIO) -> list[dict[str, str]]:
    """The JSON log entries written so far."""
    return [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.mark.parametrize(
    "logger", ["app.services.inbound", "rq.worker", "twilio.http_client", "root"]
)
def test_every_logger_masks_phones_at_info(lines: io.StringIO, logger: str) -> None:
    log = logging.getLogger(None if logger == "root" else logger)
    log.info("reply from whatsapp:%s", PHONE)
    log.warning("searched %s", f"/events/1?q=%2B{PHONE[1:]}")
    log.error("failed for %s", "someone", extra={"to": f"whatsapp:{PHONE}"})
    try:
        raise ValueError(f"bad number {PHONE}")
    except ValueError:
        log.exception("import failed")
    text = "\n".join(json.dumps(entry) for entry in entries(lines))
    assert PHONE[1:] not in text
    assert "***0123" in text
    assert len(entries(lines)) == 4


def test_debug_keeps_numbers_and_nothing_else_is_masked(lines: io.StringIO) -> None:
    logging.getLogger("app").debug("to %s", PHONE)
    logging.getLogger("app").info("campaign 1234567890 sent SM%s at +1 s", "0" * 32)
    debug, info = entries(lines)
    assert debug["msg"] == f"to {PHONE}"
    assert info["msg"] == f"campaign 1234567890 sent SM{'0' * 32} at +1 s"


def test_the_service_handler_masks(capsys: pytest.CaptureFixture[str]) -> None:
    configure("INFO")
    handlers = [h for h in logging.getLogger().handlers if isinstance(h.formatter, JsonFormatter)]
    assert handlers and all(
        any(isinstance(f, MaskPhones) for f in handler.filters) for handler in handlers
    )


@pytest.mark.slow
def test_the_access_log_has_paths_without_query_strings(
    migrated: dict[str, str], tmp_path: Path
) -> None:
    access_log = tmp_path / "access.log"
    with running_web(migrated, tmp_path, GUNICORN_ACCESS_LOG=str(access_log)) as (base_url, _):
        for path in (f"/health?phone=%2B{PHONE[1:]}", f"/login?next=/events/1%3Fq%3D{PHONE[1:]}"):
            with urllib.request.urlopen(base_url + path, timeout=10) as response:
                assert response.status == 200
    text = access_log.read_text()
    paths = {json.loads(line)["path"] for line in text.splitlines()}
    assert {"/health", "/login"} <= paths
    assert PHONE[1:] not in text
    assert "?" not in text


def load_ecosystem(directory: Path) -> None:
    """Evaluate ecosystem.config.js from `directory` as `pm2 start` does, under umask 022."""
    shutil.copy(REPO / "ecosystem.config.js", directory)
    (directory / ".env").write_text("APP_ENV=production\n")
    subprocess.run(
        [
            "sh",
            "-c",
            'umask 022 && exec node -e "require(process.argv[1])" "$0"',
            str(directory / "ecosystem.config.js"),
        ],
        check=True,
        timeout=30,
    )


def modes(directory: Path) -> dict[str, int]:
    """The permission bits of `directory` ("") and of each file in it."""
    found = {"": stat.S_IMODE(directory.stat().st_mode)}
    found.update({path.name: stat.S_IMODE(path.stat().st_mode) for path in directory.iterdir()})
    return found


@pytest.mark.slow
def test_pm2_log_files_are_created_private(tmp_path: Path) -> None:
    load_ecosystem(tmp_path)

    assert modes(tmp_path / "logs") == {"": 0o750} | dict.fromkeys(PM2_LOGS, 0o640)


@pytest.mark.slow
def test_pm2_log_files_left_readable_are_tightened_and_kept(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir(mode=0o777)
    logs.chmod(0o777)
    for name in PM2_LOGS:
        (logs / name).write_text(f"{name}\n")
        (logs / name).chmod(0o644)
    (logs / "web.err.log").chmod(0o600)  # tighter already: stays so

    load_ecosystem(tmp_path)

    assert modes(logs) == {"": 0o750} | dict.fromkeys(PM2_LOGS, 0o640) | {"web.err.log": 0o600}
    assert all((logs / name).read_text() == f"{name}\n" for name in PM2_LOGS)
