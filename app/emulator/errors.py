"""Twilio-shaped REST errors: `{"code", "message", "more_info", "status"}` bodies."""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

MORE_INFO = "https://www.twilio.com/docs/errors/{code}"
BAD_GATEWAY_HTML = "<html><body><h1>502 Bad Gateway</h1></body></html>"


class ApiError(Exception):
    """An error answered to the REST client as Twilio would answer it."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})

    def body(self) -> dict[str, object]:
        """Return the JSON body Twilio sends for this error."""
        return {
            "code": self.code,
            "message": self.message,
            "more_info": MORE_INFO.format(code=self.code),
            "status": self.status,
        }

    def response(self) -> web.Response:
        """Return the HTTP response for this error."""
        return web.json_response(self.body(), status=self.status, headers=self.headers)


def authenticate_error() -> ApiError:
    """Return the 401 sent for missing or wrong credentials."""
    return ApiError(401, 20003, "Authenticate", {"WWW-Authenticate": 'Basic realm="Twilio API"'})


def not_found(path: str) -> ApiError:
    """Return the 404 sent for an unknown resource."""
    return ApiError(404, 20404, f"The requested resource {path} was not found")


def too_many_requests(retry_after: int) -> ApiError:
    """Return the 429 sent when too many requests are in flight."""
    return ApiError(429, 20429, "Too Many Requests", {"Retry-After": str(retry_after)})


def server_error(status: int) -> web.Response:
    """Return an injected 5xx: JSON for 500/503, a proxy's HTML page for 502."""
    if status == 502:
        return web.Response(status=502, text=BAD_GATEWAY_HTML, content_type="text/html")
    if status == 503:
        return ApiError(503, 20503, "Service Unavailable").response()
    return ApiError(500, 20500, "Internal Server Error").response()


def bad_request(code: int, message: str) -> ApiError:
    """Return a 400 validation error."""
    return ApiError(400, code, message)
