"""A loopback HTTP server (real sockets) that serves scripted responses and faults.

    server.route("/api/v1/models", Reply(200, body), Reply(500), ...)

Each request to a path takes the next reply in its script (the last one repeats). Replies can
stall, trickle, cut the connection mid-body, or redirect. Every request is recorded.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0              # wait before sending anything
    reset_after: int | None = None    # send this many body bytes, then reset the connection
    wait_for: threading.Event | None = None  # block until this event is set (stalled server)
    trickle_s: float = 0.0            # pause between 1 KiB chunks
    chunked: bool = False             # no Content-Length: Transfer-Encoding chunked


@dataclass
class Seen:
    path: str
    headers: dict[str, str]


class Loopback:
    def __init__(self) -> None:
        self.routes: dict[str, list[Reply]] = {}
        self.counts: dict[str, int] = {}
        self.requests: list[Seen] = []
        self.request_seen = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:  # noqa: N802
                server.requests.append(Seen(self.path, {k.lower(): v for k, v in self.headers.items()}))
                server.request_seen.set()
                path = self.path.split("?")[0]
                script = server.routes.get(self.path) or server.routes.get(path)
                if not script:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                n = server.counts.get(path, 0)
                server.counts[path] = n + 1
                reply = script[min(n, len(script) - 1)]
                server._serve(self, reply)

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address) -> None:
                # A client that hung up (a killed refresh, an aborted download) is part of the test.
                pass

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def route(self, path: str, *replies: Reply) -> None:
        self.routes[path] = list(replies)
        self.counts[path] = 0

    def hits(self, path: str) -> int:
        return self.counts.get(path, 0)

    def _serve(self, handler: BaseHTTPRequestHandler, reply: Reply) -> None:
        if reply.wait_for is not None:
            reply.wait_for.wait(timeout=120)
        if reply.delay_s:
            time.sleep(reply.delay_s)
        try:
            handler.send_response(reply.status)
            headers = {"Content-Type": "application/json", **reply.headers}
            if reply.chunked:
                headers["Transfer-Encoding"] = "chunked"
            elif "Content-Length" not in headers:
                headers["Content-Length"] = str(len(reply.body))
            for k, v in headers.items():
                handler.send_header(k, v)
            handler.end_headers()
            body = reply.body if reply.reset_after is None else reply.body[: reply.reset_after]
            if reply.chunked:
                for i in range(0, len(body), 1024):
                    piece = body[i:i + 1024]
                    handler.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                    if reply.trickle_s:
                        time.sleep(reply.trickle_s)
                handler.wfile.write(b"0\r\n\r\n")
                handler.wfile.flush()
            elif reply.trickle_s:
                for i in range(0, len(body), 1024):
                    handler.wfile.write(body[i:i + 1024])
                    handler.wfile.flush()
                    time.sleep(reply.trickle_s)
            else:
                handler.wfile.write(body)
                handler.wfile.flush()
            if reply.reset_after is not None:
                # SO_LINGER 0: close with a TCP reset, mid-body.
                handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                handler.connection.close()
                handler.close_connection = True
        except (BrokenPipeError, ConnectionResetError):
            pass

    def __enter__(self) -> Loopback:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
