"""Fakes for the recommendation tests: hand-written hourly energy behind the real engine and assessor.

Energy is given per pod and hour in joules so that every expected number can be written out in a
test; attribution, the assessor and the intensity profile are the product's own.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from carbon_kepler.core.period import HOUR, Period
from carbon_kepler.core.units import JOULES_PER_KWH
from carbon_kepler.energy.model import EnergyData, NodeHour, PodHour
from carbon_kepler.engine import Engine
from carbon_kepler.settings import Settings, SourceKind

KST = ZoneInfo("Asia/Seoul")
KWH = JOULES_PER_KWH


def kst(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=KST)


def kst_ts(year: int, month: int, day: int, hour: int, minute: int = 0) -> int:
    """UTC epoch seconds of a KST wall-clock time."""
    return int(kst(year, month, day, hour, minute).timestamp())


@dataclass(frozen=True)
class Pod:
    namespace: str
    name: str
    node: str
    active_j: Mapping[int, float]  # hour_utc → active joules Kepler attributed


@dataclass
class FakeSource:
    """An EnergySource over hand-written pods; each node's total per hour is `node_total_j`."""

    pods: list[Pod]
    period: Period
    node_total_j: float = 1.0 * KWH
    node_idle_j: float = 0.5 * KWH
    fetches: list[Period] = field(default_factory=list)

    @property
    def description(self) -> str:
        return "fake energy source (tests)"

    def default_period(self) -> Period | None:
        return self.period

    def fetch(self, period: Period, zones: tuple[str, ...]) -> EnergyData:
        self.fetches.append(period)
        pod_hours = [
            PodHour(h, p.node, p.namespace, p.name, f"uid-{p.name}", "package", j)
            for p in self.pods
            for h, j in sorted(p.active_j.items())
        ]
        node_hours = [
            NodeHour(
                h, node, "package", self.node_total_j, self.node_total_j - self.node_idle_j, self.node_idle_j
            )
            for node in sorted({p.node for p in self.pods})
            for h in period.hour_starts()
        ]
        data = EnergyData(
            pod_hours=pod_hours, node_hours=node_hours, zones=("package",), source=self.description
        )
        data.coverage = {(n.node, n.hour_utc): 1.0 for n in node_hours}
        return data


def engine(source: FakeSource, now: datetime, org_config: Path | None = None) -> Engine:
    """The real Engine over a fake source, with the clock fixed at `now`."""
    settings = Settings(source=SourceKind.STORE, org_config=org_config)
    return Engine(settings, source, clock=lambda: now)


def hours(start: int, n: int) -> list[int]:
    return [start + i * HOUR for i in range(n)]


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Settings read CARBON_KEPLER_* from the environment: keep a developer's shell out of the tests."""
    import os

    for key in [k for k in os.environ if k.startswith("CARBON_KEPLER_")]:
        monkeypatch.delenv(key)
    yield


def org_yaml(tmp: Path, region: str = "aws:ap-northeast-2", pue: float = 1.25) -> Path:
    path = tmp / "org.yaml"
    path.write_text(
        f"version: 1\nlanguage: en\nsites:\n  - name: seoul\n    region: {region}\n    pue: {pue}\n"
        '    pue_source: "test facility"\n',
        encoding="utf-8",
    )
    return path
