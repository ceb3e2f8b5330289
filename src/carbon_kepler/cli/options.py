"""Options shared by every command that reads data, as Annotated types (one definition each)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from carbon_kepler.energy.attribution import Policy
from carbon_kepler.settings import SourceKind

SRC = "Data source"
PER = "Period"

Source = Annotated[
    SourceKind | None,
    typer.Option(
        "--source", help="demo | prometheus | store [env CARBON_KEPLER_SOURCE]", rich_help_panel=SRC
    ),
]
PromUrl = Annotated[
    str | None,
    typer.Option(
        "--prometheus-url", help="Prometheus API root [env CARBON_KEPLER_PROMETHEUS_URL]", rich_help_panel=SRC
    ),
]
Token = Annotated[
    str | None,
    typer.Option(
        "--token", help="Bearer token (prefer --token-file) [env CARBON_KEPLER_TOKEN]", rich_help_panel=SRC
    ),
]
TokenFile = Annotated[
    Path | None, typer.Option("--token-file", help="File with the bearer token", rich_help_panel=SRC)
]
CaFile = Annotated[
    Path | None, typer.Option("--ca-file", help="CA bundle for TLS verification", rich_help_panel=SRC)
]
Insecure = Annotated[
    bool | None, typer.Option("--insecure", help="Skip TLS verification (warns)", rich_help_panel=SRC)
]
StorePath = Annotated[
    Path | None, typer.Option("--store", help="Local store file written by `collect`", rich_help_panel=SRC)
]
Config = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="Config file (YAML) [env CARBON_KEPLER_CONFIG]", rich_help_panel=SRC),
]
OrgConfig = Annotated[
    Path | None,
    typer.Option(
        "--org-config",
        help="Organisation config YAML (sites, PUE, instruments, baselines) [env CARBON_KEPLER_ORG_CONFIG]",
        rich_help_panel=SRC,
    ),
]
PurposeOpt = Annotated[
    str | None,
    typer.Option(
        "--purpose",
        help="latest | disclosure | k-ets: picks the official factor",
        rich_help_panel="Emission factor",
    ),
]
ReportingYear = Annotated[
    int | None,
    typer.Option(
        "--reporting-year", help="Reporting year (factor vintage)", rich_help_panel="Emission factor"
    ),
]
FactorId = Annotated[
    str | None,
    typer.Option("--factor", help="Official factor id, e.g. KR_2023", rich_help_panel="Emission factor"),
]
Zones = Annotated[
    str | None,
    typer.Option("--zones", help="RAPL zones, comma-separated (default package,dram)", rich_help_panel=SRC),
]
Allocation = Annotated[
    Policy | None,
    typer.Option("--allocation", help="Idle/system energy allocation policy", rich_help_panel=SRC),
]

Since = Annotated[
    str | None, typer.Option("--since", help="Duration back from now: 36h, 7d, 2w", rich_help_panel=PER)
]
Start = Annotated[
    str | None, typer.Option("--start", help="Start (ISO 8601; KST when no offset)", rich_help_panel=PER)
]
End = Annotated[
    str | None,
    typer.Option("--end", help="End, exclusive (ISO 8601; KST when no offset)", rich_help_panel=PER),
]
PeriodMonth = Annotated[
    str | None, typer.Option("--period", help="A calendar month in KST, e.g. 2026-11", rich_help_panel=PER)
]

Json = Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout")]
Lang = Annotated[str | None, typer.Option("--lang", help="Output language: en | ko [env CARBON_KEPLER_LANG]")]
