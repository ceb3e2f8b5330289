"""Embodied carbon (SCI M) and SCI per functional unit, arithmetic written out (domain.md §4.1)."""

from __future__ import annotations

import pytest

from carbon_kepler.carbon.emissions import emissions
from carbon_kepler.carbon.factors import CarbonIntensityData
from carbon_kepler.carbon.sci import embodied, embodied_for_family, sci_score
from carbon_kepler.core.errors import InputError
from carbon_kepler.core.figures import Quality
from tests.carbon.helpers import day_window, flat, pue


def test_golden_embodied_share_of_a_c5_server(ci: CarbonIntensityData) -> None:
    # M = TE x (TiR / EL) x (RR / ToR)
    #   = 1,344 kg x (720 h / 35,040 h) x (2 vCPU / 96 vCPU)
    #   = 1,344,000 g x 0.0205479 x 0.0208333 = 575.342 g
    m = embodied_for_family(ci, "c5", reserved_hours=720, requested_cpu=2, allocatable_cpu=96)
    assert m.value == pytest.approx(1_344_000 * 720 / 35_040 * 2 / 96)
    assert round(m.value, 3) == 575.342
    assert m.unit == "gCO2eq" and m.quality is Quality.ESTIMATED and "Cloud Carbon Footprint" in m.source


def test_sci_per_request_adds_embodied_to_location_based_operational() -> None:
    # operational E x I = 12.5 kWh x 1.135 x 417.3 = 5,920.44375 g; M = 575.342 g
    # SCI = (5,920.44375 + 575.342) / 1,000 requests = 6.4958 g/request
    window = day_window({8: 12.5})
    result = emissions(window, flat(417.3, window), pue(1.135))
    m = embodied(1344, 720, 2 / 96, lifespan_hours=35_040, source="CCF")
    sci = sci_score(result, m, 1000, "request")
    assert sci.sci is not None and sci.sci.value == pytest.approx((5920.44375 + 575.3425) / 1000, rel=1e-6)
    assert sci.sci.unit == "gCO2eq/request" and "ISO/IEC 21031" in sci.sci.source
    assert "/ 1000 request" in sci.method


def test_sci_with_no_functional_units_is_undefined_not_infinite() -> None:
    window = day_window({8: 1.0})
    result = emissions(window, flat(417.3, window), pue(1.0))
    sci = sci_score(result, embodied(1344, 1, 0.1, lifespan_hours=35_040, source="CCF"), 0, "request")
    assert sci.sci is None and sci.warnings[0].code == "SCI_NO_UNITS"


def test_negative_units_resource_share_above_one_and_unknown_family_are_refused(
    ci: CarbonIntensityData,
) -> None:
    window = day_window({8: 1.0})
    result = emissions(window, flat(417.3, window), pue(1.0))
    with pytest.raises(InputError, match="negative"):
        sci_score(result, embodied(1, 1, 0.5, lifespan_hours=10, source="x"), -1, "request")
    with pytest.raises(InputError, match="outside 0-1"):
        embodied(1344, 10, 1.5, lifespan_hours=35_040, source="x")
    with pytest.raises(InputError, match="allowed: c5"):
        embodied_for_family(ci, "m7g", reserved_hours=1, requested_cpu=1, allocatable_cpu=4)
