"""Behaviour knobs of the emulator, parsed from the CLI, the environment or JSON patches."""

from __future__ import annotations

import dataclasses
import json
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

DEFAULT_ACCOUNT_SID = "AC" + "a" * 32
DEFAULT_AUTH_TOKEN = "emulator-auth-token"  # noqa: S105 - a public test value, not a secret
DEFAULT_SENDER = "whatsapp:+14155238886"
DEFAULT_CHANNEL_INSTALL_SID = "XE" + "0" * 32

CALLBACK_STATUSES = ("sent", "delivered", "read")
AUTO_REPLY_MODES = ("off", "yes", "no", "maybe", "random")
NUMBER_CHECKS = ("strict", "possible", "off")
STARTUP_ONLY = frozenset(
    {
        *("host", "port", "log_level", "access_log", "callback_concurrency"),
        *("control_token", "control_token_file", "allowed_hosts", "ca_file"),
    }
)
# Never shown by an endpoint: the token signs webhooks, the control token opens /_emulator/.
SECRETS = frozenset({"auth_token", "control_token"})
HIDDEN = "(hidden)"

Range = tuple[float, float]


class ConfigError(ValueError):
    """A knob was given a value it cannot take."""


@dataclass(frozen=True)
class EmulatorConfig:
    """Every behaviour knob of the emulator; replaced as a whole on each patch."""

    host: str = "127.0.0.1"
    port: int = 8099
    # The bearer token of the control endpoints; empty keeps them closed (serve() makes one).
    control_token: str = ""
    control_token_file: str | None = None
    allowed_hosts: frozenset[str] = frozenset()
    account_sid: str = DEFAULT_ACCOUNT_SID
    auth_token: str = DEFAULT_AUTH_TOKEN
    latency: Range = (0.0, 0.0)
    server_error_rate: float = 0.0
    rate_limit_rate: float = 0.0
    retry_after: int = 1
    max_in_flight: int = 0
    slow_rate: float = 0.0
    slow_delay: float = 30.0
    lost_rate: float = 0.0
    queue_delay: Range = (0.0, 0.0)
    content_templates: Mapping[str, str] = dataclasses.field(default_factory=dict)
    # How long Meta takes to approve or reject a template submitted through the Content API.
    content_approval_delay: Range = (5.0, 5.0)
    seed: int | None = None
    number_check: str = "strict"
    invalid_numbers: frozenset[str] = frozenset()
    opted_out: frozenset[str] = frozenset()
    not_on_whatsapp: frozenset[str] = frozenset()
    # As on WhatsApp: free text (a Body, no ContentSid) fails with 63016 unless the guest
    # wrote within the last 24 hours. Off by default, for demos without templates.
    session_window: bool = False
    callback_statuses: tuple[str, ...] = CALLBACK_STATUSES
    callback_delay: Range = (0.05, 0.2)
    callback_shuffle: bool = False
    callback_duplicate_rate: float = 0.0
    callback_concurrency: int = 200
    callback_timeout: float = 10.0
    callback_retries: int = 2
    inbound_url: str | None = None
    # A PEM bundle trusted, besides the system's CAs, by the webhooks sent to https:// URLs:
    # a private CA or a self-signed certificate in front of the service (nginx).
    ca_file: str | None = None
    auto_reply: str = "off"
    auto_reply_delay: Range = (1.0, 3.0)
    # Shares of guests (see guests.py): who type rather than tap, give a head count with a
    # typed yes, ask a question first, write STOP; of messages a guest who has not answered
    # misses; and of later messages on which one who answered changes their answer.
    auto_reply_text_rate: float = 0.0
    auto_reply_count_rate: float = 0.0
    auto_reply_question_rate: float = 0.0
    auto_reply_stop_rate: float = 0.0
    auto_reply_silent_rate: float = 0.0
    auto_reply_change_rate: float = 0.0
    # The content SIDs of seat offers (Claim / Pass buttons), and the share of offers claimed.
    offer_templates: frozenset[str] = frozenset()
    auto_reply_claim_rate: float = 0.8
    # The content SIDs of notices (an event's change or cancellation, a thank-you, a
    # missed-you): guests read them and do not answer, whatever they said before.
    notice_templates: frozenset[str] = frozenset()
    sender: str = DEFAULT_SENDER
    channel_install_sid: str = DEFAULT_CHANNEL_INSTALL_SID
    page_size: int = 50
    log_level: str = "INFO"
    access_log: bool = False

    def patched(self, changes: Mapping[str, Any], *, startup: bool = False) -> EmulatorConfig:
        """Return a copy with `changes` parsed and applied; raise ConfigError on any bad one."""
        parsed: dict[str, Any] = {}
        for name, raw in changes.items():
            if name not in PARSERS:
                raise ConfigError(f"unknown setting {name!r}")
            if name in STARTUP_ONLY and not startup:
                raise ConfigError(f"{name!r} can only be set at start")
            try:
                parsed[name] = PARSERS[name](raw)
            except (TypeError, ValueError) as exc:
                raise ConfigError(f"{name}: {exc}") from exc
        return dataclasses.replace(self, **parsed)

    def to_json(self) -> dict[str, Any]:
        """Return the knobs as JSON-ready values (sets as sorted lists, ranges as pairs).

        Secrets are replaced by `(hidden)`: whoever reads the configuration must not be able
        to sign webhooks or open the control endpoints with what it shows.
        """
        out: dict[str, Any] = {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if field.name in SECRETS:
                value = HIDDEN
            elif isinstance(value, frozenset):
                value = sorted(value)
            elif isinstance(value, Mapping):
                value = dict(value)
            elif isinstance(value, tuple):
                value = list(value)
            out[field.name] = value
        return out


def parse_range(value: Any) -> Range:
    """Parse `0.1-0.3`, `5`, `[5, 10]` into a (low, high) pair of non-negative seconds."""
    if isinstance(value, list | tuple):
        low, high = (float(value[0]), float(value[-1])) if value else (0.0, 0.0)
    elif isinstance(value, int | float):
        low = high = float(value)
    else:
        text = str(value).strip()
        low_text, _, high_text = text.partition("-")
        low = float(low_text or 0)
        high = float(high_text) if high_text else low
    if low < 0 or high < low:
        raise ValueError(f"bad range {value!r}: need 0 <= low <= high")
    return (low, high)


def parse_probability(value: Any) -> float:
    """Parse a probability in [0, 1]."""
    number = float(value)
    if not 0.0 <= number <= 1.0:
        raise ValueError(f"{value!r} is not a probability in [0, 1]")
    return number


def parse_bool(value: Any) -> bool:
    """Parse a JSON bool or an env-style string (1/0, true/false, yes/no, on/off)."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"{value!r} is not a boolean")


def parse_numbers(value: Any) -> frozenset[str]:
    """Parse a list or comma-separated string of numbers/prefixes, without `whatsapp:`."""
    items = value if isinstance(value, list | tuple | set | frozenset) else str(value).split(",")
    return frozenset(strip_channel(str(item).strip()) for item in items if str(item).strip())


def parse_statuses(value: Any) -> tuple[str, ...]:
    """Parse the status callbacks to send, a subset of sent/delivered/read, in order."""
    items = value if isinstance(value, list | tuple) else str(value).split(",")
    statuses = tuple(str(item).strip().lower() for item in items if str(item).strip())
    unknown = [status for status in statuses if status not in CALLBACK_STATUSES]
    if unknown:
        raise ValueError(f"unknown statuses {unknown}; use {', '.join(CALLBACK_STATUSES)}")
    return statuses


def parse_templates(value: Any) -> dict[str, str]:
    """Parse `{"HX...": "Hi {{1}}, ..."}` (or its JSON): the text each template renders."""
    if isinstance(value, str):
        value = json.loads(value) if value.strip() else {}
    if not isinstance(value, Mapping):
        raise ValueError("give an object of content SID to template text")
    return {str(sid): str(text) for sid, text in value.items()}


def parse_seed(value: Any) -> int | None:
    """Parse an integer seed; empty/none means unseeded."""
    if value is None or str(value).strip().lower() in {"", "none", "null"}:
        return None
    return int(value)


def parse_optional_url(value: Any) -> str | None:
    """Parse an http(s) URL; empty means none."""
    if value is None or not str(value).strip():
        return None
    url = str(value).strip()
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"{url!r} is not an http(s) URL")
    return url


def parse_ca_file(value: Any) -> str | None:
    """Parse the path of a PEM bundle of certificates to trust; empty means none.

    The bundle is loaded here, so that a wrong path or a file of something else stops the
    emulator at start instead of failing every callback.
    """
    if value is None or not str(value).strip():
        return None
    path = str(value).strip()
    try:
        ssl.create_default_context(cafile=path)
    except (OSError, ssl.SSLError) as exc:
        raise ValueError(f"{path!r} is not a readable PEM bundle of certificates: {exc}") from exc
    return path


def at_least(kind: Callable[[Any], Any], minimum: float = 0) -> Callable[[Any], Any]:
    """Return a parser of `kind` that rejects values below `minimum`."""

    def parse(value: Any) -> Any:
        number = kind(value)
        if number < minimum:
            raise ValueError(f"{value!r} is below {minimum}")
        return number

    return parse


def choice(options: tuple[str, ...]) -> Callable[[Any], str]:
    """Return a parser that accepts one of `options` (case-insensitive)."""

    def parse(value: Any) -> str:
        text = str(value).strip().lower()
        if text not in options:
            raise ValueError(f"{value!r} is not one of {', '.join(options)}")
        return text

    return parse


def parse_hosts(value: Any) -> frozenset[str]:
    """Parse a list or comma-separated string of host names (no ports), lowercased."""
    items = value if isinstance(value, list | tuple | set | frozenset) else str(value).split(",")
    return frozenset(str(item).strip().lower() for item in items if str(item).strip())


def strip_channel(address: str) -> str:
    """Return an address without its `whatsapp:` channel prefix."""
    return address.removeprefix("whatsapp:")


PARSERS: dict[str, Callable[[Any], Any]] = {
    "host": str,
    "port": at_least(int),
    "control_token": str,
    "control_token_file": lambda value: str(value).strip() or None,
    "allowed_hosts": parse_hosts,
    "account_sid": str,
    "auth_token": str,
    "latency": parse_range,
    "server_error_rate": parse_probability,
    "rate_limit_rate": parse_probability,
    "retry_after": at_least(int),
    "max_in_flight": at_least(int),
    "slow_rate": parse_probability,
    "slow_delay": at_least(float),
    "lost_rate": parse_probability,
    "queue_delay": parse_range,
    "content_templates": parse_templates,
    "content_approval_delay": parse_range,
    "seed": parse_seed,
    "number_check": choice(NUMBER_CHECKS),
    "invalid_numbers": parse_numbers,
    "opted_out": parse_numbers,
    "not_on_whatsapp": parse_numbers,
    "callback_statuses": parse_statuses,
    "callback_delay": parse_range,
    "callback_shuffle": parse_bool,
    "session_window": parse_bool,
    "callback_duplicate_rate": parse_probability,
    "callback_concurrency": at_least(int, 1),
    "callback_timeout": at_least(float),
    "callback_retries": at_least(int),
    "inbound_url": parse_optional_url,
    "ca_file": parse_ca_file,
    "auto_reply": choice(AUTO_REPLY_MODES),
    "auto_reply_delay": parse_range,
    "auto_reply_text_rate": parse_probability,
    "auto_reply_count_rate": parse_probability,
    "auto_reply_question_rate": parse_probability,
    "auto_reply_stop_rate": parse_probability,
    "auto_reply_silent_rate": parse_probability,
    "auto_reply_change_rate": parse_probability,
    "offer_templates": parse_numbers,
    "auto_reply_claim_rate": parse_probability,
    "notice_templates": parse_numbers,
    "sender": str,
    "channel_install_sid": str,
    "page_size": at_least(int, 1),
    "log_level": lambda value: str(value).upper(),
    "access_log": parse_bool,
}
