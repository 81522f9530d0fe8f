"""The Message list: To/From/DateSent filters and Twilio's paging envelope."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from app.emulator.errors import ApiError
from app.emulator.store import StoredMessage

MAX_PAGE_SIZE = 1000
FILTER_KEYS = ("To", "From", "DateSent", "DateSent>", "DateSent<")
DAY = timedelta(days=1)
SECOND = timedelta(seconds=1)


def invalid_parameter(name: str, value: str) -> ApiError:
    """Return the 400 sent for an unparseable query parameter."""
    return ApiError(400, 20001, f"Invalid {name}: {value}")


def parse_moment(name: str, value: str) -> tuple[datetime, bool]:
    """Parse `YYYY-MM-DD` or an ISO 8601 datetime; return (UTC moment, date only?)."""
    text = value.strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC), True
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise invalid_parameter(name, value) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC), False


@dataclass(frozen=True)
class ListQuery:
    """The filters and paging of one list request."""

    filters: dict[str, str]
    to: str | None
    from_: str | None
    lower: datetime | None
    upper: datetime | None
    page: int
    page_size: int
    page_token: str | None

    @classmethod
    def from_query(cls, query: Mapping[str, str], default_page_size: int) -> ListQuery:
        """Parse the query string of a list request; raise ApiError on bad values."""
        filters = {key: query[key] for key in FILTER_KEYS if query.get(key)}
        lower, upper = date_window(filters)
        return cls(
            filters=filters,
            to=filters.get("To"),
            from_=filters.get("From"),
            lower=lower,
            upper=upper,
            page=parse_int(query, "Page", 0, 0, None),
            page_size=parse_int(query, "PageSize", default_page_size, 1, MAX_PAGE_SIZE),
            page_token=query.get("PageToken") or None,
        )

    def matches(self, message: StoredMessage) -> bool:
        """Return whether a message passes every filter."""
        if self.to is not None and message.to != self.to:
            return False
        if self.from_ is not None and message.from_ != self.from_:
            return False
        if self.lower is None and self.upper is None:
            return True
        # Twilio's DateSent filters leave out what has not been sent yet (queued, accepted).
        sent = message.date_sent
        if sent is None:
            return False
        if self.lower is not None and sent < self.lower:
            return False
        return self.upper is None or sent < self.upper


def parse_int(query: Mapping[str, str], name: str, default: int, low: int, high: int | None) -> int:
    """Parse an integer query parameter within [low, high]."""
    raw = query.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid_parameter(name, raw) from None
    if value < low or (high is not None and value > high):
        raise invalid_parameter(name, raw)
    return value


def date_window(filters: Mapping[str, str]) -> tuple[datetime | None, datetime | None]:
    """Turn DateSent, DateSent> and DateSent< into a half-open [lower, upper) window.

    Dates are whole days, both bounds inclusive, as Twilio documents them
    (`DateSent>=YYYY-MM-DD`, `DateSent<=YYYY-MM-DD`); datetimes are inclusive to the second.
    """
    lowers: list[datetime] = []
    uppers: list[datetime] = []
    for key in ("DateSent", "DateSent>", "DateSent<"):
        if key not in filters:
            continue
        moment, date_only = parse_moment(key, filters[key])
        end = moment + (DAY if date_only else SECOND)
        if key != "DateSent<":
            lowers.append(moment)
        if key != "DateSent>":
            uppers.append(end)
    return (max(lowers) if lowers else None, min(uppers) if uppers else None)


def page_start(query: ListQuery, items: Sequence[StoredMessage]) -> int:
    """Return the index of the first item of the requested page."""
    token = query.page_token
    if token and token[:2] in ("PA", "PB"):
        sids = [message.sid for message in items]
        sid = token[2:]
        if sid in sids:
            index = sids.index(sid)
            return index + 1 if token.startswith("PA") else max(0, index - query.page_size)
    return query.page * query.page_size


def list_page(path: str, query: ListQuery, items: Sequence[StoredMessage]) -> dict[str, Any]:
    """Return the list envelope Twilio sends for one page of `items`."""
    size = query.page_size
    start = min(page_start(query, items), len(items))
    page_items = items[start : start + size]

    def page_uri(page: int, token: str | None = None) -> str:
        params = {**query.filters, "PageSize": str(size), "Page": str(page)}
        if token:
            params["PageToken"] = token
        return f"{path}?{urlencode(params)}"

    has_next = start + size < len(items)
    return {
        "end": start + max(len(page_items) - 1, 0),
        "first_page_uri": page_uri(0),
        "messages": [message.resource() for message in page_items],
        "next_page_uri": page_uri(query.page + 1, "PA" + page_items[-1].sid) if has_next else None,
        "page": query.page,
        "page_size": size,
        "previous_page_uri": (
            page_uri(query.page - 1, "PB" + page_items[0].sid)
            if start > 0 and page_items and query.page > 0
            else None
        ),
        "start": start,
        "uri": page_uri(query.page, query.page_token),
    }
