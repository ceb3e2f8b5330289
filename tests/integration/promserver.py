"""Harness around Debian's real Prometheus 2.42 (``/usr/bin/prometheus``, ``/usr/bin/promtool``).

Usage::

    backfill(Path("data.om"), tmp_path / "tsdb")
    with PrometheusServer(tmp_path / "tsdb") as prom:
        httpx.get(f"{prom.url}/api/v1/query", params={"query": "up", "time": t})

The server listens on 127.0.0.1 only, on a free port, and is always stopped
(SIGTERM, then SIGKILL after 10 s) when the ``with`` block exits, also on errors.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Self

import httpx

HOST = "127.0.0.1"  # never any other address
READY_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
BACKFILL_TIMEOUT_S = 600.0
_CONFIG = "global:\n  scrape_interval: 1m\n  evaluation_interval: 1m\nscrape_configs: []\n"


class PrometheusError(RuntimeError):
    """promtool or prometheus failed; the message carries its output."""


def prometheus_available() -> bool:
    return shutil.which("prometheus") is not None and shutil.which("promtool") is not None


def _binary(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise PrometheusError(f"{name} not found on PATH (apt-get install prometheus)")
    return path


def backfill(openmetrics_file: Path, data_dir: Path, *, timeout: float = BACKFILL_TIMEOUT_S) -> None:
    """Write TSDB blocks for an OpenMetrics file (timestamps in seconds, ending ``# EOF``).

    ``--max-block-duration=168h`` (a hidden flag) makes promtool write week-long blocks
    instead of re-reading the file for every 2-hour block (minutes instead of seconds).
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    cmd = [
        _binary("promtool"),
        "tsdb",
        "create-blocks-from",
        "openmetrics",
        "--max-block-duration=168h",
        str(openmetrics_file),
        str(data_dir),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        raise PrometheusError(
            f"promtool backfill of {openmetrics_file} failed (exit {proc.returncode}):\n"
            f"{proc.stderr.strip() or proc.stdout.strip()}"
        )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _die_with_parent() -> list[str]:
    """Prefix that makes the kernel SIGKILL the server when its parent dies (util-linux setpriv).

    "Parent" is the thread that started it: start the server from a thread that outlives it.
    """
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "KILL", "--"] if setpriv else []


class PrometheusServer:
    """A real ``prometheus`` on 127.0.0.1:<free port>, as a context manager.

    ``data_dir`` is the TSDB directory (e.g. filled by :func:`backfill`); a temporary one
    is used when it is None. ``extra_flags`` are appended, e.g. ``["--query.lookback-delta=10m"]``.
    """

    def __init__(
        self,
        data_dir: Path | None = None,
        *,
        extra_flags: Sequence[str] = (),
        ready_timeout: float = READY_TIMEOUT_S,
    ) -> None:
        self._data_dir = data_dir
        self._extra_flags = list(extra_flags)
        self._ready_timeout = ready_timeout
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._url: str | None = None

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:41234`` (no trailing slash)."""
        if self._url is None:
            raise PrometheusError("PrometheusServer is not running (use it as a context manager)")
        return self._url

    @property
    def log_path(self) -> Path:
        if self._tmp is None:
            raise PrometheusError("PrometheusServer is not running")
        return Path(self._tmp.name) / "prometheus.log"

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except (OSError, PrometheusError):
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def __enter__(self) -> Self:
        try:
            self._start()
        except BaseException:
            self._stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop()

    def _start(self) -> None:
        binary = _binary("prometheus")
        self._tmp = tempfile.TemporaryDirectory(prefix="promserver-")
        tmp = Path(self._tmp.name)
        config = tmp / "prometheus.yml"
        config.write_text(_CONFIG)
        data_dir = self._data_dir if self._data_dir is not None else tmp / "data"
        port = _free_port()
        self._url = f"http://{HOST}:{port}"
        cmd = [
            *_die_with_parent(),  # a SIGKILLed pytest takes prometheus with it
            binary,
            f"--config.file={config}",
            f"--storage.tsdb.path={data_dir}",
            "--storage.tsdb.retention.time=100y",
            f"--web.listen-address={HOST}:{port}",
            "--web.enable-lifecycle",
            *self._extra_flags,
        ]
        self._log = self.log_path.open("wb")
        self._proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=tmp,
            start_new_session=True,  # Ctrl-C reaches only pytest, whose __exit__ stops us
        )
        self._wait_ready()

    def _wait_ready(self) -> None:
        assert self._proc is not None
        deadline = time.monotonic() + self._ready_timeout
        last_error = "no answer yet"
        with httpx.Client(timeout=2.0, trust_env=False) as client:  # no proxy for loopback
            while time.monotonic() < deadline:
                code = self._proc.poll()
                if code is not None:
                    raise PrometheusError(
                        f"prometheus exited with code {code} before it was ready; log tail:\n"
                        f"{self.log_tail()}"
                    )
                try:
                    status = client.get(f"{self.url}/-/ready").status_code
                    if status == 200:
                        return
                    last_error = f"/-/ready answered HTTP {status}"
                except httpx.TransportError as err:
                    last_error = repr(err)
                time.sleep(0.1)
        raise PrometheusError(
            f"prometheus not ready at {self.url} within {self._ready_timeout:.0f} s "
            f"({last_error}); log tail:\n{self.log_tail()}"
        )

    def _stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
        self._url = None
