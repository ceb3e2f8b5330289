"""Unit conversions used across the pipeline. Energy is carried in joules internally.

1 kWh = 3.6e6 J (domain.md §4.1). Names carry units where a bare number crosses a boundary.
"""

from __future__ import annotations

JOULES_PER_KWH = 3.6e6
GRAMS_PER_TONNE = 1_000_000.0


def joules_to_kwh(joules: float) -> float:
    return joules / JOULES_PER_KWH


def kg_per_kwh_to_g_per_kwh(factor: float) -> float:
    """tCO2eq/MWh == kgCO2eq/kWh; ×1000 → gCO2eq/kWh."""
    return factor * 1_000.0
