"""Temporal shift (domain.md §7): the window of a given duration, between an earliest start and a
deadline, with the lowest time-weighted mean carbon intensity, and a CronJob line for recurring jobs.

Intensity is piecewise constant over its data points (hourly here). As in the Green Software
Foundation's Carbon Aware SDK (`EmissionsDataExtensions.RollingAverage`), a window's mean weights each
data point by its overlap with the window, so partial hours count pro rata. The mean is a
piecewise-linear function of the start time whose kinks lie where a window edge crosses a data-point
boundary; the minimum over *all* feasible starts is therefore at the earliest start, the latest start,
a boundary, or a boundary minus the duration. Evaluating exactly those candidates is exact, not a grid
approximation (property-tested against a brute force). Pure functions, epoch seconds, no I/O.
"""

from __future__ import annotations

import bisect
import itertools
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from carbon_kepler.advice.regions import intensity_figure, source_values
from carbon_kepler.carbon.factors import CarbonIntensityData
from carbon_kepler.carbon.intensity import (
    FallbackChain,
    IntensityProvider,
    Region,
    StaticProfile,
    profile_values,
    static_for_zone,
)
from carbon_kepler.carbon.model import HourlyIntensity
from carbon_kepler.core.errors import InputError
from carbon_kepler.core.figures import Basis, Figure, Quality
from carbon_kepler.core.period import HOUR, utc_iso, zone
from carbon_kepler.results import PeriodOut

DAY = 24 * HOUR
KOREAN_GRID = "KR"
REL_TOL = 1e-9  # windows whose means differ by less than this (relative) are ties


class IntensityCurve:
    """gCO2eq/kWh as contiguous constant segments [starts[i], starts[i+1]), the last ending at `end`."""

    def __init__(self, starts: Sequence[int], values: Sequence[float], end: int) -> None:
        if not starts or len(starts) != len(values):
            raise InputError("an intensity curve needs one value per segment and at least one segment")
        if any(b <= a for a, b in itertools.pairwise([*starts, end])):
            raise InputError("intensity segments must be in time order and not empty")
        self.starts = list(starts)
        self.values = list(values)
        self.end = end
        # cumulative integral at each segment start (g·s/kWh), for O(log n) window means
        self._cum = [0.0, *itertools.accumulate(v * (b - a) for a, b, v in self._segments())]

    def _segments(self) -> list[tuple[int, int, float]]:
        bounds = [*self.starts, self.end]
        return [(bounds[i], bounds[i + 1], v) for i, v in enumerate(self.values)]

    @classmethod
    def hourly(cls, values: Mapping[int, float]) -> IntensityCurve:
        """One segment per hour bucket; the hours must be contiguous."""
        hours = sorted(values)
        if not hours:
            raise InputError("no carbon-intensity hours to schedule on")
        gap = next((a for a, b in itertools.pairwise(hours) if b - a != HOUR), None)
        if gap is not None:
            raise InputError(f"carbon-intensity series has a gap after {utc_iso(gap)}")
        return cls(hours, [values[h] for h in hours], hours[-1] + HOUR)

    @property
    def start(self) -> int:
        return self.starts[0]

    @property
    def boundaries(self) -> list[int]:
        return [*self.starts, self.end]

    def integral(self, t: int) -> float:
        """∫ I dt from the curve start to t."""
        if not self.start <= t <= self.end:
            raise InputError(f"{utc_iso(t)} lies outside the intensity series")
        i = max(bisect.bisect_right(self.starts, t) - 1, 0)
        return self._cum[i] + self.values[i] * (t - self.starts[i])

    def mean(self, start: int, end: int) -> float:
        """Time-weighted mean over [start, end): partial segments weighted by their overlap."""
        if end <= start:
            raise InputError("a window must have a positive duration")
        return (self.integral(end) - self.integral(start)) / (end - start)


class WindowScore(NamedTuple):
    start_utc: int
    end_utc: int
    mean_g_per_kwh: float


@dataclass(frozen=True)
class Search:
    best: tuple[WindowScore, ...]  # the lowest mean and every tie, earliest first
    candidates: int  # windows evaluated


def check_feasible(duration_s: int, earliest_utc: int, deadline_utc: int) -> None:
    """InputError when the job cannot fit between its earliest start and its deadline."""
    if duration_s <= 0:
        raise InputError(f"duration must be positive, got {duration_s} s", hint="e.g. --duration 4h")
    span = deadline_utc - earliest_utc
    if span < duration_s:
        raise InputError(
            f"infeasible: the job needs {duration_s / HOUR:g} h but only {max(span, 0) / HOUR:g} h lie "
            f"between its earliest start {utc_iso(earliest_utc)} and its deadline {utc_iso(deadline_utc)}",
            hint="move the deadline later, the earliest start earlier, or shorten the job",
        )


def candidate_starts(curve: IntensityCurve, duration_s: int, earliest: int, latest: int) -> list[int]:
    """Earliest, latest, and every start that puts a window edge on a data-point boundary."""
    edges = curve.boundaries
    inside = (t for b in edges for t in (b, b - duration_s) if earliest < t < latest)
    return sorted({earliest, latest, *inside})


def best_windows(curve: IntensityCurve, duration_s: int, earliest_utc: int, deadline_utc: int) -> Search:
    """The feasible window(s) with the lowest time-weighted mean intensity; ties listed earliest first."""
    check_feasible(duration_s, earliest_utc, deadline_utc)
    if earliest_utc < curve.start or deadline_utc > curve.end:
        raise InputError(
            f"the intensity series covers {utc_iso(curve.start)} to {utc_iso(curve.end)}, not the whole "
            f"span {utc_iso(earliest_utc)} to {utc_iso(deadline_utc)}"
        )
    latest = deadline_utc - duration_s
    scores = [
        WindowScore(s, s + duration_s, curve.mean(s, s + duration_s))
        for s in candidate_starts(curve, duration_s, earliest_utc, latest)
    ]
    low = min(s.mean_g_per_kwh for s in scores)
    tol = REL_TOL * max(1.0, abs(low))
    return Search(tuple(s for s in scores if s.mean_g_per_kwh <= low + tol), len(scores))


class DailyStart(NamedTuple):
    minute_of_day: int  # local minutes after midnight
    mean_g_per_kwh: float


def daily_best_start(by_local_hour: Sequence[float], duration_s: int) -> DailyStart:
    """Best start time of day for a job that runs every day on a 24-value hour-of-day profile.

    The profile is laid over three consecutive days so windows may cross midnight; starts are
    searched over the middle day only (any time of day, earliest on ties).
    """
    if len(by_local_hour) != 24:
        raise InputError("an hour-of-day profile needs 24 values")
    if not 0 < duration_s <= DAY:
        raise InputError("a daily job must run for more than 0 and at most 24 hours")
    values = list(by_local_hour) * 3
    curve = IntensityCurve([h * HOUR for h in range(72)], values, 72 * HOUR)
    search = best_windows(curve, duration_s, DAY, 2 * DAY + duration_s - 60)
    first = search.best[0]
    return DailyStart((first.start_utc - DAY) // 60, first.mean_g_per_kwh)


def cron_schedule(minute_of_day: int) -> str:
    """Five-field cron expression running daily at the given minute of the day."""
    return f"{minute_of_day % 60} {minute_of_day // 60 % 24} * * *"


def cronjob_snippet(minute_of_day: int, tz: str) -> str:
    """The lines to put in a CronJob spec (spec.timeZone is GA since Kubernetes 1.27)."""
    return f'spec:\n  schedule: "{cron_schedule(minute_of_day)}"\n  timeZone: "{tz}"\n'


def runs(hours: Sequence[int]) -> list[tuple[int, int]]:
    """Maximal runs of consecutive hour buckets as (first hour, number of hours)."""
    out: list[tuple[int, int]] = []
    for h in sorted(set(hours)):
        if out and h == out[-1][0] + out[-1][1] * HOUR:
            out[-1] = (out[-1][0], out[-1][1] + 1)
        else:
            out.append((h, 1))
    return out


class RecurringSchedule(BaseModel):
    """Best daily start for a recurring job, on the hourly profile (the same every day)."""

    model_config = ConfigDict(frozen=True)
    start_local: str = Field(description="Daily start time, HH:MM local time.")
    cron_schedule: str = Field(
        description="CronJob spec.schedule with spec.timeZone set (Kubernetes ≥ 1.27)."
    )
    cron_time_zone: str = Field(description="CronJob spec.timeZone.")
    cron_schedule_utc: str = Field(
        description="The same schedule in UTC, for clusters without spec.timeZone."
    )
    cronjob_yaml: str = Field(description="Ready-to-paste CronJob spec lines.")
    mean_intensity: Figure = Field(description="Mean profile intensity of the daily window (gCO2eq/kWh).")
    basis: str = Field(description="Which series the daily time rests on.")


def recurring(
    by_local_hour: Sequence[float], duration_s: int, tz: str, utc_offset_min: int, series: str
) -> RecurringSchedule | None:
    """Daily CronJob schedule on an hour-of-day profile; None for jobs longer than a day."""
    if duration_s > DAY:
        return None
    daily = daily_best_start(by_local_hour, duration_s)
    m = daily.minute_of_day
    return RecurringSchedule(
        start_local=f"{m // 60:02d}:{m % 60:02d}",
        cron_schedule=cron_schedule(m),
        cron_time_zone=tz,
        cron_schedule_utc=cron_schedule((m - utc_offset_min) % (24 * 60)),
        cronjob_yaml=cronjob_snippet(m, tz),
        mean_intensity=Figure(
            value=round(daily.mean_g_per_kwh, 6),
            unit="gCO2eq/kWh",
            source=series,
            basis=Basis.LOCATION,
            quality=Quality.ESTIMATED,
        ),
        basis="hour-of-day profile, the same every day (a live forecast changes daily, so a fixed time uses the profile)",
    )


class HistorySummary(BaseModel):
    """When the workload actually ran, from the measured hourly energy."""

    model_config = ConfigDict(frozen=True)
    period: PeriodOut = Field(description="History window the measured runs come from.")
    energy: Figure = Field(description="IT energy of the workload in that window (kWh, measured).")
    hours_with_energy: int = Field(description="Hour buckets in which it used energy.")
    runs: int = Field(description="Runs: maximal stretches of consecutive hours with energy.")
    usual_start_hours: list[int] = Field(description="Most frequent local start hours of its runs (up to 3).")
    mean_power_kw: float = Field(description="Energy / hours with energy (kW, from measured data).")
    intensity: Figure = Field(
        description="Energy-weighted grid intensity of its measured hours (gCO2eq/kWh)."
    )


def history_summary(
    kwh_by_hour: Mapping[int, float], intensity: HourlyIntensity, period: PeriodOut, source: str, tz: str
) -> HistorySummary | None:
    """Energy-weighted intensity Σ E_h I_h / Σ E_h of the measured hours, runs and usual start hours."""
    hours = sorted(h for h, k in kwh_by_hour.items() if k > 0)
    total = sum(kwh_by_hour[h] for h in hours)
    if total <= 0:
        return None
    mean = sum(kwh_by_hour[h] * intensity.at(h) for h in hours) / total
    found = runs(hours)
    starts = Counter(datetime.fromtimestamp(f, UTC).astimezone(zone(tz)).hour for f, _ in found)
    return HistorySummary(
        period=period,
        energy=Figure(value=round(total, 6), unit="kWh", source=source, quality=Quality.MEASURED),
        hours_with_energy=len(hours),
        runs=len(found),
        usual_start_hours=[h for h, _ in starts.most_common(3)],
        mean_power_kw=round(total / len(hours), 6),
        intensity=Figure(
            value=round(mean, 6),
            unit="gCO2eq/kWh",
            source=f"Σ E_h I_h / Σ E_h over the measured hours [{intensity.series.source}]",
            basis=Basis.LOCATION,
            quality=intensity.series.quality,
        ),
    )


def energy_per_run(given_kwh: float | None, history: HistorySummary | None, duration_s: int) -> Figure | None:
    """The energy one run uses: given by the user, else mean measured power × duration, else None."""
    if given_kwh is not None:
        return Figure(value=given_kwh, unit="kWh", source="given with the request", quality=Quality.ESTIMATED)
    if history is None:
        return None
    kwh = history.mean_power_kw * duration_s / HOUR
    return Figure(
        value=round(kwh, 6),
        unit="kWh",
        source=f"mean measured power {history.mean_power_kw:.6g} kW × {duration_s / HOUR:g} h",
        quality=Quality.ESTIMATED,
    )


def _parts(p: IntensityProvider) -> list[IntensityProvider]:
    return [p.primary, p.fallback] if isinstance(p, FallbackChain) else [p]


def grid_provider(
    carbon: CarbonIntensityData, region: Region | None, korean: IntensityProvider
) -> tuple[str, IntensityProvider, StaticProfile | None]:
    """(grid zone, provider, its static part) for a region: the configured Korean series in Korea;
    elsewhere live data when configured, else the region's first annual value (flat, no profile)."""
    if region is None or region.electricitymaps_zone == KOREAN_GRID:
        static = next((p for p in _parts(korean) if isinstance(p, StaticProfile)), None)
        return KOREAN_GRID, korean, static
    values = source_values(carbon, region)
    if not values:
        raise InputError(f"no annual intensity known for {region.id}", hint="see `carbon-kepler regions`")
    zone_key = region.electricitymaps_zone
    static = static_for_zone(carbon, zone_key, intensity_figure(values[0]))
    live = next((p for p in _parts(korean) if not isinstance(p, StaticProfile)), None)
    return zone_key, FallbackChain(live, static) if live else static, static


def recurring_for(
    static: StaticProfile | None, duration_s: int, at_utc: int, tz: str
) -> RecurringSchedule | None:
    """Daily schedule on the static profile of the grid (None without an hour-of-day profile)."""
    if static is None or static.profile is None:
        return None
    offset = datetime.fromtimestamp(at_utc, UTC).astimezone(zone(tz)).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    values = profile_values(static.profile, static.annual.value)
    return recurring(values, duration_s, tz, minutes, static.series(24).source)
