"""The test rig: its Redis database is its own, and only slow tests start processes."""

from __future__ import annotations

import subprocess

import pytest
import redis

from tests.support.services import OWNER_KEY, ForeignRedisError, claim_redis, flush_redis


def test_a_redis_database_holding_other_data_is_refused_and_left_alone(
    test_env: dict[str, str],
) -> None:
    url = test_env["REDIS_URL"]  # the run's own database: emptied again below
    client = redis.Redis.from_url(url)
    try:
        flush_redis(url)
        claim_redis(url)  # marked as the suite's: taken again
        client.delete(OWNER_KEY)
        client.set("someone:else", "precious")
        with pytest.raises(ForeignRedisError, match="holds 1 keys the tests did not write"):
            claim_redis(url)
        assert client.get("someone:else") == b"precious"
        assert not client.exists(OWNER_KEY)
        client.delete("someone:else")
        claim_redis(url)  # empty: taken
        assert client.exists(OWNER_KEY)
    finally:
        flush_redis(url)
        client.close()


def test_a_test_not_marked_slow_may_not_start_a_process() -> None:
    with pytest.raises(pytest.fail.Exception, match=r"starts a process \(true\) but is not marked"):
        subprocess.run(["true"], check=True)


@pytest.mark.slow
def test_a_test_marked_slow_may() -> None:
    assert subprocess.run(["true"], check=True).returncode == 0
