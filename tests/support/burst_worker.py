"""An RQ worker that runs a queue's jobs in the test's own process, then returns at once."""

from __future__ import annotations

from rq import SimpleWorker


class BurstWorker(SimpleWorker):
    """`SimpleWorker` without its pubsub thread (commands such as kill-horse, unused here).

    redis-py's pubsub thread, which RQ starts with `sleep_time=60`, can hold the worker's
    teardown for that minute when the unsubscribe lands while it waits for a subscription.
    """

    def subscribe(self) -> None:
        """Listen to nothing: a burst worker in a test takes no commands."""
