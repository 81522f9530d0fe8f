"""gunicorn's access log: one JSON object per request, with the client address the app trusts,
no query string, and a file other users cannot read."""

from __future__ import annotations

import json
import logging
import os
import signal
import stat
import subprocess
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

from app.access_log import JsonAccessLogger, access_fields, access_line, tighten, wsgi_text
from app.devstack import local_bind, wait_for_http, web_command
from app.devstack.embedded import free_port
from app.logs import JsonFormatter, MaskPhones
from tests.support.constants import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.support.stack import running_web, web_env

AGENT = "access-log-test/1.0"
CLIENT = "203.0.113.9"


def get(url: str, forwarded_for: str) -> int:
    """GET `url` as a client behind a proxy that wrote `forwarded_for`; the status."""
    request = urllib.request.Request(
        url, headers={"User-Agent": AGENT, "X-Forwarded-For": forwarded_for}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_the_access_handler_formats_and_masks_like_the_app() -> None:
    cfg = Config()
    cfg.set("accesslog", "-")
    logger = JsonAccessLogger(cfg)
    handlers = [h for h in logger.access_log.handlers if getattr(h, "_gunicorn", False)]

    assert len(handlers) == 1
    assert isinstance(handlers[0].formatter, JsonFormatter)
    assert any(isinstance(f, MaskPhones) for f in handlers[0].filters)
    logger.setup(cfg)  # SIGHUP: still one handler, one filter
    assert [len(h.filters) for h in logger.access_log.handlers] == [1]


ENVIRONS = [
    {"REQUEST_METHOD": "POST", "PATH_INFO": "/webhooks/twilio/status", "REMOTE_ADDR": CLIENT},
    {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/guests/+14155550123/caf\u00c3\u00a9",
        "REMOTE_ADDR": "+14155550100",
        "HTTP_USER_AGENT": 'agent "+442071838750"\\ \u00e9 %2B14155550123',
    },
    {"PATH_INFO": "/x\n+14155550123\t", "HTTP_USER_AGENT": ""},
]


@pytest.mark.parametrize("environ", ENVIRONS)
def test_an_access_line_is_the_line_the_formatter_and_the_mask_make(
    environ: dict[str, str],
) -> None:
    resp = SimpleNamespace(status_code=200, sent=187)
    fields = access_fields(resp, environ, timedelta(microseconds=1234))
    message = f"{fields['method']} {fields['path']} {fields['status']}"
    record = logging.makeLogRecord(
        {"name": "gunicorn.access", "levelno": logging.INFO, "levelname": "INFO", "msg": message}
    )
    record.__dict__.update(fields)
    MaskPhones().filter(record)
    expected = json.loads(JsonFormatter().format(record))

    line = json.loads(access_line("gunicorn.access", message, fields))

    assert list(line) == list(expected)
    assert {**line, "ts": None} == {**expected, "ts": None}
    assert "4155550123" not in json.dumps(line) and "2071838750" not in json.dumps(line)
    assert line["ts"].endswith("+00:00")


def test_the_logger_writes_one_line_per_request(tmp_path: Path) -> None:
    access_log = tmp_path / "access.log"
    cfg = Config()
    cfg.set("accesslog", str(access_log))
    logger = JsonAccessLogger(cfg)
    resp = SimpleNamespace(status_code=404, sent=10)

    for environ in ENVIRONS:
        logger.access(resp, None, environ, timedelta(milliseconds=2))
    logger.reopen_files()  # SIGUSR1 (after a rotation): lines go on to the reopened file
    logger.access(resp, None, ENVIRONS[0], timedelta(milliseconds=2))

    lines = [json.loads(line) for line in access_log.read_text().splitlines()]
    assert [line["msg"] for line in lines] == [
        "POST /webhooks/twilio/status 404",
        "GET /guests/+***0123/café 404",
        "- /x\n+***0123\t 404",
        "POST /webhooks/twilio/status 404",
    ]
    assert lines[1]["client"] == "+***0100" and lines[2]["user_agent"] == ""
    assert lines[0]["duration_ms"] == 2.0 and lines[0]["bytes"] == 10


def test_paths_read_as_the_text_they_carry() -> None:
    assert wsgi_text("/caf\u00c3\u00a9") == "/café"
    assert wsgi_text("/events/1") == "/events/1"
    assert wsgi_text("/\u00ff") == "/\ufffd"


def test_tighten_takes_a_log_file_to_0640_and_leaves_devices_alone(tmp_path: Path) -> None:
    wide, narrow = tmp_path / "wide.log", tmp_path / "narrow.log"
    wide.touch(mode=0o666)
    wide.chmod(0o666)
    narrow.touch()
    narrow.chmod(0o600)
    null_mode = os.stat(os.devnull).st_mode

    for path in (wide, narrow, tmp_path / "missing.log", Path(os.devnull)):
        tighten(str(path))

    assert stat.S_IMODE(wide.stat().st_mode) == 0o640
    assert stat.S_IMODE(narrow.stat().st_mode) == 0o600
    assert os.stat(os.devnull).st_mode == null_mode


@pytest.mark.slow
@pytest.mark.parametrize(("trusted", "client"), [("1", CLIENT), ("0", "127.0.0.1")])
def test_access_lines_are_json_with_the_client_the_app_trusts(
    migrated: dict[str, str], tmp_path: Path, trusted: str, client: str
) -> None:
    access_log = tmp_path / "access.log"
    access_log.write_text("")
    access_log.chmod(0o644)  # left by an earlier start: tightened
    with running_web(
        migrated, tmp_path, GUNICORN_ACCESS_LOG=str(access_log), TRUSTED_PROXIES=trusted
    ) as (base_url, _):
        # A client-sent value first, then the address the proxy (one hop) appended.
        forwarded = f"198.51.100.7, {CLIENT}"
        assert get(f"{base_url}/health?token=s3cret&phone=%2B14155550123", forwarded) == 200
        assert get(f"{base_url}/caf%C3%A9?q=s3cret", forwarded) == 404

    text = access_log.read_text()
    lines = [json.loads(line) for line in text.splitlines()]
    ours = [line for line in lines if line.get("user_agent") == AGENT]
    assert [(line["method"], line["path"], line["status"]) for line in ours] == [
        ("GET", "/health", 200),
        ("GET", "/café", 404),
    ]
    health = ours[0]
    assert health["client"] == client
    assert health["logger"] == "gunicorn.access"
    assert health["level"] == "info"
    assert health["msg"] == "GET /health 200"
    assert health["ts"].endswith("+00:00")
    assert health["bytes"] > 0
    assert 0 <= health["duration_ms"] < 10_000
    assert "s3cret" not in text and "?" not in text and "4155550123" not in text
    assert stat.S_IMODE(access_log.stat().st_mode) == 0o640


@pytest.mark.slow
def test_a_new_access_log_file_is_created_0640(migrated: dict[str, str], tmp_path: Path) -> None:
    access_log = tmp_path / "logs" / "access.log"
    access_log.parent.mkdir()
    old = os.umask(0o022)  # gunicorn.conf.py, not the caller's umask, decides
    try:
        with running_web(migrated, tmp_path, GUNICORN_ACCESS_LOG=str(access_log)) as (url, _):
            assert get(f"{url}/health", CLIENT) == 200
    finally:
        os.umask(old)

    assert stat.S_IMODE(access_log.stat().st_mode) == 0o640
    assert json.loads(access_log.read_text().splitlines()[-1])["path"] == "/health"


@pytest.mark.slow
def test_stdout_holds_json_lines_only(migrated: dict[str, str], tmp_path: Path) -> None:
    """What PM2 writes to web.out.log: access lines, the app's lines, and nothing else (the
    dashboard user's creation at start reports on stderr)."""
    port = free_port()
    env = web_env({**os.environ, **migrated}, port) | {
        "GUNICORN_ACCESS_LOG": "-",
        "ADMIN_EMAIL": ADMIN_EMAIL,
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
    }
    out, err = tmp_path / "web.out.log", tmp_path / "web.err.log"
    with out.open("w") as stdout, err.open("w") as stderr:
        web = subprocess.Popen(web_command(local_bind(env)), env=env, stdout=stdout, stderr=stderr)
        try:
            wait_for_http(f"http://127.0.0.1:{port}/health", timeout=60)
            assert get(f"http://127.0.0.1:{port}/login?next=%2F", CLIENT) == 200
        finally:
            web.send_signal(signal.SIGTERM)
            assert web.wait(timeout=30) == 0, err.read_text()

    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert ("gunicorn.access", "/login") in {(line["logger"], line.get("path")) for line in lines}
    assert "Booting worker" in err.read_text()
