"""A small HTTP server standing in for the service: it records the webhooks an emulator posts."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl


@dataclass
class Received:
    """One webhook request the receiver got."""

    path: str
    url: str
    headers: dict[str, str]
    form: dict[str, str]


class Receiver:
    """A small HTTP server recording the webhooks the emulator posts to it."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.statuses: dict[str, int] = {}
        self.answers: dict[str, bytes] = {}
        # What a GET of a path answers (JSON), e.g. an emulator's health; else a 404.
        self.documents: dict[str, bytes] = {}
        # Files a GET of a path answers with their content type, e.g. a header image.
        self.files: dict[str, tuple[str, bytes]] = {}
        self.condition = threading.Condition()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler_class())
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        """Return a request handler class bound to this receiver."""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length).decode()
                receiver.record(self.path, dict(self.headers.items()), body)
                path = self.path.split("?")[0]
                status = receiver.statuses.get(path, 200)
                payload = receiver.answers.get(path, b"<Response/>") if status == 200 else b"oops"
                self.send_response(status)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self) -> None:
                path = self.path.split("?")[0]
                content_type, document = receiver.files.get(
                    path, ("application/json", receiver.documents.get(path))
                )
                self.send_response(200 if document is not None else 404)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(document or b"")))
                self.end_headers()
                self.wfile.write(document or b"")

            def log_message(self, format: str, *args: Any) -> None:
                """Keep the test output quiet."""

        return Handler

    def __enter__(self) -> Receiver:
        """Start serving (the fixtures start and stop it themselves)."""
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Stop serving and close the socket."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def record(self, path: str, headers: dict[str, str], body: str) -> None:
        """Store one request and wake up waiters."""
        form = dict(parse_qsl(body, keep_blank_values=True))
        with self.condition:
            self.requests.append(Received(path, self.base_url + path, headers, form))
            self.condition.notify_all()

    def wait_for(
        self, count: int, path: str | None = None, timeout: float = 10.0
    ) -> list[Received]:
        """Wait until `count` requests (to `path`, if given) arrived; return them."""

        def matching() -> list[Received]:
            return [r for r in self.requests if path is None or r.path.split("?")[0] == path]

        with self.condition:
            self.condition.wait_for(lambda: len(matching()) >= count, timeout=timeout)
            found = matching()
        assert len(found) >= count, f"got {len(found)} of {count} webhooks: {found}"
        return found
