"""Misbehaving servers on 127.0.0.1 for the hostile-endpoint tests: raw sockets, so they can break
HTTP in ways a well-behaved server library never would.

`HostileHttp` answers by path:
    /slowloris   the status line, then one header byte every 0.2 s, forever
    /trickle     a valid head, then one body byte every 0.1 s, forever
    /endless     a valid head, then an endless fast chunked body
    /garbage     bytes that are not HTTP, then closes
    /huge-head   a header line of 1 MiB
    /loop-a      302 to /loop-b, which redirects back to /loop-a
    /reset       reads the request, then resets the connection (RST)
    /silent      reads the request, then says nothing
    /gzip-bomb   a few kB marked `Content-Encoding: gzip, gzip` that decode to BOMB_BYTES
    /triple-bomb the same three layers deep (`deflate, gzip, gzip`)
    /brotli      a body in an encoding the probe does not decode
    /many-heads  a 200 with 1,000 small headers
    /huge-body   a 200 whose 1 MB body is the endpoint's own words (an error page)
    /to-metadata 302 to the cloud metadata address; /to-private 302 to 10.0.0.1;
    /to-localhost 302 to the same port under the name `localhost`
    /ok          a plain 200
`NxDomainDns` answers every DNS question with NXDOMAIN; `SilentDns` never answers.
"""

from __future__ import annotations

import contextlib
import functools
import socket
import socketserver
import ssl
import struct
import threading
import zlib
from typing import Any

import dns.message
import dns.rcode

BOMB_BYTES = 64 * 1024 * 1024
"""What a bomb decodes to: far more than the probe's 1 MiB, small enough to build in a test."""


@functools.cache
def bomb(layers: tuple[str, ...]) -> bytes:
    """BOMB_BYTES of zeros encoded with each of `layers` in turn (as `Content-Encoding` lists)."""
    data = bytes(BOMB_BYTES)
    for layer in layers:
        packer = zlib.compressobj(9, zlib.DEFLATED, 31 if layer == "gzip" else 15)
        data = packer.compress(data) + packer.flush()
    return data


class _Handler(socketserver.BaseRequestHandler):
    request: socket.socket

    def handle(self) -> None:
        head = b""
        self.request.settimeout(5)
        with contextlib.suppress(OSError):
            while b"\r\n\r\n" not in head and len(head) < 65536:
                chunk = self.request.recv(4096)
                if not chunk:
                    return
                head += chunk
        parts = head.split(b" ", 2)
        path = parts[1].decode("latin-1") if len(parts) > 1 else "/"
        behaviour = getattr(self, "_" + path.strip("/").replace("-", "_"), self._ok)
        with contextlib.suppress(OSError):
            behaviour()

    def _send(self, data: bytes) -> None:
        self.request.sendall(data)

    def _ok(self) -> None:
        self._send(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")

    def _slowloris(self) -> None:
        self._send(b"HTTP/1.1 200 OK\r\n")
        while not self.server.stopping.wait(0.2):  # type: ignore[attr-defined]
            self._send(b"X")

    def _trickle(self) -> None:
        self._send(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n")
        while not self.server.stopping.wait(0.1):  # type: ignore[attr-defined]
            self._send(b"x")

    def _endless(self) -> None:
        self._send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"%x\r\n%s\r\n" % (65536, b"x" * 65536)
        while not self.server.stopping.is_set():  # type: ignore[attr-defined]
            self._send(chunk)

    def _garbage(self) -> None:
        self._send(b"\x00\xffTHIS IS NOT HTTP\r\n\r\n")

    def _huge_head(self) -> None:
        self._send(b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * (1024 * 1024) + b"\r\n\r\n")

    def _loop_a(self) -> None:
        self._send(b"HTTP/1.1 302 Found\r\nLocation: /loop-b\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    def _loop_b(self) -> None:
        self._send(b"HTTP/1.1 302 Found\r\nLocation: /loop-a\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    def _reset(self) -> None:
        # Linger with a zero timeout: close() sends RST instead of FIN.
        self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.request.close()  # now, before socketserver's own shutdown() could send a FIN first

    def _encoded(self, encoding: str, body: bytes) -> None:
        self._send(
            b"HTTP/1.1 200 OK\r\nContent-Encoding: %s\r\nContent-Length: %d\r\n"
            b"Connection: close\r\n\r\n%s" % (encoding.encode(), len(body), body)
        )

    def _gzip_bomb(self) -> None:
        self._encoded("gzip, gzip", bomb(("gzip", "gzip")))

    def _triple_bomb(self) -> None:
        self._encoded("deflate, gzip, gzip", bomb(("deflate", "gzip", "gzip")))

    def _brotli(self) -> None:
        self._encoded("br", b"\x1b\x03\x00\xf8\x8d\x94n\xde")

    def _many_heads(self) -> None:
        heads = b"".join(b"X-H%d: v\r\n" % n for n in range(1000))
        self._send(b"HTTP/1.1 200 OK\r\n" + heads + b"Content-Length: 2\r\n\r\nok")

    def _huge_body(self) -> None:
        body = b"<p>Internal error: database password is hunter2</p>" * 20000
        self._send(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)

    def _redirect(self, location: str) -> None:
        self._send(
            b"HTTP/1.1 302 Found\r\nLocation: "
            + location.encode()
            + b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )

    def _to_metadata(self) -> None:
        self._redirect("http://169.254.169.254/latest/meta-data/iam/security-credentials/")

    def _to_private(self) -> None:
        self._redirect("http://10.0.0.1/admin")

    def _to_localhost(self) -> None:
        self._redirect(f"http://localhost:{self.server.server_address[1]}/ok")

    def _silent(self) -> None:
        self.server.stopping.wait(30)  # type: ignore[attr-defined]


class HostileHttp(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False
    request_queue_size = 128  # all probes connect at once; a full backlog drops SYNs for 1 s

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.stopping = threading.Event()
        self.tls = tls
        self.thread = threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def get_request(self) -> tuple[Any, Any]:
        sock, address = super().get_request()
        if self.tls is not None:
            sock = self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # handshakes the client refuses are the point

    def url(self, path: str) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self.server_address[1]}{path}"

    def close(self) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()


class _Dns:
    """A UDP socket on 127.0.0.1 that answers (or not) every DNS question."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.sock.getsockname()[1]}"

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                data, peer = self.sock.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            answer = self.answer(data)
            if answer is not None:
                self.sock.sendto(answer, peer)

    def answer(self, data: bytes) -> bytes | None:
        raise NotImplementedError

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        self.sock.close()


class NxDomainDns(_Dns):
    def answer(self, data: bytes) -> bytes | None:
        response = dns.message.make_response(dns.message.from_wire(data))
        response.set_rcode(dns.rcode.NXDOMAIN)
        return bytes(response.to_wire())


class SilentDns(_Dns):
    def answer(self, data: bytes) -> bytes | None:
        return None


def wrong_name_tls() -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """(server context with a certificate for `other.example`, client context trusting its CA)."""
    import trustme

    ca = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("other.example").configure_cert(server)
    client = ssl.create_default_context()
    ca.configure_trust(client)
    return server, client
