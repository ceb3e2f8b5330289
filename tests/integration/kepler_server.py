"""The simulator's Kepler /metrics over real HTTP(S) on 127.0.0.1, at a simulated time the test controls.

Usage::

    clock = SimClock(sim.start + 7)
    with KeplerServer(sim, clock) as server:
        text = httpx.get(server.url("node-2")).text  # node-2's exposition at clock.now()
        clock.advance(15)

* One server (``ThreadingHTTPServer`` on a free port of 127.0.0.1, HTTP/1.1 keep-alive) serves every node:
  ``/<node>/metrics`` is that node's exposition, ``/metrics`` the first node's (``default_node``).
* The simulated time is read from ``clock.now()`` on every request (truncated to whole seconds, as the
  simulator wants). ``SimClock`` keeps it in memory for in-process tests; ``FileClock`` keeps it in a file,
  so a collector running in another process can read it and advance it (the SIGKILL test).
* While the simulated Kepler is down (``Simulation.downtime``) the node answers 503, as a restarting
  Kepler behind a Service does; outside the simulated period it answers 500 with the reason.
* ``tls=make_self_signed(dir)`` serves HTTPS with a self-signed certificate for ``IP:127.0.0.1``.
* ``server.hits`` counts answered /metrics requests; ``on_response(node, t, status)`` is called after each
  answer has been sent (a test uses it to SIGKILL a client right after it received a response).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import ssl
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Protocol, Self

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from carbon_kepler.core.errors import InputError
from carbon_kepler.energy.simulator import Simulation

HOST = "127.0.0.1"  # never any other address
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class Clock(Protocol):
    def now(self) -> float: ...


class SimClock:
    """Simulated epoch seconds shared by a test and the server threads; `sleep` advances it (no real wait)."""

    def __init__(self, t: float) -> None:
        self._t = float(t)
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._t

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._t += seconds

    def sleep(self, seconds: float) -> None:
        self.advance(seconds)


class FileClock:
    """Simulated epoch seconds kept in a file, readable and advanceable from several processes.

    Writes go to a temporary file renamed over the clock file (atomic on POSIX), so a process killed
    while advancing leaves either the old or the new time, never a torn value. One writer at a time.
    """

    def __init__(self, path: Path | str, t: float | None = None) -> None:
        self.path = Path(path)
        if t is not None:
            self.set(t)

    def now(self) -> float:
        return float(self.path.read_text(encoding="ascii"))

    def set(self, t: float) -> None:
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        tmp.write_text(repr(float(t)), encoding="ascii")
        os.replace(tmp, self.path)

    def advance(self, seconds: float) -> None:
        self.set(self.now() + seconds)


@dataclass(frozen=True)
class TLSFiles:
    cert: Path  # PEM certificate; also the CA file a client must trust
    key: Path


def make_self_signed(directory: Path, ip: str = HOST) -> TLSFiles:
    """A self-signed P-256 certificate valid for `IP:<ip>` (its own CA), written as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "simulated kepler (test)")])
    now = dt.datetime.now(dt.UTC)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(ip))]), critical=False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(ski, critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    files = TLSFiles(directory / "kepler-sim.crt", directory / "kepler-sim.key")
    files.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return files


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    kepler: KeplerServer

    def handle_error(self, request: object, client_address: object) -> None:
        """Silence: a client that rejects our certificate, or is SIGKILLed mid-request, is expected here."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall per GET
    server: _HTTPServer

    def log_message(self, format: str, *args: object) -> None:
        """No access log on the test's stderr."""

    def do_GET(self) -> None:
        ks = self.server.kepler
        node = ks.node_for(self.path.split("?", 1)[0])
        if node is None:
            self._send(404, f"no such path {self.path}; use /metrics or /<node>/metrics\n")
            return
        t = int(ks.clock.now())
        try:
            text = ks.sim.exposition(node, t)
        except InputError as exc:
            self._send(500, f"{exc}\n")
            return
        status = 503 if text is None else 200
        self._send(status, f"Kepler on {node} is restarting\n" if text is None else text)
        ks.answered(node, t, status)

    def _send(self, status: int, body: str) -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", CONTENT_TYPE if status == 200 else "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()


class KeplerServer:
    """Serves `sim`'s expositions at `clock.now()`; a context manager that always stops the server."""

    def __init__(
        self,
        sim: Simulation,
        clock: Clock,
        *,
        tls: TLSFiles | None = None,
        default_node: str | None = None,
        on_response: Callable[[str, int, int], None] | None = None,
    ) -> None:
        self.sim = sim
        self.clock = clock
        self.tls = tls
        self.default_node = default_node or sim.nodes[0]
        self.on_response = on_response
        self.hits: Counter[tuple[str, int]] = Counter()  # (node, status) → answered requests
        self._lock = threading.Lock()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self) -> Self:
        httpd = _HTTPServer((HOST, 0), _Handler)
        httpd.kepler = self
        if self.tls is not None:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(self.tls.cert, self.tls.key)
            # Handshake in the handler thread, so a client rejecting the certificate cannot stall accept().
            httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True, do_handshake_on_connect=False)
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, name="kepler-sim", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- addresses ------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return int(self._httpd.server_address[1])

    @property
    def base(self) -> str:
        return f"{'https' if self.tls else 'http'}://{HOST}:{self.port}"

    def url(self, node: str | None = None) -> str:
        """`/<node>/metrics`, or `/metrics` (the default node) when `node` is None."""
        return f"{self.base}/metrics" if node is None else f"{self.base}/{node}/metrics"

    def urls(self) -> list[str]:
        return [self.url(n) for n in self.sim.nodes]

    def node_for(self, path: str) -> str | None:
        if path == "/metrics":
            return self.default_node
        parts = path.strip("/").split("/")
        if len(parts) == 2 and parts[1] == "metrics" and parts[0] in self.sim.nodes:
            return parts[0]
        return None

    # -- bookkeeping ----------------------------------------------------------------------------
    def answered(self, node: str, t: int, status: int) -> None:
        with self._lock:
            self.hits[(node, status)] += 1
        if self.on_response is not None:
            self.on_response(node, t, status)

    @property
    def total_hits(self) -> int:
        with self._lock:
            return sum(self.hits.values())
