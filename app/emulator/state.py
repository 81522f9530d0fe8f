"""The emulator's state, one instance per aiohttp application."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from app.emulator.callbacks import Dispatcher
from app.emulator.config import EmulatorConfig
from app.emulator.content import ContentStore
from app.emulator.faults import FaultInjector
from app.emulator.store import MessageStore
from app.emulator.webhooks import WebhookSender

log = logging.getLogger(__name__)


class Emulator:
    """Configuration, stored messages and contents, fault stream and webhooks of one server."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.initial_config = config
        self.config = config
        self.store = MessageStore(config.opted_out)
        self.contents = ContentStore(config.seed)
        self.faults = FaultInjector(config.seed)
        self.webhooks = WebhookSender(config.callback_concurrency, config.ca_file)
        self.dispatcher = Dispatcher(lambda: self.config, self.store, self.webhooks, self.contents)

    def patch_config(self, changes: Mapping[str, Any]) -> EmulatorConfig:
        """Apply a runtime patch (raises ConfigError); reseed if the seed was given."""
        self.config = self.config.patched(changes)
        if "seed" in changes:
            self.reseed()
        if "opted_out" in changes:
            self.store.optouts = set(self.config.opted_out)
        log.info("config patched: %s", ", ".join(sorted(changes)))
        return self.config

    def reseed(self) -> None:
        """Restart both random streams from the configured seed."""
        self.faults.reseed(self.config.seed)
        self.dispatcher.reseed(self.config.seed)
        self.contents.reseed(self.config.seed)

    async def reset(self, *, restore_config: bool = False) -> None:
        """Cancel pending lifecycles and forget messages, contents and counters."""
        await self.dispatcher.cancel_all()
        if restore_config:
            self.config = self.initial_config
        self.store.reset(self.config.opted_out)
        self.contents.reset()
        self.reseed()
        log.info("reset (config %s)", "restored" if restore_config else "kept")


EMULATOR = web.AppKey("emulator", Emulator)
