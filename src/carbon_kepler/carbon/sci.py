"""Embodied carbon (SCI M) and the Software Carbon Intensity per functional unit (domain.md §4.1).

M = TE x (TiR / EL) x (RR / ToR); SCI = (E x I + M) / R. SCI is location-based by definition
(ISO/IEC 21031:2024 excludes market-based instruments), so operational emissions come from the
location-based result, PUE included.
"""

from __future__ import annotations

from carbon_kepler.carbon.factors import CarbonIntensityData
from carbon_kepler.carbon.model import EmissionsResult, SciResult
from carbon_kepler.core.errors import InputError
from carbon_kepler.core.figures import Figure, Notice, Quality

GRAMS_PER_KG = 1_000.0


def embodied(
    total_embodied_kgco2eq: float,
    reserved_hours: float,
    resource_share: float,
    *,
    lifespan_hours: float,
    source: str,
) -> Figure:
    """M = TE x (TiR / EL) x (RR / ToR) in gCO2eq; always an estimate."""
    if total_embodied_kgco2eq < 0 or reserved_hours < 0 or lifespan_hours <= 0:
        raise InputError("embodied carbon needs TE ≥ 0, reserved hours ≥ 0 and a lifespan > 0")
    if not 0 <= resource_share <= 1:
        raise InputError(
            f"resource share {resource_share:g} is outside 0-1",
            hint="RR/ToR = the pod's CPU request over the node's allocatable CPU",
        )
    grams = total_embodied_kgco2eq * GRAMS_PER_KG * (reserved_hours / lifespan_hours) * resource_share
    return Figure(
        value=grams,
        unit="gCO2eq",
        source=f"M = {total_embodied_kgco2eq:g} kg x ({reserved_hours:g} h / {lifespan_hours:g} h) x "
        f"{resource_share:.6g} ({source})",
        quality=Quality.ESTIMATED,
    )


def embodied_for_family(
    data: CarbonIntensityData,
    family: str,
    *,
    reserved_hours: float,
    requested_cpu: float,
    allocatable_cpu: float,
) -> Figure:
    """Embodied share of a pod on a node of a known instance family (TE from carbon-intensity.json)."""
    coeff = next((c for c in data.embodied if c.family == family), None)
    if coeff is None:
        allowed = ", ".join(c.family for c in data.embodied)
        raise InputError(
            f"no embodied-carbon coefficient for instance family {family!r}", hint=f"allowed: {allowed}"
        )
    if allocatable_cpu <= 0:
        raise InputError("node allocatable CPU must be > 0")
    return embodied(
        coeff.total_embodied_kgco2eq,
        reserved_hours,
        requested_cpu / allocatable_cpu,
        lifespan_hours=data.sci_defaults.expected_lifespan_hours,
        source=coeff.source,
    )


def sci_score(
    result: EmissionsResult, embodied_g: Figure, functional_units: float, unit_name: str
) -> SciResult:
    """(E x I + M) / R per functional unit; None with a warning when R is 0."""
    if functional_units < 0:
        raise InputError(f"functional-unit count {functional_units:g} is negative")
    operational = result.location_based
    total = operational.value + embodied_g.value
    r = Figure(
        value=functional_units,
        unit=unit_name,
        source="functional-unit count for the window",
        quality=result.it_energy.quality,
    )
    method = (
        f"SCI = (E x I + M) / R = ({operational.value:.6g} g + {embodied_g.value:.6g} g) / "
        f"{functional_units:g} {unit_name}"
    )
    if functional_units == 0:
        notice = Notice(code="SCI_NO_UNITS", message=f"no {unit_name} in the window: SCI is undefined")
        return SciResult(
            operational=operational,
            embodied=embodied_g,
            functional_units=r,
            sci=None,
            method=method,
            warnings=(notice,),
        )
    sci = Figure(
        value=total / functional_units,
        unit=f"gCO2eq/{unit_name}",
        source="ISO/IEC 21031:2024 SCI, location-based operational + embodied",
        year=operational.year,
        basis=operational.basis,
        quality=Quality.ESTIMATED,
    )
    return SciResult(operational=operational, embodied=embodied_g, functional_units=r, sci=sci, method=method)
