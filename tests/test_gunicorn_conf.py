"""gunicorn.conf.py's deploy settings: the bind address, ENV_FILE and the metrics directory.

The deploys themselves (PM2, honcho, SIGHUP with a changed .env, outages) run in
deploy/check.py with the real tools; these read the file as gunicorn does, in a fresh process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # starts processes (python, sh)

REPO = Path(__file__).resolve().parent.parent

READ_CONF = """
import json, os, runpy
conf = runpy.run_path("gunicorn.conf.py")
print(json.dumps({
    "bind": conf["bind"],
    "raw_env": conf.get("raw_env"),
    "metrics": os.environ["PROMETHEUS_MULTIPROC_DIR"],
}))
"""


def read_conf(**environ: str) -> dict:
    """Run gunicorn.conf.py with only `environ` (and PATH) set; return what it decided."""
    result = subprocess.run(
        [sys.executable, "-c", READ_CONF],
        cwd=REPO,
        env={"PATH": os.environ.get("PATH", "")} | environ,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_binds_every_interface_on_the_platform_port_unless_told() -> None:
    assert read_conf(PORT="5123")["bind"] == "0.0.0.0:5123"
    assert read_conf(PORT="5123", GUNICORN_BIND="127.0.0.1:5124")["bind"] == "127.0.0.1:5124"
    assert read_conf(GUNICORN_BIND=" ")["bind"] == "0.0.0.0:8000"


def test_env_file_sets_the_knobs_and_the_workers_environment(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text('GUNICORN_BIND=127.0.0.1:5125\nRQ_QUEUES="send,default,extra"\nEMPTY=\n')

    conf = read_conf(ENV_FILE=str(env_file), PORT="5123")

    assert conf["bind"] == "127.0.0.1:5125"
    assert sorted(conf["raw_env"]) == [
        "EMPTY=",
        "GUNICORN_BIND=127.0.0.1:5125",
        "RQ_QUEUES=send,default,extra",
    ]


def test_a_missing_env_file_stops_the_start_naming_it(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", READ_CONF],
        cwd=REPO,
        env={"PATH": os.environ.get("PATH", ""), "ENV_FILE": str(tmp_path / "nope.env")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "nope.env does not exist" in result.stderr


@pytest.mark.parametrize("bind", ["127.0.0.1:5126", "unix:/run/invites.sock"])
def test_metric_files_live_in_one_directory_per_address(bind: str) -> None:
    first = read_conf(GUNICORN_BIND=bind)["metrics"]
    again = read_conf(GUNICORN_BIND=bind)["metrics"]
    other = read_conf(GUNICORN_BIND="127.0.0.1:5127")["metrics"]

    assert first == again != other
    assert Path(first).name.startswith("whatsapp-invites-metrics-")
    assert "/" not in Path(first).name[len("whatsapp-invites-metrics-") :]
    assert read_conf(PROMETHEUS_MULTIPROC_DIR="/srv/metrics")["metrics"] == "/srv/metrics"
