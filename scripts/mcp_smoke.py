"""Talk to `carbon-kepler-mcp` the way an assistant does: over stdio, with the SDK's client.

    .venv/bin/python scripts/mcp_smoke.py                 # the bundled demo week
    .venv/bin/python scripts/mcp_smoke.py --source prometheus --prometheus-url http://localhost:9090

Uses the 2025-11-25 handshake so it can ask for logs (`logging/setLevel info`), calls two tools and prints
their one-line summaries, the wall time of each call and the server's log lines (notifications/message).
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import time
import warnings
from pathlib import Path

from mcp import Client, StdioServerParameters
from mcp.types import LoggingMessageNotificationParams

CALLS = [
    ("list_top_power_consumers", {"limit": 3}),
    ("list_workloads_by_compliance", {"limit": 3, "status_filter": "NON_COMPLIANT"}),
]


async def main(server_args: list[str]) -> None:
    logs: list[LoggingMessageNotificationParams] = []

    async def on_log(params: LoggingMessageNotificationParams) -> None:
        logs.append(params)

    command = shutil.which("carbon-kepler-mcp") or str(Path(sys.executable).with_name("carbon-kepler-mcp"))
    params = StdioServerParameters(command=command, args=server_args or ["--source", "demo"])
    with warnings.catch_warnings():  # logging/setLevel is deprecated in 2026-07-28; this is its legacy use
        warnings.simplefilter("ignore")
        async with Client(params, mode="legacy", read_timeout_seconds=300, logging_callback=on_log) as client:
            print(f"protocol {client.protocol_version}")
            await client.set_logging_level("info")
            for name, args in CALLS:
                t = time.perf_counter()
                result = await client.call_tool(name, args)
                took = (time.perf_counter() - t) * 1000
                text = (result.structured_content or {}).get("summary") or str(result.content)
                print(f"{name} ({took:.0f} ms{', tool error' if result.is_error else ''}): {text}")
    for log in logs:
        print(f"log {log.level} {log.logger}: {log.data}")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
