"""The aiohttp application and the server loop of the emulator."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator, Callable

from aiohttp import web

from app.emulator import access, api, content_api, control
from app.emulator.config import EmulatorConfig
from app.emulator.state import EMULATOR, Emulator

log = logging.getLogger(__name__)

LISTEN_BACKLOG = 4096
SHUTDOWN_TIMEOUT = 0.5  # in-flight requests are simulated: do not hold a stop for them


def create_emulator_app(config: EmulatorConfig | None = None) -> web.Application:
    """Build the emulator's aiohttp application for `config` (defaults when None)."""
    middlewares = [api.twilio_api_middleware, access.control_access_middleware]
    app = web.Application(middlewares=middlewares)
    app[EMULATOR] = Emulator(config or EmulatorConfig())
    app.cleanup_ctx.append(webhook_session)
    api.add_routes(app)
    content_api.add_routes(app)
    control.add_routes(app)
    return app


async def webhook_session(app: web.Application) -> AsyncIterator[None]:
    """Open the outgoing webhook session at start; cancel callbacks and close it at stop."""
    emulator = app[EMULATOR]
    await emulator.webhooks.start()
    yield
    await emulator.dispatcher.cancel_all()
    await emulator.webhooks.close()


async def start(config: EmulatorConfig) -> tuple[web.AppRunner, str]:
    """Start serving `config`; return the runner and the base URL (port 0 picks one)."""
    app = create_emulator_app(config)
    access_log = logging.getLogger("aiohttp.access") if config.access_log else None
    runner = web.AppRunner(app, access_log=access_log, shutdown_timeout=SHUTDOWN_TIMEOUT)
    await runner.setup()
    site = web.TCPSite(runner, config.host, config.port, backlog=LISTEN_BACKLOG)
    await site.start()
    host, port = runner.addresses[0][:2]
    return runner, f"http://{host}:{port}"


async def serve(config: EmulatorConfig, ready: Callable[[str], None] | None = None) -> None:
    """Serve until SIGTERM or SIGINT, then stop cleanly; make a control token if none is set."""
    with access.control_token(config) as config_with_token:
        await serve_until_signal(config_with_token, ready)


async def serve_until_signal(config: EmulatorConfig, ready: Callable[[str], None] | None) -> None:
    """Start serving `config`, call `ready` with the URL, and stop on SIGTERM or SIGINT."""
    runner, url = await start(config)
    log.info("Twilio emulator listening on %s", url)
    if ready is not None:
        ready(url)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        log.info("Twilio emulator stopping")
        await runner.cleanup()
