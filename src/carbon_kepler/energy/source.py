"""The EnergySource capability and the store-backed implementation (also serves the demo data)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Protocol

from carbon_kepler.core.errors import StoreError
from carbon_kepler.core.period import Period
from carbon_kepler.energy.model import EnergyData
from carbon_kepler.energy.store import Store


class EnergySource(Protocol):
    @property
    def description(self) -> str: ...

    def fetch(self, period: Period, zones: tuple[str, ...]) -> EnergyData: ...

    def default_period(self) -> Period | None:
        """The period to use when the user gives none (None: the last 7 days)."""
        ...


def demo_store_path() -> Path:
    return Path(str(resources.files("carbon_kepler") / "data" / "demo" / "demo-week.sqlite"))


class StoreSource:
    def __init__(self, path: Path, *, demo: bool = False) -> None:
        if demo and not path.exists():
            raise StoreError(
                f"demo store {path} is missing from the installation",
                hint="reinstall carbon-kepler-mcp, or run `make demo-data`",
            )
        self.store = Store.open(path, readonly=True)
        self.demo = demo
        kind = (
            "bundled demo data set (simulated Kepler v0.11.2 week, collector-integrated)"
            if demo
            else f"local store {path}"
        )
        self.description = kind

    def fetch(self, period: Period, zones: tuple[str, ...]) -> EnergyData:
        data = self.store.energy(period, zones)
        data.source = self.description
        return data

    def default_period(self) -> Period | None:
        rng = self.store.time_range()
        return Period.from_ts(*rng) if rng else None
