"""Compliance use case: hourly energy of a unit → emissions → Korean checks → result models.

Sits beside engine.py at the composition level: it wires the carbon and compliance domain to the
energy the engine attributed, with the organisation config (or honest defaults without one).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import NamedTuple, overload

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from carbon_kepler.carbon.electricitymaps import (
    ElectricityMapsClient,
    ElectricityMapsProvider,
    ElectricityMapsSettings,
)
from carbon_kepler.carbon.emissions import configured_pue, emissions, group_emissions
from carbon_kepler.carbon.factors import (
    CarbonIntensityData,
    FactorChoice,
    Purpose,
    choose_factor,
    load_carbon_intensity,
)
from carbon_kepler.carbon.intensity import (
    FallbackChain,
    IntensityProvider,
    RegionsData,
    load_regions,
    official_kr_profile,
)
from carbon_kepler.carbon.model import EmissionsResult, EnergyWindow, HourlyGroups, Instrument
from carbon_kepler.compliance.checks import (
    CHECKS,
    STATUS_CODE,
    STATUSES,
    Baseline,
    CheckContext,
    CheckInputs,
    CheckOptions,
    Floats,
    decide_all,
    run_checks,
)
from carbon_kepler.compliance.model import SEVERITY, CheckResult, ReportingSummary, Status, worst_status
from carbon_kepler.compliance.reporting import reporting_summary
from carbon_kepler.compliance.rules import RegulationsData, effective, load_regulations
from carbon_kepler.core.figures import Figure, Notice, Quality
from carbon_kepler.core.period import Period
from carbon_kepler.core.units import JOULES_PER_KWH
from carbon_kepler.energy.columns import GroupKey, WorkloadColumns, hour_codes, slot_codes
from carbon_kepler.energy.model import WorkloadHour
from carbon_kepler.orgconfig import OrgConfig, load_org_config
from carbon_kepler.results import PeriodOut

_NA_CODE = STATUS_CODE[Status.NOT_ASSESSED]
_SEVERITY_OF_CODE = np.array([SEVERITY.index(s) for s in STATUSES], dtype=np.int8)
_CODE_OF_SEVERITY = np.array([STATUS_CODE[s] for s in SEVERITY], dtype=np.int8)
GRID_ZONE = "KR"


class UnitKind(StrEnum):
    CLUSTER = "cluster"
    NAMESPACE = "namespace"
    WORKLOAD = "workload"


class Unit(BaseModel):
    model_config = ConfigDict(frozen=True)
    kind: UnitKind = Field(description="cluster | namespace | workload.")
    key: str = Field(
        description="Unit key as used for baselines: cluster:<name>, namespace:<ns>, workload:<ns>/<name>."
    )
    namespace: str | None = Field(None, description="Namespace of the unit, when it has one.")
    workload: str | None = Field(None, description="Owner workload name, when the unit is a workload.")


class Assessment(BaseModel):
    """Energy, emissions and every compliance check of one unit for one period."""

    model_config = ConfigDict(frozen=True)
    unit: Unit
    period: PeriodOut
    energy_source: str = Field(description="Where the energy figures come from.")
    it_energy: Figure = Field(description="IT energy (active + allocated idle/system), kWh.")
    facility_energy: Figure = Field(description="IT energy × PUE, kWh.")
    emissions_location: Figure = Field(description="Location-based emissions, gCO2eq.")
    emissions_market: Figure = Field(description="Market-based emissions, gCO2eq (instruments at 0 g/kWh).")
    intensity: Figure | None = Field(
        description="Energy-weighted grid intensity of the unit's energy, gCO2eq/kWh."
    )
    factor: Figure = Field(
        description="Official emission factor the hourly series is scaled to, with vintage and source."
    )
    factor_choice: str = Field(description="Why this factor (reporting year and purpose).")
    intensity_series: str = Field(description="The hourly intensity series used (live or assumed profile).")
    pue: Figure = Field(description="PUE used for facility energy.")
    checks: list[CheckResult] = Field(
        description="Every compliance check with status, value, threshold, kind and source."
    )
    reporting: ReportingSummary | None = Field(
        None, description="Cluster only: shares of statutory reporting thresholds."
    )
    coverage: float = Field(description="Fraction of the period's hours the energy source had data (0–1).")
    warnings: list[Notice] = Field(default_factory=list)

    @property
    def worst(self) -> Status:
        return worst_status(c.status for c in self.checks)


@dataclass(frozen=True)
class LiveIntensity:
    token: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class FactorRequest:
    """A factor choice given on the command line / tool call; overrides the org config's `reporting`."""

    purpose: Purpose | None = None
    reporting_year: int | None = None
    factor_id: str | None = None

    def given(self) -> bool:
        return any((self.purpose, self.reporting_year, self.factor_id))


class Assessor:
    """Loaded once: reference data, organisation config, factor, PUE, instruments and intensity series."""

    def __init__(
        self,
        org_path: Path | None,
        *,
        live: LiveIntensity | None = None,
        today: datetime | None = None,
        clock: Callable[[], datetime] | None = None,
        factor: FactorRequest | None = None,
    ) -> None:
        self.carbon: CarbonIntensityData = load_carbon_intensity()
        self.regions: RegionsData = load_regions()
        self.regulations: RegulationsData = load_regulations()
        now = today or datetime.now(UTC)
        self.org: OrgConfig | None = (
            load_org_config(
                org_path,
                today=now.date(),
                carbon=self.carbon,
                regions=self.regions,
                regulations=self.regulations,
            )
            if org_path
            else None
        )
        self._clock = clock or (lambda: now)  # the pathway year is read per assessment: servers run for years
        self.factor: FactorChoice = self._factor(factor or FactorRequest())
        site = self.org.site_for_cluster(None) if self.org else None
        self.pue: Figure | None = self.org.site_pue(site, self.regions) if self.org and site else None
        self.instruments: tuple[Instrument, ...] = (
            self.org.instruments(site, self.carbon) if self.org and site else ()
        )
        self.options = self.org.check_options() if self.org else CheckOptions()
        profile = official_kr_profile(self.carbon, self.factor)
        self.intensity: IntensityProvider = profile
        if live and live.token:
            em = ElectricityMapsSettings(
                token=SecretStr(live.token), **({"base_url": live.url} if live.url else {})
            )
            self.intensity = FallbackChain(ElectricityMapsProvider(ElectricityMapsClient(em)), profile)

    @property
    def year(self) -> int:
        return self._clock().year

    def _factor(self, req: FactorRequest) -> FactorChoice:
        if req.given() or self.org is None:
            year = req.reporting_year or (self.org.reporting.year if self.org else None)
            purpose = req.purpose or (Purpose.DISCLOSURE if req.reporting_year else Purpose.LATEST)
            return choose_factor(self.carbon, purpose=purpose, reporting_year=year, factor_id=req.factor_id)
        return self.org.factor_choice(self.carbon)

    def assess(
        self,
        unit: Unit,
        rows: Sequence[WorkloadHour],
        period: Period,
        period_out: PeriodOut,
        *,
        coverage: float,
        source: str,
        cluster: bool = False,
    ) -> Assessment:
        window = window_of(rows, period, coverage)
        return self.assess_window(unit, window, period_out, source=source, cluster=cluster)

    def assess_window(
        self, unit: Unit, window: EnergyWindow, period_out: PeriodOut, *, source: str, cluster: bool = False
    ) -> Assessment:
        result = self._emissions(window)
        ctx = CheckContext(
            window=window,
            emissions=result,
            regulations=self.regulations,
            year=self.year,  # property: from the clock at assessment time
            pue_configured=self.pue is not None,
            baseline=self.org.baseline_for(unit.key) if self.org else None,
            overrides=self.org.overrides if self.org else {},
            override_origin=self.org.source_path if self.org else "",
            options=self.options,
        )
        checks = list(run_checks(ctx))
        return Assessment(
            unit=unit,
            period=period_out,
            energy_source=source,
            it_energy=result.it_energy,
            facility_energy=result.facility_energy,
            emissions_location=result.location_based,
            emissions_market=result.market_based,
            intensity=result.intensity_location,
            factor=self.factor.figure(),
            factor_choice=self.factor.reason,
            intensity_series=result.intensity_series.source,
            pue=result.pue,
            checks=checks,
            reporting=reporting_summary(window, result, self.regulations, self.options) if cluster else None,
            coverage=window.coverage,
            warnings=list(result.warnings) + self._pue_notice(),
        )

    def inventory(self, groups: HourlyGroups) -> Inventory:
        """Statuses of every workload in `groups` (keys `namespace/workload`), decided by the same check
        functions on the same sums as `assess_window`, for all workloads at once, without rendering each full
        Assessment (tested equal)."""
        hours = np.unique(groups.hour).tolist()
        intensity = self.intensity.hourly(GRID_ZONE, hours)
        pue = self.pue.value if self.pue else 1.0
        em = group_emissions(groups, intensity, pue, self.instruments)
        overrides = self.org.overrides if self.org else {}
        origin = self.org.source_path if self.org else ""
        checks = {c: effective(self.regulations.check(c), overrides.get(c), origin) for c in CHECKS}
        inputs = CheckInputs(
            hours_with_data=em.hours_with_data,
            it_kwh=em.it_kwh,
            intensity_location=em.intensity_location,  # nan without energy
            intensity_market=em.intensity_market,
            market=em.market,
            location_g=em.location_g,
            market_g=em.market_g,
            coverage=groups.coverage,
            covered_hours=groups.covered_hours,
            pue=pue,
            pue_configured=self.pue is not None,
        )
        verdicts = decide_all(inputs, checks, self._baselines(groups.keys), self.year, self.options)
        return Inventory(
            groups.keys,
            em.it_kwh,
            em.location_g,
            inputs.intensity_location,
            tuple(verdicts),
            np.column_stack([v.status for v in verdicts.values()]),
        )

    def _baselines(self, keys: Sequence[str]) -> dict[int, Baseline]:
        """Index of each workload in `keys` that has a configured baseline → the baseline."""
        if self.org is None or not self.org.baselines:
            return {}
        index = {f"workload:{k}": i for i, k in enumerate(keys)}
        return {
            index[unit]: b
            for unit in self.org.baselines
            if unit in index and (b := self.org.baseline_for(unit)) is not None
        }

    def _emissions(self, window: EnergyWindow) -> EmissionsResult:
        intensity = self.intensity.hourly(GRID_ZONE, [h.hour_utc for h in window.hours])
        pue = self.pue or configured_pue(1.0, "PUE not configured: IT energy only")
        return emissions(window, intensity, pue, self.instruments)

    def _pue_notice(self) -> list[Notice]:
        if self.pue is not None:
            return []
        return [
            Notice(
                code="PUE_NOT_CONFIGURED",
                message="no organisation config with a site PUE: emissions are IT energy only (PUE 1.0) and the PUE check is not assessed; pass --org-config",
            )
        ]


class WorkloadStatus(BaseModel):
    """One row of a compliance inventory (small: the full Assessment is one call away)."""

    model_config = ConfigDict(frozen=True)
    key: str = Field(description="namespace/workload.")
    namespace: str
    workload: str
    energy_kwh: float = Field(
        description="IT energy in the period, kWh (measured, incl. allocated idle/system)."
    )
    emissions_g: float = Field(description="Location-based emissions, gCO2eq.")
    intensity_g_per_kwh: float | None = Field(description="Energy-weighted grid intensity, gCO2eq/kWh.")
    statuses: dict[str, Status] = Field(description="Status of each check by code.")
    worst: Status = Field(
        description="NON_COMPLIANT if any check fails, else NOT_ASSESSED if any is, else COMPLIANT."
    )

    @classmethod
    def of_row(cls, row: StatusRow) -> WorkloadStatus:
        return cls(**row._asdict())


class StatusRow(NamedTuple):
    """A WorkloadStatus as a plain tuple: an inventory holds thousands, the result model only its page."""

    key: str
    namespace: str
    workload: str
    energy_kwh: float
    emissions_g: float
    intensity_g_per_kwh: float | None
    statuses: dict[str, Status]
    worst: Status

    @classmethod
    def of(
        cls,
        key: str,
        namespace: str,
        workload: str,
        kwh: float,
        emissions_g: float,
        intensity: float | None,
        statuses: dict[str, Status],
    ) -> StatusRow:
        return cls(
            key,
            namespace,
            workload,
            round(kwh, 6),
            round(emissions_g, 3),
            round(intensity, 2) if intensity is not None else None,
            statuses,
            worst_status(statuses.values()),
        )


class Inventory(Sequence[StatusRow]):
    """Every workload's statuses as columns, read as StatusRow tuples (built only for the rows asked for).

    `status[k, c]` is the code (index into STATUSES) of check `checks[c]` for workload k.
    """

    def __init__(
        self, keys: Sequence[str], energy_kwh: Floats, emissions_g: Floats, intensity: Floats,
        checks: tuple[str, ...], status: npt.NDArray[np.int8],
    ) -> None:  # fmt: skip
        self.keys, self.checks = list(keys), checks
        self.energy_kwh, self.emissions_g, self.intensity = energy_kwh, emissions_g, intensity
        self.status = status.reshape(len(self.keys), len(checks))

    def worst(self) -> npt.NDArray[np.int8]:
        """Each workload's most severe check status (compliance.model.worst_status), as a status code."""
        codes: npt.NDArray[np.int8] = _CODE_OF_SEVERITY[_SEVERITY_OF_CODE[self.status].max(axis=1, initial=0)]
        return codes

    def status_of(self, standard: str) -> npt.NDArray[np.int8]:
        """Each workload's status code for one check code, or for "ALL" the worst (unknown code: not assessed)."""
        if standard == "ALL":
            return self.worst()
        if standard not in self.checks:
            return np.full(len(self), _NA_CODE, np.int8)
        return self.status[:, self.checks.index(standard)]

    def with_status(self, standard: str, status: Status | None) -> list[int]:
        """Indices of the workloads whose status for `standard` (a check code or "ALL") is `status`; None: all."""
        if status is None:
            return list(range(len(self)))
        return np.flatnonzero(self.status_of(standard) == STATUS_CODE[status]).tolist()

    def needing_attention(self) -> list[int]:
        """Indices of the workloads not fully compliant: non-compliant first, then not assessed; largest energy
        (as shown) first within each; ties keep their order."""
        severity = _SEVERITY_OF_CODE[self.worst()]
        keep = np.flatnonzero(severity > 0)
        order = np.lexsort((-self._shown_kwh()[keep], -severity[keep]))  # most severe first
        return [int(k) for k in keep[order]]

    def counts(self, standard: str) -> dict[Status, int]:
        found = np.bincount(self.status_of(standard), minlength=len(STATUSES)).tolist()
        return {s: found[STATUS_CODE[s]] for s in Status}

    def by_energy(self) -> Inventory:
        """The same workloads, largest energy (as shown, kWh to 6 places) first; ties keep their order."""
        order = np.argsort(-self._shown_kwh(), kind="stable")
        return self.take(order)

    def _shown_kwh(self) -> Floats:
        return np.round(
            self.energy_kwh, 6
        )  # as StatusRow shows it: ties in what a person sees keep their order

    def take(self, index: npt.NDArray[np.intp]) -> Inventory:
        return Inventory(
            [self.keys[i] for i in index.tolist()],
            self.energy_kwh[index],
            self.emissions_g[index],
            self.intensity[index],
            self.checks,
            self.status[index],
        )

    def row(self, k: int) -> StatusRow:
        ns, name = self.keys[k].split("/", 1)
        i = float(self.intensity[k])
        return StatusRow.of(
            self.keys[k],
            ns,
            name,
            float(self.energy_kwh[k]),
            float(self.emissions_g[k]),
            None if np.isnan(i) else i,
            {c: STATUSES[s] for c, s in zip(self.checks, self.status[k].tolist(), strict=True)},
        )

    def __len__(self) -> int:
        return len(self.keys)

    @overload
    def __getitem__(self, k: int) -> StatusRow: ...
    @overload
    def __getitem__(self, k: slice) -> list[StatusRow]: ...
    def __getitem__(self, k: int | slice) -> StatusRow | list[StatusRow]:
        if isinstance(k, slice):
            return [self.row(j) for j in range(len(self))[k]]
        return self.row(range(len(self))[k])


def window_of(rows: Sequence[WorkloadHour], period: Period, coverage: float) -> EnergyWindow:
    """The hourly IT energy of `rows` (active + allocated) inside the period."""
    empty = EnergyWindow(hours=(), period=period, coverage=coverage, quality=Quality.MEASURED)
    return windows_by(rows, period, coverage, None).get("") or empty


def hourly_groups(
    rows: Sequence[WorkloadHour], period: Period, coverage: float, key: GroupKey | None
) -> HourlyGroups:
    """Rows inside the period, summed per key and hour (IT energy = active + allocated, kWh); `key` must
    depend only on a row's pod (WorkloadColumns.groups); None sums all rows as one unit, key ""."""
    cols = WorkloadColumns.of(rows).inside(period.start_ts, period.end_ts)
    g = cols.groups(key)
    hours, hour_code = hour_codes(cols.hour)
    unit, slot_hour, slot = slot_codes(g.of_row, len(g.keys), hour_code, len(hours))
    joules = np.bincount(slot, cols.active + cols.allocated, len(unit))
    return HourlyGroups(
        keys=g.keys,
        unit=unit,
        hour=hours[slot_hour],
        kwh=joules / JOULES_PER_KWH,
        period=period,
        coverage=coverage,
    )


def windows_by(
    rows: Sequence[WorkloadHour], period: Period, coverage: float, key: GroupKey | None
) -> dict[str, EnergyWindow]:
    groups = hourly_groups(rows, period, coverage, key)
    return {k: groups.window(i) for i, k in enumerate(groups.keys)}
