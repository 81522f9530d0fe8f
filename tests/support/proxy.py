"""A TCP link to PostgreSQL that a test can cut or blackhole, as a network or a failover would."""

from __future__ import annotations

import contextlib
import select
import socket
import threading


class TcpProxy:
    """A TCP forwarder to PostgreSQL that can refuse or blackhole connections on demand.

    `stop()` closes the listening socket and every live connection (the database is gone:
    connections are refused); `blackhole()` accepts connections and never answers (a
    dropped network path); `start()` forwards again on the same port.
    """

    def __init__(self, target_host: str, target_port: int) -> None:
        # A host that is a directory is PostgreSQL's Unix socket (the embedded server's).
        self.target: tuple[str, int] | str = (
            f"{target_host}/.s.PGSQL.{target_port}"
            if target_host.startswith("/")
            else (target_host, target_port)
        )
        self.port = self._free_port()
        self.mode = "stopped"
        self.listener: socket.socket | None = None
        self.sockets: set[socket.socket] = set()
        self.lock = threading.Lock()

    @staticmethod
    def _free_port() -> int:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            return int(probe.getsockname()[1])

    def start(self, mode: str = "forward") -> None:
        """Listen again, forwarding (or, with mode='blackhole', swallowing) connections."""
        self.stop()
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.listener, self.mode = listener, mode
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def blackhole(self) -> None:
        """Accept connections but never forward a byte."""
        self.start("blackhole")

    def stop(self) -> None:
        """Refuse new connections and cut every open one."""
        with self.lock:
            listener, self.listener = self.listener, None
            sockets, self.sockets = self.sockets, set()
        self.mode = "stopped"
        for sock in [listener, *sockets]:
            if sock is None:
                continue
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            with self.lock:
                self.sockets.add(client)
            if self.mode == "forward":
                threading.Thread(target=self._forward, args=(client,), daemon=True).start()

    def _forward(self, client: socket.socket) -> None:
        try:
            if isinstance(self.target, str):
                upstream = socket.socket(socket.AF_UNIX)
                upstream.settimeout(5)
                upstream.connect(self.target)
            else:
                upstream = socket.create_connection(self.target, timeout=5)
        except OSError:
            client.close()
            return
        upstream.settimeout(None)
        with self.lock:
            self.sockets.add(upstream)
        pair = {client: upstream, upstream: client}
        try:
            while True:
                readable, _, _ = select.select(list(pair), [], [], 1.0)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    pair[sock].sendall(data)
        except (OSError, ValueError):
            return
        finally:
            for sock in pair:
                sock.close()
