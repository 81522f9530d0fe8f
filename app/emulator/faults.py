"""Latency and fault decisions for create requests, reproducible with a seed."""

from __future__ import annotations

import random
from dataclasses import dataclass

from app.emulator.config import EmulatorConfig

SERVER_ERROR_STATUSES = (500, 502, 503)


@dataclass(frozen=True)
class FaultPlan:
    """What happens to one create request."""

    latency: float
    rate_limited: bool
    server_error: int | None
    slow: bool
    lost: bool


class FaultInjector:
    """Draw a FaultPlan per request from one random stream.

    Every plan consumes the same number of draws whatever the knobs, so with a seed the
    n-th request always gets the same fate. `slow`: the message is stored but the answer
    comes `slow_delay` seconds late; `lost`: nothing is stored and a 502 comes
    `slow_delay` seconds late (a gateway that gave up), so the client times out either way.
    """

    def __init__(self, seed: int | None) -> None:
        self.rng = random.Random(seed)

    def reseed(self, seed: int | None) -> None:
        """Restart the random stream."""
        self.rng = random.Random(seed)

    def plan(self, config: EmulatorConfig) -> FaultPlan:
        """Return the fate of the next create request."""
        rng = self.rng
        low, high = config.latency
        latency = low + (high - low) * rng.random()
        rate_limited = rng.random() < config.rate_limit_rate
        server_error_roll = rng.random()
        status = SERVER_ERROR_STATUSES[rng.randrange(len(SERVER_ERROR_STATUSES))]
        slow = rng.random() < config.slow_rate
        lost = rng.random() < config.lost_rate
        return FaultPlan(
            latency=latency,
            rate_limited=rate_limited,
            server_error=status if server_error_roll < config.server_error_rate else None,
            slow=slow,
            lost=lost,
        )
