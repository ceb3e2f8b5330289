"""Fixtures for the compliance stage (reuses the carbon fixtures)."""

from __future__ import annotations

import pytest

from carbon_kepler.compliance.rules import RegulationsData, load_regulations
from tests.carbon.conftest import ci, kr_profile, regions

__all__ = ["ci", "kr_profile", "regions", "regs"]


@pytest.fixture(scope="session")
def regs() -> RegulationsData:
    return load_regulations()
