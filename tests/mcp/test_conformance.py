"""CI gate: the MCP conformance suite and the Inspector CLI against `carbon-kepler serve --http --source demo`.

Runs .ci/mcp-conformance.sh (pinned Node 22, conformance 0.2.0-alpha.12, Inspector 2.12.0, installed
with npm into .ci/node/). Skips on a machine without npm or registry access; fails under CI=true.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.mcp.helpers import ROOT
from tests.services import in_ci, which_or_require

pytestmark = [pytest.mark.integration, pytest.mark.slow]
SCRIPT = ROOT / ".ci" / "mcp-conformance.sh"
INSTALL_FAILED = 3


def test_conformance_suite_and_inspector_cli_pass_within_the_baseline() -> None:
    which_or_require("npm", "apt-get install npm")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARBON_KEPLER_")} | {
        "PYTHON": sys.executable
    }
    proc = subprocess.run(
        ["bash", str(SCRIPT), "--source", "demo"], capture_output=True, text=True, env=env, timeout=900
    )
    if proc.returncode == INSTALL_FAILED and not in_ci():
        pytest.skip(f"cannot install the pinned Node tools (no npm registry?): {proc.stderr[-300:]}")
    assert proc.returncode == 0, proc.stderr[-6000:]
    assert "Baseline check passed" in proc.stdout + proc.stderr
    assert "Inspector CLI tools/list and tools/call" in proc.stderr
