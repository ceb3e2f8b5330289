"""docs/MCP.md is generated from the server's schemas: it must match what the server publishes."""

from __future__ import annotations

import subprocess
import sys

from tests.mcp.helpers import ROOT


def test_the_tool_reference_is_up_to_date() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_mcp_docs.py"), "--check"],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
