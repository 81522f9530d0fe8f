"""Read the service's configuration from the environment, in one place."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers

from app.database import normalize_database_url

EMULATOR_ACCOUNT_SID = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
EMULATOR_AUTH_TOKEN = "emulator-auth-token"  # noqa: S105 - the local emulator's public test token
DEV_SECRET_KEY = "dev-secret-key-not-for-production"  # noqa: S105
# Production secrets: at least this long, and none of the values that docs and examples use.
MIN_SECRET_LENGTH = 32
KNOWN_PLACEHOLDERS = frozenset(
    {
        DEV_SECRET_KEY,
        EMULATOR_AUTH_TOKEN,
        "changeme",
        "change-me",
        "change_me",
        "changethis",
        "replace-me",
        "secret",
        "secret-key",
        "secret_key",
        "your-secret-key",
        "your_secret_key",
        "supersecret",
        "development",
        "password",
        "test-api-token",
        "test-secret-key",
    }
)
GENERATE_SECRET = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'  # noqa: S105

# The X-Forwarded-* headers a trusted proxy may speak for (werkzeug's ProxyFix), by the name
# `TRUSTED_PROXY_HEADERS` gives them. By default only the client's address and the scheme:
# the host comes from `Host`, which every proxy sets (nginx with `$http_host`, port included),
# so a client's own X-Forwarded-Host or -Port that a proxy passes through is never believed.
PROXY_HEADERS = ("for", "proto", "host", "port", "prefix")
DEFAULT_PROXY_HEADERS = frozenset({"for", "proto"})

E = TypeVar("E", bound=StrEnum)


class ConfigError(RuntimeError):
    """The environment does not describe a service that can start."""


class Environment(StrEnum):
    """Where the service runs; production is the default so that a bad deploy fails fast."""

    PRODUCTION = "production"
    DEVELOPMENT = "development"
    TEST = "test"


class Role(StrEnum):
    """The kind of process, used for pool sizing and PostgreSQL's `application_name`."""

    WEB = "web"
    WORKER = "worker"


@dataclass(frozen=True)
class DatabaseSettings:
    """SQLAlchemy pool and libpq connection settings."""

    url: str
    pool_size: int | None = None  # None: sized to the process role
    max_overflow: int | None = None
    # The webhooks' own pool (autocommit): Twilio's callbacks never wait behind the dashboard.
    webhook_pool_size: int | None = None
    webhook_max_overflow: int | None = None
    pool_timeout: float = 5.0
    pool_recycle: int = 300
    # A pooled connection idle for this many seconds is pinged before it is used again.
    ping_after_idle: float = 2.0
    connect_timeout: int = 5
    keepalives_idle: int = 30
    keepalives_interval: int = 10
    keepalives_count: int = 3
    tcp_user_timeout_ms: int = 30_000
    statement_timeout_ms: int = 15_000
    idle_in_transaction_timeout_ms: int = 30_000
    # PgBouncer in transaction mode refuses startup `options` and loses session state
    # (prepared statements): allow turning both off.
    startup_options: bool = True
    prepare_statements: bool = True


@dataclass(frozen=True)
class ContentTemplates:
    """The approved templates of one kind of message: one per language, and a default."""

    default: str | None = None
    by_language: Mapping[str, str] = field(default_factory=dict)

    def for_language(self, language: str) -> str | None:
        """The template of the guest's language, else the default one."""
        return self.by_language.get(language, self.default)

    def __bool__(self) -> bool:
        return bool(self.default or self.by_language)


@dataclass(frozen=True)
class TwilioSettings:
    """Credentials, sender and endpoint of the Twilio account."""

    account_sid: str | None
    auth_token: str | None
    whatsapp_from: str | None
    messaging_service_sid: str | None
    api_base_url: str = "https://api.twilio.com"
    # The Content API (templates and their WhatsApp approval): `TWILIO_CONTENT_BASE_URL`.
    content_base_url: str = "https://content.twilio.com"
    # Every `TWILIO_<KIND>_CONTENT_SID(S)` set, by its name without the S: the approved
    # templates of each kind of message (`app.sending.kinds` says which kind reads which):
    # TWILIO_INVITE_, _REMINDER_, _FOLLOWUP_, _OFFER_, and TWILIO_UPDATE_CONTENT_SID(S) (an
    # event's change, one message per change) and TWILIO_CANCELLATION_CONTENT_SID(S) (a
    # canceled event), TWILIO_THANKS_CONTENT_SID(S) and TWILIO_MISSED_CONTENT_SID(S) (after
    # the event); these four fall back to plain text inside the 24-hour window; and
    # TWILIO_PASS_CONTENT_SID(S), the guest's pass as a media template (free-form media
    # inside the window).
    content_templates: Mapping[str, ContentTemplates] = field(default_factory=dict)
    validate_signatures: bool = True
    request_timeout: float = 15.0
    # Shared-key (HMAC-SHA256) webhook signing: key id -> secret; several allow rotation.
    webhook_shared_keys: dict[str, str] = field(default_factory=dict)


class SmtpTls(StrEnum):
    """How the connection to the SMTP server is protected."""

    STARTTLS = "starttls"  # plain at first, then STARTTLS (port 587)
    SSL = "ssl"  # TLS from the first byte (port 465)
    NONE = "none"  # neither: a relay on the same machine or network only


@dataclass(frozen=True)
class SmtpSettings:
    """Where invite emails go out (`SMTP_*`); unset `SMTP_HOST`: no email is sent."""

    host: str | None = None
    port: int = 587
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str | None = None  # SMTP_FROM: the address the emails come from
    tls: SmtpTls = SmtpTls.STARTTLS
    timeout: float = 15.0

    @property
    def configured(self) -> bool:
        """Whether invites are emailed."""
        return bool(self.host)


@dataclass(frozen=True)
class Settings:
    """Everything the processes read from the environment."""

    env: Environment
    role: Role
    secret_key: str
    database: DatabaseSettings
    redis_url: str
    twilio: TwilioSettings
    api_token: str | None = None
    metrics_token: str | None = None
    admin_email: str | None = None
    admin_password: str | None = None
    public_base_url: str | None = None
    trusted_proxies: int = 0
    trusted_proxy_headers: frozenset[str] = DEFAULT_PROXY_HEADERS
    send_rate_per_second: float = 80.0
    send_max_in_flight: int = 200
    sending_enabled: bool = True
    default_phone_region: str = "US"
    default_time_zone: str = "UTC"
    max_content_length: int = 5 * 1024 * 1024
    guest_import_max_rows: int = 100_000
    log_level: str = "INFO"
    queues: tuple[str, ...] = field(default=("send", "default"))
    # Seconds `/ready` stays ready with no live worker after one was last seen: a restart.
    worker_restart_grace: int = 60
    # Days the audit trail keeps an entry; the worker's sweep prunes older ones.
    audit_retention_days: int = 365
    # An organiser's invitation campaign to more guests than this waits for an owner.
    approval_above: int | None = None
    # Owners must sign in with a second factor (TOTP); others may choose to.
    two_factor_for_owners: bool = False
    # Invite emails (`SMTP_*`): off unless SMTP_HOST is set.
    smtp: SmtpSettings = field(default_factory=SmtpSettings)

    @property
    def is_production(self) -> bool:
        """Whether development defaults are forbidden."""
        return self.env is Environment.PRODUCTION


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build and validate `Settings` from an environment mapping (default `os.environ`)."""
    source = _Source(os.environ if environ is None else environ)
    env = source.choice("APP_ENV", Environment, Environment.PRODUCTION)
    dev = env is not Environment.PRODUCTION
    trusted_proxies = source.integer("TRUSTED_PROXIES", 0, minimum=0)
    settings = Settings(
        env=env,
        role=source.choice("APP_PROCESS", Role, Role.WEB),
        secret_key=source.text("SECRET_KEY") or (DEV_SECRET_KEY if dev else ""),
        database=_database_settings(source, dev),
        redis_url=source.text("REDIS_URL") or ("redis://127.0.0.1:6379/0" if dev else ""),
        twilio=_twilio_settings(source, dev),
        api_token=source.text("API_TOKEN"),
        metrics_token=source.text("METRICS_TOKEN"),
        admin_email=source.text("ADMIN_EMAIL"),
        admin_password=source.text("ADMIN_PASSWORD"),
        public_base_url=_public_base_url(source),
        trusted_proxies=trusted_proxies,
        trusted_proxy_headers=_trusted_proxy_headers(source, trusted_proxies),
        send_rate_per_second=source.number("SEND_RATE_PER_SECOND", 80.0),
        send_max_in_flight=source.integer("SEND_MAX_IN_FLIGHT", 200, minimum=1),
        sending_enabled=source.flag("SENDING_ENABLED", True),
        default_phone_region=(source.text("DEFAULT_PHONE_REGION") or "US").upper(),
        default_time_zone=source.text("DEFAULT_TIME_ZONE") or "UTC",
        max_content_length=source.integer("MAX_CONTENT_LENGTH", 5 * 1024 * 1024, minimum=1024),
        guest_import_max_rows=source.integer("GUEST_IMPORT_MAX_ROWS", 100_000, minimum=1),
        log_level=(source.text("LOG_LEVEL") or "INFO").upper(),
        queues=tuple(q.strip() for q in (source.text("RQ_QUEUES") or "send,default").split(",")),
        worker_restart_grace=source.integer("WORKER_RESTART_GRACE", 60, minimum=0),
        audit_retention_days=source.integer("AUDIT_RETENTION_DAYS", 365, minimum=1),
        approval_above=source.optional_integer("APPROVAL_ABOVE", minimum=0),
        two_factor_for_owners=source.flag("TWO_FACTOR_FOR_OWNERS", False),
        smtp=_smtp_settings(source),
    )
    source.raise_errors()
    _check_required(settings)
    return settings


def _smtp_settings(source: _Source) -> SmtpSettings:
    """Read the `SMTP_*` variables: SMTP_FROM is required once SMTP_HOST is set."""
    host = source.text("SMTP_HOST")
    sender = source.text("SMTP_FROM")
    if host and not (sender and "@" in sender):
        source.error("SMTP_FROM must be an email address when SMTP_HOST is set")
    username, password = source.text("SMTP_USERNAME"), source.text("SMTP_PASSWORD")
    if bool(username) != bool(password):
        source.error("SMTP_USERNAME and SMTP_PASSWORD go together: set both or neither")
    return SmtpSettings(
        host=host,
        port=source.integer("SMTP_PORT", 587, minimum=1),
        username=username,
        password=password,
        sender=sender,
        tls=source.choice("SMTP_TLS", SmtpTls, SmtpTls.STARTTLS),
        timeout=source.number("SMTP_TIMEOUT", 15.0),
    )


def _database_settings(source: _Source, dev: bool) -> DatabaseSettings:
    """Read the `DATABASE_URL` and the `DB_*` pool and connection knobs."""
    url = source.text("DATABASE_URL") or (
        "postgresql://postgres@127.0.0.1:5432/postgres" if dev else ""
    )
    return DatabaseSettings(
        url=normalize_database_url(url) if url else "",
        pool_size=source.optional_integer("DB_POOL_SIZE", minimum=1),
        max_overflow=source.optional_integer("DB_MAX_OVERFLOW", minimum=0),
        webhook_pool_size=source.optional_integer("DB_WEBHOOK_POOL_SIZE", minimum=1),
        webhook_max_overflow=source.optional_integer("DB_WEBHOOK_MAX_OVERFLOW", minimum=0),
        pool_timeout=source.number("DB_POOL_TIMEOUT", 5.0),
        pool_recycle=source.integer("DB_POOL_RECYCLE", 300, minimum=-1),
        ping_after_idle=source.number("DB_PING_AFTER_IDLE", 2.0),
        connect_timeout=source.integer("DB_CONNECT_TIMEOUT", 5, minimum=1),
        keepalives_idle=source.integer("DB_KEEPALIVES_IDLE", 30, minimum=1),
        keepalives_interval=source.integer("DB_KEEPALIVES_INTERVAL", 10, minimum=1),
        keepalives_count=source.integer("DB_KEEPALIVES_COUNT", 3, minimum=1),
        tcp_user_timeout_ms=source.integer("DB_TCP_USER_TIMEOUT_MS", 30_000, minimum=0),
        statement_timeout_ms=source.integer("DB_STATEMENT_TIMEOUT_MS", 15_000, minimum=0),
        idle_in_transaction_timeout_ms=source.integer(
            "DB_IDLE_IN_TRANSACTION_TIMEOUT_MS", 30_000, minimum=0
        ),
        startup_options=source.flag("DB_STARTUP_OPTIONS", True),
        prepare_statements=source.flag("DB_PREPARE_STATEMENTS", True),
    )


def _twilio_settings(source: _Source, dev: bool) -> TwilioSettings:
    """Read the `TWILIO_*` variables; development falls back to the local emulator's."""
    return TwilioSettings(
        account_sid=source.text("TWILIO_ACCOUNT_SID") or (EMULATOR_ACCOUNT_SID if dev else None),
        auth_token=source.text("TWILIO_AUTH_TOKEN") or (EMULATOR_AUTH_TOKEN if dev else None),
        whatsapp_from=source.text("TWILIO_WHATSAPP_FROM")
        or ("whatsapp:+14155238886" if dev else None),
        messaging_service_sid=source.text("TWILIO_MESSAGING_SERVICE_SID"),
        api_base_url=(source.text("TWILIO_API_BASE_URL") or "https://api.twilio.com").rstrip("/"),
        content_base_url=(
            source.text("TWILIO_CONTENT_BASE_URL") or "https://content.twilio.com"
        ).rstrip("/"),
        content_templates=_content_templates(source),
        validate_signatures=source.flag("TWILIO_VALIDATE_SIGNATURES", True),
        request_timeout=source.number("TWILIO_REQUEST_TIMEOUT", 15.0),
        webhook_shared_keys=parse_shared_keys(source.text("TWILIO_WEBHOOK_SHARED_KEYS") or ""),
    )


def parse_shared_keys(text: str) -> dict[str, str]:
    """Parse `id=secret,id2=secret2` (several keys allow rotation without downtime)."""
    keys = {}
    for item in text.split(","):
        key_id, separator, secret = item.strip().partition("=")
        if separator and key_id.strip() and secret.strip():
            keys[key_id.strip()] = secret.strip()
    return keys


def _public_base_url(source: _Source) -> str | None:
    """Return the external base URL, falling back to what Render or Railway provide."""
    url = source.text("PUBLIC_BASE_URL") or source.text("RENDER_EXTERNAL_URL")
    if not url and (domain := source.text("RAILWAY_PUBLIC_DOMAIN")):
        url = f"https://{domain}"
    return url.rstrip("/") if url else None


def _trusted_proxy_headers(source: _Source, trusted_proxies: int) -> frozenset[str]:
    """`TRUSTED_PROXY_HEADERS`: the X-Forwarded-* headers believed from the trusted hops.

    A comma list of `PROXY_HEADERS` (`x-forwarded-host` is read as `host`); a name the
    proxy cannot set is refused rather than ignored, and naming headers while
    `TRUSTED_PROXIES` is 0 is refused too: the operator believes something is trusted.
    """
    raw = source.text("TRUSTED_PROXY_HEADERS")
    if raw is None:
        return DEFAULT_PROXY_HEADERS
    names = [name.strip().lower().removeprefix("x-forwarded-") for name in raw.split(",")]
    if not all(name in PROXY_HEADERS for name in names):
        source.error(
            f"TRUSTED_PROXY_HEADERS must be a comma list of {', '.join(PROXY_HEADERS)}"
            f" (the X-Forwarded-* headers your proxy overwrites), got {raw[:80]!r}"
        )
        return DEFAULT_PROXY_HEADERS
    if trusted_proxies == 0:
        source.error(
            "TRUSTED_PROXY_HEADERS is set but TRUSTED_PROXIES is 0, so no header is trusted:"
            " set TRUSTED_PROXIES to the number of proxies in front (1 behind nginx)"
        )
    return frozenset(names)


def _check_required(settings: Settings) -> None:
    """Fail at start, with every missing variable named, when production lacks a secret."""
    missing = []
    if not settings.secret_key:
        missing.append("SECRET_KEY")
    if not settings.database.url:
        missing.append("DATABASE_URL")
    if not settings.redis_url:
        missing.append("REDIS_URL")
    twilio = settings.twilio
    if settings.sending_enabled:
        missing += [
            name
            for name, value in (
                ("TWILIO_ACCOUNT_SID", twilio.account_sid),
                ("TWILIO_AUTH_TOKEN", twilio.auth_token),
            )
            if not value
        ]
        if not (twilio.whatsapp_from or twilio.messaging_service_sid):
            missing.append("TWILIO_WHATSAPP_FROM (or TWILIO_MESSAGING_SERVICE_SID)")
    if missing:
        raise ConfigError(
            f"missing required environment variables for {settings.env.value}: "
            + ", ".join(missing)
            + " (set APP_ENV=development for local defaults)"
        )
    if settings.is_production:
        _check_secrets(
            {
                "SECRET_KEY": settings.secret_key,
                "API_TOKEN": settings.api_token,
                "METRICS_TOKEN": settings.metrics_token,
            }
        )
    _check_values(settings)


def _check_values(settings: Settings) -> None:
    """Fail at start on a setting that is present but cannot be right."""
    if settings.default_phone_region not in phonenumbers.SUPPORTED_REGIONS:
        raise ConfigError(
            f"DEFAULT_PHONE_REGION must be an ISO 3166 region code such as US or GB,"
            f" got {settings.default_phone_region!r}"
        )
    if not is_time_zone(settings.default_time_zone):
        raise ConfigError(
            "DEFAULT_TIME_ZONE must be an IANA time zone such as Europe/Lisbon or UTC,"
            f" got {settings.default_time_zone!r}"
        )
    if not settings.database.url.startswith("postgresql"):
        raise ConfigError("DATABASE_URL must be a PostgreSQL URL (postgres:// or postgresql://)")


def weak_secret(value: str) -> bool:
    """Whether a secret is too short, a known placeholder, or one character repeated."""
    normalized = value.strip().lower()
    return (
        len(value) < MIN_SECRET_LENGTH
        or normalized in KNOWN_PLACEHOLDERS
        or any(placeholder in normalized for placeholder in ("changeme", "change-me", "your-"))
        or len(set(value)) < 8
    )


def _check_secrets(secrets: Mapping[str, str | None]) -> None:
    """Refuse weak production secrets (an unset API_TOKEN only turns the API off, an unset
    METRICS_TOKEN leaves /metrics open without the dashboard's series)."""
    weak = [name for name, value in secrets.items() if value and weak_secret(value)]
    if weak:
        raise ConfigError(
            f"{' and '.join(weak)} must be a random value of at least {MIN_SECRET_LENGTH}"
            f" characters, not a placeholder; generate one with: {GENERATE_SECRET}"
        )


LANGUAGES = ("en", "es", "pt", "ar", "fr")
_CONTENT_SID = re.compile(r"^HX[0-9a-fA-F]{32}$")


CONTENT_TEMPLATE_SETTING = re.compile(r"^(TWILIO_[A-Z0-9]+_CONTENT_SID)S?$")


def _content_templates(source: _Source) -> dict[str, ContentTemplates]:
    """Every `TWILIO_<KIND>_CONTENT_SID` (the default) and `..._SIDS` (one per language)."""
    names = sorted(
        {
            match.group(1)
            for name in source.names()
            if (match := CONTENT_TEMPLATE_SETTING.match(name))
        }
    )
    templates = {
        name: ContentTemplates(source.text(name), _content_sids(source, f"{name}S"))
        for name in names
    }
    return {name: found for name, found in templates.items() if found}


def _content_sids(source: _Source, name: str) -> dict[str, str]:
    """`TWILIO_*_CONTENT_SIDS`, `en=HX…,es=HX…`: one template per guest language."""
    raw = source.text(name) or ""
    sids = {}
    for item in filter(None, (part.strip() for part in raw.split(","))):
        language, _, sid = (text.strip() for text in item.partition("="))
        if language not in LANGUAGES or not _CONTENT_SID.match(sid):
            source.error(
                f"{name} must read like en=HX…,es=HX… (languages "
                f"{', '.join(LANGUAGES)}; Content SIDs HX + 32 hex digits), got {item[:60]!r}"
            )
            continue
        sids[language] = sid
    return sids


def is_time_zone(name: str) -> bool:
    """Whether `name` is an IANA time zone this system knows ("Europe/Lisbon", "UTC")."""
    if not name or len(name) > 64 or name.startswith(("/", ".")) or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def zone_or_utc(name: str) -> ZoneInfo:
    """The IANA zone `name`, or UTC for one this system does not know (a stored name read
    back: an event's zone, checked when it was set)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return ZoneInfo("UTC")


class _Source:
    """Typed reads from an environment mapping that collect every error before raising."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ
        self._errors: list[str] = []

    def names(self) -> list[str]:
        """The names of every variable set."""
        return list(self._environ)

    def text(self, name: str) -> str | None:
        """Return the stripped value, or None when unset or blank."""
        value = self._environ.get(name, "").strip()
        return value or None

    def flag(self, name: str, default: bool) -> bool:
        """Parse a boolean such as 1/0, true/false, yes/no, on/off."""
        value = self.text(name)
        if value is None:
            return default
        if value.lower() in {"1", "true", "yes", "on"}:
            return True
        if value.lower() in {"0", "false", "no", "off"}:
            return False
        self._errors.append(f"{name} must be true or false, got {value!r}")
        return default

    def optional_integer(self, name: str, minimum: int) -> int | None:
        """Parse an integer no smaller than `minimum`, or None when unset."""
        value = self.text(name)
        if value is None:
            return None
        try:
            number = int(value)
        except ValueError:
            self._errors.append(f"{name} must be an integer, got {value!r}")
            return None
        if number < minimum:
            self._errors.append(f"{name} must be at least {minimum}, got {number}")
            return None
        return number

    def integer(self, name: str, default: int, minimum: int) -> int:
        """Parse an integer no smaller than `minimum`, with a default."""
        number = self.optional_integer(name, minimum)
        return default if number is None else number

    def number(self, name: str, default: float) -> float:
        """Parse a positive number, with a default."""
        value = self.text(name)
        if value is None:
            return default
        try:
            number = float(value)
        except ValueError:
            self._errors.append(f"{name} must be a number, got {value!r}")
            return default
        if not number > 0:
            self._errors.append(f"{name} must be positive, got {value}")
            return default
        return number

    def choice(self, name: str, enum: type[E], default: E) -> E:
        """Parse one of an enum's values."""
        value = self.text(name)
        if value is None:
            return default
        try:
            return enum(value.lower())
        except ValueError:
            allowed = ", ".join(member.value for member in enum)
            self._errors.append(f"{name} must be one of {allowed}, got {value!r}")
            return default

    def error(self, message: str) -> None:
        """Note a malformed variable, raised with the others."""
        self._errors.append(message)

    def raise_errors(self) -> None:
        """Raise one `ConfigError` naming every malformed variable."""
        if self._errors:
            raise ConfigError("invalid configuration: " + "; ".join(self._errors))
