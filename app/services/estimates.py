"""Honest numbers: how long a send will take, how long is left, and one way to say a share.

A campaign cannot go faster than its configured rate, nor than the in-flight cap allows
against the provider's response time (Little's law: throughput = requests in flight /
latency). The pre-flight uses the provider's recent latency, measured on the last requests;
a running campaign's time left uses the rate it has actually been sending at.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import Connection, text

from app.sending.settings import SendingSettings

# The provider's response time over the last requests (by primary key: no scan).
RECENT_LATENCY = text("""
SELECT avg(extract(epoch FROM finished_at - started_at)) AS seconds, count(*) AS n
FROM (SELECT started_at, finished_at FROM message_attempts ORDER BY id DESC LIMIT :last) AS r
WHERE finished_at IS NOT NULL
""")
LATENCY_SAMPLE = 200
# A campaign's invitations accepted by the provider in the last minute.
RECENT_ACCEPTED = text("""
SELECT count(*) FROM invitations
WHERE campaign_id = :campaign_id AND accepted_at > now() - make_interval(secs => :window)
""")
RATE_WINDOW_SECONDS = 60


@dataclass(frozen=True)
class SendEstimate:
    """How fast a campaign can send, and why."""

    rate_per_second: float
    max_in_flight: int
    latency_seconds: float | None  # the provider's recent mean response time, if measured
    throughput_per_second: float
    assumption: str

    def seconds_for(self, messages: int) -> float:
        """How long sending `messages` takes: at the throughput, plus the last round trip."""
        if messages <= 0:
            return 0.0
        return messages / self.throughput_per_second + (self.latency_seconds or 0.0)

    def to_json(self) -> dict[str, Any]:
        """The estimate as JSON."""
        return asdict(self)

    @property
    def sentence(self) -> str:
        """The assumption as the dashboard says it, one whole sentence in the page's language
        ("Duration at 10 messages/s; ..."); `assumption` stays the API's English words."""
        rate = format_decimal(float(f"{self.rate_per_second:g}"))
        if self.latency_seconds is None:
            return _(
                "Duration at %(rate)s messages/s; the provider's response time is not measured"
                " yet (no recent request), so it is assumed to keep up.",
                rate=rate,
            )
        values = {
            "rate": rate,
            "cap": format_decimal(self.max_in_flight),
            "latency": format_decimal(self.latency_seconds, "0.00"),
            "sample": format_decimal(LATENCY_SAMPLE),
        }
        if self.throughput_per_second < self.rate_per_second:
            return _(
                "Duration at %(rate)s messages/s; the in-flight cap of %(cap)s against"
                " %(latency)s s per provider response limits it to %(throughput)s/s (mean of"
                " the last %(sample)s requests).",
                throughput=format_decimal(float(f"{self.throughput_per_second:.3g}")),
                **values,
            )
        return _(
            "Duration at %(rate)s messages/s; %(cap)s requests in flight cover %(latency)s s per"
            " provider response (mean of the last %(sample)s requests).",
            **values,
        )


def estimate(sending: SendingSettings, latency: float | None) -> SendEstimate:
    """The throughput the rate and the in-flight cap allow at `latency` (Little's law)."""
    rate, cap = sending.rate_per_second, sending.max_in_flight
    if latency is None or latency <= 0:
        return SendEstimate(
            rate, cap, None, rate,
            f"at {rate:g} messages/s; the provider's response time is not measured yet "
            "(no recent request), so it is assumed to keep up",
        )  # fmt: skip
    throughput = min(rate, cap / latency)
    limit = (
        f"the in-flight cap of {cap} against {latency:.2f} s per provider response limits it "
        f"to {throughput:.3g}/s"
        if throughput < rate
        else f"{cap} requests in flight cover {latency:.2f} s per provider response"
    )
    return SendEstimate(
        rate, cap, latency, throughput,
        f"at {rate:g} messages/s; {limit} (mean of the last {LATENCY_SAMPLE} requests)",
    )  # fmt: skip


def send_estimate(connection: Connection, sending: SendingSettings) -> SendEstimate:
    """The estimate with the provider's latency measured on the recent requests."""
    row = connection.execute(RECENT_LATENCY, {"last": LATENCY_SAMPLE}).one()
    return estimate(sending, float(row.seconds) if row.n else None)


def observed_rate(connection: Connection, campaign_id: int) -> float | None:
    """Messages per second the provider accepted for the campaign in the last minute."""
    accepted = connection.execute(
        RECENT_ACCEPTED, {"campaign_id": campaign_id, "window": RATE_WINDOW_SECONDS}
    ).scalar_one()
    return accepted / RATE_WINDOW_SECONDS if accepted else None


def percent_text(part: float, whole: float) -> str:
    """A share, said one way everywhere: whole percent, one decimal only near 0 and 100."""
    if not whole or part <= 0:
        return "0%"
    share = 100 * part / whole
    if part >= whole:
        return "100%"
    if share < 1 or share > 99:
        return f"{min(max(share, 0.1), 99.9):.1f}%"
    return f"{round(share)}%"
