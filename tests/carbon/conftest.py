"""Fixtures for the carbon stage: the packaged data files and the default KR profile."""

from __future__ import annotations

import pytest

from carbon_kepler.carbon.factors import CarbonIntensityData, choose_factor, load_carbon_intensity
from carbon_kepler.carbon.intensity import RegionsData, StaticProfile, load_regions, official_kr_profile


@pytest.fixture(scope="session")
def ci() -> CarbonIntensityData:
    return load_carbon_intensity()


@pytest.fixture(scope="session")
def regions() -> RegionsData:
    return load_regions()


@pytest.fixture(scope="session")
def kr_profile(ci: CarbonIntensityData) -> StaticProfile:
    """KR profile scaled to the default (latest, 2023) official factor 417.3 g/kWh."""
    return official_kr_profile(ci, choose_factor(ci))
