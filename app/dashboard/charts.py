"""Chart data for the templates: the RSVP split (a donut) and the delivery funnel (bars).

The templates draw them as inline SVG from these numbers; no chart library, no network.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

RSVP_SLICES = (
    ("confirmed", _l("Confirmed")),
    ("waitlisted", _l("Waitlisted")),  # said yes past the capacity: no seat yet
    ("maybe", _l("Maybe")),
    ("declined", _l("Declined")),
    ("no_answer", _l("No answer")),
)

# Funnel stages over the delivery buckets of `app.services.events` (each guest is in one
# bucket). `failed` there may be our own permanent failure or the provider's after
# accepting, so it is shown apart from the funnel with `undelivered`.
STAGES: dict[str, tuple[LazyString, tuple[str, ...]]] = {
    "stage-sent": (
        _l("Sent to WhatsApp"),
        ("accepted", "scheduled", "queued", "sent", "delivered", "read"),
    ),
    "stage-delivered": (_l("Delivered"), ("delivered", "read")),
    "read": (_l("Read"), ("read",)),
    "stage-sending": (_l("Being sent"), ("pending", "paused", "sending")),
    "stage-not-sent": (_l("Not sent"), ("not_sent", "canceled")),
    "stage-failed": (_l("Failed"), ("failed", "undelivered")),
}
FUNNEL = ("stage-sent", "stage-delivered", "read")
ASIDE = ("stage-sending", "stage-not-sent", "stage-failed")

# Donut geometry: a circle of circumference 100 makes dash lengths percentages.
DONUT_RADIUS = 15.91549430918954
DONUT_START = 25.0  # a dash offset of 25 starts the first slice at 12 o'clock


@dataclass(frozen=True)
class Slice:
    """One answer's share of the RSVP donut."""

    key: str
    label: str
    count: int
    share: float  # percent of all guests
    start: float  # percent of the circle before this slice

    @property
    def dash_offset(self) -> float:
        """The SVG `stroke-dashoffset` that starts the slice at its place."""
        return round(DONUT_START - self.start, 3)

    @property
    def dash_array(self) -> str:
        """The SVG `stroke-dasharray` drawing the slice."""
        return f"{round(self.share, 3)} {round(100 - self.share, 3)}"


@dataclass(frozen=True)
class Stage:
    """A bar of the delivery funnel."""

    key: str
    label: str
    count: int
    share: float  # percent of all guests

    @property
    def width(self) -> float:
        """The bar's width in percent, with a sliver for any non-zero count."""
        return max(self.share, 0.8) if self.count else 0.0


def rsvp_split(rsvp: Mapping[str, int], waitlisted: int = 0) -> list[Slice]:
    """The donut's slices, in a fixed order, with their place on the circle.

    The `waitlisted` guests said yes but have no seat: they are a slice of their own, out
    of "Confirmed", and shown only when there are any.
    """
    counts = {**rsvp, "confirmed": rsvp.get("confirmed", 0) - waitlisted, "waitlisted": waitlisted}
    total = sum(counts.get(key, 0) for key, _ in RSVP_SLICES)
    slices = []
    start = 0.0
    for key, label in RSVP_SLICES:
        count = counts.get(key, 0)
        if key == "waitlisted" and not count:
            continue
        share = 100 * count / total if total else 0.0
        slices.append(Slice(key, str(label), count, share, start))
        start += share
    return slices


def stage_count(delivery: Mapping[str, int], key: str) -> int:
    """How many guests are in the stage `key` of STAGES."""
    return sum(delivery.get(bucket, 0) for bucket in STAGES[key][1])


def delivery_stages(delivery: Mapping[str, int], guests: int, keys: tuple[str, ...]) -> list[Stage]:
    """Bars for the stages `keys`, as shares of all guests."""
    stages = []
    for key in keys:
        count = stage_count(delivery, key)
        stages.append(
            Stage(key, str(STAGES[key][0]), count, 100 * count / guests if guests else 0.0)
        )
    return stages


def delivery_funnel(delivery: Mapping[str, int], guests: int) -> list[Stage]:
    """Sent to WhatsApp, then delivered, then read."""
    return delivery_stages(delivery, guests, FUNNEL)


def delivery_aside(delivery: Mapping[str, int], guests: int) -> list[Stage]:
    """The guests outside the funnel: being sent, not sent, failed."""
    return delivery_stages(delivery, guests, ASIDE)
