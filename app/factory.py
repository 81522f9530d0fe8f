"""The Flask application factory: `create_app` as a short list of named steps."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from inspect import CO_COROUTINE
from types import FunctionType
from typing import Any

from flask import Flask
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from app.bodies import BoundedRequest
from app.config import PROXY_HEADERS, Settings, load_settings
from app.sessions import DashboardSessions


class ServiceFlask(Flask):
    """Flask, telling plain functions from coroutines at a glance."""

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """A plain `def` as it is; anything else as Flask decides.

        Flask asks `inspect.iscoroutinefunction` for each hook and the view of every request
        (eight times a webhook), which unwraps methods and partials before it reads the flag.
        """
        if isinstance(func, FunctionType) and not func.__code__.co_flags & CO_COROUTINE:
            return func
        return super().ensure_sync(func)


def create_app(config: Mapping[str, str] | None = None) -> Flask:
    """Build the app from the environment, with `config` overriding environment variables.

    A `flask` command (which calls this without `config`) first reads the deployment's
    `.env` (`app.cli.env_file`), so that it works from any directory; a configuration error
    then ends the command, one line per problem.
    """
    from app.cli.env_file import load_deployment_env
    from app.cli.errors import config_errors_end_the_command

    if config is None:
        load_deployment_env()
    with config_errors_end_the_command():
        return build_app(config)


def build_app(config: Mapping[str, str] | None = None) -> Flask:
    """Read and check the settings, then build the app in named steps."""
    environ = {**os.environ, **(config or {})}
    settings = load_settings(environ)
    app = ServiceFlask(__name__)
    app.request_class = BoundedRequest
    app.session_interface = DashboardSessions()
    configure_app(app, settings, environ)
    configure_logging(settings)
    register_extensions(app, settings)
    register_url_converters(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_security_headers(app)
    register_commands(app)
    trust_proxy_headers(app, settings)
    return app


def configure_app(app: Flask, settings: Settings, environ: Mapping[str, str]) -> None:
    """Copy the settings into Flask's config; the sender's `SEND_*` knobs fail fast here too."""
    from app.database import WEBHOOKS, engine_options
    from app.sending.settings import load_sending_settings

    app.config.from_mapping(
        SETTINGS=settings,
        SENDING=load_sending_settings(settings, environ),
        SECRET_KEY=settings.secret_key,
        SQLALCHEMY_DATABASE_URI=settings.database.url,
        SQLALCHEMY_ENGINE_OPTIONS=engine_options(settings.database, settings.role),
        SQLALCHEMY_BINDS={
            WEBHOOKS: {
                "url": settings.database.url,
                **engine_options(settings.database, settings.role, WEBHOOKS),
            }
        },
        MAX_CONTENT_LENGTH=settings.max_content_length,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.is_production,
        REMEMBER_COOKIE_SECURE=settings.is_production,
        REMEMBER_COOKIE_HTTPONLY=True,
        PREFERRED_URL_SCHEME=(settings.public_base_url or "http:").split(":", 1)[0].lower(),
    )
    # Keep keys in the order the code builds them (e.g. the delivery funnel in stats).
    app.json.sort_keys = False  # type: ignore[attr-defined]


def trust_proxy_headers(app: Flask, settings: Settings) -> None:
    """Believe the X-Forwarded-* headers `TRUSTED_PROXY_HEADERS` names, from the trusted hops.

    Each header is believed only if every proxy in front overwrites it: one passed through
    lets a client choose it (an X-Forwarded-Host of its own would pass the CSRF Referer check).
    """
    if not settings.trusted_proxies:
        return
    hops = {
        f"x_{name}": settings.trusted_proxies if name in settings.trusted_proxy_headers else 0
        for name in PROXY_HEADERS
    }
    app.wsgi_app = ProxyFix(app.wsgi_app, **hops)  # type: ignore[method-assign]


def configure_logging(settings: Settings) -> None:
    """Send structured logs to stdout at the configured level."""
    from app.logs import configure

    configure(settings.log_level)


def register_extensions(app: Flask, settings: Settings) -> None:
    """Bind the database, migrations, login, CSRF, Redis and the translations to the app."""
    from app import i18n
    from app.database import WEBHOOKS, bound_connect_time_under_gevent, ping_after_idle
    from app.extensions import csrf, db, login_manager, migrate, redis_store
    from app.statements import GroupCommit

    db.init_app(app)
    migrate.init_app(app, db, directory=_migrations_dir())
    login_manager.init_app(app)
    csrf.init_app(app)
    redis_store.init_app(app, settings.redis_url)
    i18n.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            bound_connect_time_under_gevent(engine, settings.database.connect_timeout)
        ping_after_idle(db.engines[WEBHOOKS], settings.database.ping_after_idle)
        app.extensions["webhook_writes"] = GroupCommit(
            db.engines[WEBHOOKS], settings.database.prepare_statements
        )


def register_url_converters(app: Flask) -> None:
    """Read ids in paths as ASCII digits only (before any route is added)."""
    from app.urls import register_converters

    register_converters(app)


def register_blueprints(app: Flask) -> None:
    """Mount each concern's routes."""
    from app.api import bp as api_bp
    from app.dashboard import bp as dashboard_bp
    from app.extensions import csrf
    from app.guest_pages import bp as guest_pages_bp
    from app.health import bp as health_bp
    from app.health.metrics import instrument
    from app.media import bp as media_bp
    from app.webhooks import bp as webhooks_bp

    app.register_blueprint(health_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(webhooks_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(guest_pages_bp)
    app.register_blueprint(media_bp)
    # Bearer tokens and Twilio signatures authenticate these; CSRF is for the dashboard's forms.
    csrf.exempt(api_bp)
    csrf.exempt(webhooks_bp)
    csrf.exempt(guest_pages_bp)  # read-only pages: nothing to forge
    csrf.exempt(media_bp)
    instrument(app)


def register_errorhandlers(app: Flask) -> None:
    """Answer HTTP errors as JSON for API clients and webhooks."""

    from app.errors import json_error

    app.register_error_handler(HTTPException, json_error)


def register_security_headers(app: Flask) -> None:
    """Send the security headers (and HSTS in production over HTTPS) on every response."""
    from app import headers

    headers.init_app(app)


def register_commands(app: Flask) -> None:
    """Add the service's `flask` CLI commands."""
    from app.cli import register

    register(app)


def _migrations_dir() -> str:
    """The Alembic directory at the repository root, wherever the process started."""
    from pathlib import Path

    return str(Path(__file__).resolve().parent.parent / "migrations")
