"""The poller reads at most 64 KiB of a health document, from a real HTTP server."""

from __future__ import annotations

import contextlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from services.polling import MAX_BODY_BYTES, fetch


def health_document(size: int) -> bytes:
    """A valid health document of ``size`` bytes (padded)."""
    empty = json.dumps({"status": "up", "padding": ""}).encode()
    return json.dumps({"status": "up", "padding": "x" * (size - len(empty))}).encode()


@pytest.fixture
def serve():
    servers = []

    def start(body: bytes, length: bool) -> str:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                if length:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                # The poller may stop reading: that is what the cap is for.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/health"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("length", [True, False], ids=["content-length", "until-close"])
@pytest.mark.parametrize("size", [MAX_BODY_BYTES + 1, 1024 * 1024])
def test_a_health_body_over_64_kib_is_a_malformed_poll(serve, size, length):
    assert MAX_BODY_BYTES == 64 * 1024  # as the README says
    fetched = fetch(serve(health_document(size), length))
    assert fetched.document is None
    assert (fetched.error, fetched.detail) == ("malformed", "body larger than 65536 bytes")


def test_a_health_body_of_64_kib_is_read(serve):
    fetched = fetch(serve(health_document(MAX_BODY_BYTES), True))
    assert fetched.error == "" and fetched.document["status"] == "up"
