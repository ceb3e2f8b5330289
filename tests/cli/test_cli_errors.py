"""Bad input at the CLI: one line on stderr that names the fix, exit 2, never a traceback."""

import os
import subprocess
import sys

import pytest


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARBON_KEPLER_")}
    return subprocess.run(
        [sys.executable, "-m", "carbon_kepler", *args], capture_output=True, text=True, env=env, timeout=60
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["energy", "--prometheus-url", "http://127.0.0.1:9"],
            "--prometheus-url / CARBON_KEPLER_PROMETHEUS_URL",
        ),
        (
            ["energy", "--source", "demo", "--namespace", 'a"} or vector(1)'],
            "not a valid Kubernetes namespace",
        ),
        (["energy", "--source", "demo", "--zones", "package,core"], "double-counts"),
        (["energy", "--source", "store", "--store", "/nonexistent/s.sqlite"], "carbon-kepler collect"),
        (["energy", "--prometheus-url", "localhost:9090"], "must start with http://"),
        (["collect", "--kepler-url", "node:28282/metrics", "--scrapes", "1"], "must start with http://"),
    ],
)
def test_bad_input_is_one_line_naming_the_fix(args: list[str], expected: str) -> None:
    proc = run(*args)
    assert proc.returncode == 2, proc.stderr
    assert expected in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().count("\n") == 0
