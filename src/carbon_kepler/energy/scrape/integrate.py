"""Pure counter integration: deltas with reset detection, spread linearly over hour buckets.

A counter that drops was reset (Kepler restart, wrap): the new value is counted from zero
(domain.md §2.1). Energy between two samples is spread linearly over [t0, t1], split at hour
boundaries — the collector knows sample times exactly, so this is the 'integrate counter samples'
method (under 1 % per hour, domain.md §2.1).
"""

from __future__ import annotations

from carbon_kepler.core.period import HOUR


def counter_delta(previous: float, current: float, *, reset: bool = False) -> float:
    """Increase between two samples; a drop (or a known reset) counts the new value from zero."""
    if reset or current < previous:
        return current
    return current - previous


def spread(joules: float, t0: float, t1: float) -> list[tuple[int, float]]:
    """Split `joules` accrued uniformly over [t0, t1] into (hour start, joules) pieces."""
    if joules == 0.0:
        return []
    if t1 <= t0:
        return [(int(t1 // HOUR) * HOUR, joules)]
    out: list[tuple[int, float]] = []
    span = t1 - t0
    hour = int(t0 // HOUR) * HOUR
    while hour < t1:
        lo, hi = max(t0, hour), min(t1, hour + HOUR)
        if hi > lo:
            out.append((hour, joules * (hi - lo) / span))
        hour += HOUR
    return out


def spread_seconds(t0: float, t1: float) -> list[tuple[int, float]]:
    """Seconds of [t0, t1] that fall in each hour (for data coverage)."""
    return spread(t1 - t0, t0, t1) if t1 > t0 else []
