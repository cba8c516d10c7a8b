"""Real peers on loopback for the tests: an SMTP server, an SMS gateway stand-in, a Sentry stand-in,
a server of one short page and a Redis server of a test's own."""

import gzip
import json
import socket
import subprocess
import threading
import time
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import redis
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that writes no line for each request."""

    def log_message(self, *args: object) -> None:
        pass


class HttpPeer:
    """An HTTP server on a free loopback port (its root at `address`), answering from a thread until stop()."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.address = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class SmtpServer:
    """An SMTP server (aiosmtpd) keeping what it receives; start() and stop() at will."""

    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[Message] = []
        self._controller: Controller | None = None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(message_from_bytes(envelope.original_content or envelope.content))
        return "250 OK"

    def start(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def bodies(self) -> list[str]:
        return [bytes(m.get_payload(decode=True)).decode(m.get_content_charset() or "utf-8") for m in self.messages]


class SmsGateway(HttpPeer):
    """An HTTP SMS gateway stand-in: answers `mode` (ok, error or slow) and keeps accepted SMS."""

    def __init__(self, token: str = "gateway-token") -> None:  # noqa: S107 - a test token
        self.token = token
        self.mode = "ok"
        self.accepted: list[dict] = []
        self.requests = 0
        gateway = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's hook name
                gateway.requests += 1
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if gateway.mode == "slow":
                    time.sleep(2)
                if self.headers.get("Authorization") != f"Bearer {gateway.token}":
                    self.send_response(401)
                elif gateway.mode == "error":
                    self.send_response(500)
                else:
                    gateway.accepted.append(body)
                    self.send_response(202)
                self.end_headers()

        super().__init__(Handler)
        self.url = f"{self.address}/sms"


class PageServer(HttpPeer):
    """An HTTP server that answers every GET with the same short page, at `url`."""

    def __init__(self) -> None:
        class Handler(QuietHandler):
            protocol_version = "HTTP/1.1"  # keeps the connection, as a load tool expects

            def do_GET(self) -> None:  # noqa: N802 - http.server's hook name
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

        super().__init__(Handler)
        self.url = f"{self.address}/"


class SentryServer(HttpPeer):
    """A Sentry stand-in: takes the envelopes the SDK posts for the DSN `dsn` and keeps their text."""

    def __init__(self) -> None:
        self.envelopes: list[str] = []
        sentry = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's hook name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                sentry.envelopes.append(body.decode())
                self.send_response(200)
                self.end_headers()

        super().__init__(Handler)
        self.dsn = self.address.replace("http://", "http://public-key@") + "/1"

    def events(self) -> list[dict]:
        """The error events among the envelopes' items."""
        items = [json.loads(line) for envelope in self.envelopes for line in envelope.splitlines() if line.strip()]
        return [item for item in items if "exception" in item or item.get("level") == "error"]


class RedisServer:
    """A real Redis server of a test's own (`redis-server` on a free port, nothing kept on disk), at
    `url`: a test may stop it and start it again without touching the one the suite shares."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._directory = directory
        self._process: subprocess.Popen | None = None

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                   "--appendonly", "no", "--dir", str(self._directory)]  # fmt: skip
        self._process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not self.is_up():
            assert time.monotonic() < deadline and self._process.poll() is None, "redis-server did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
            self._process = None

    def is_up(self) -> bool:
        try:
            return bool(redis.Redis(port=self.port, socket_timeout=1).ping())
        except redis.ConnectionError:
            return False
