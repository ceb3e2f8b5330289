"""Provenance as a type: every number that leaves the core is a Figure that says its unit and source."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Quality(StrEnum):
    MEASURED = "measured"
    ESTIMATED = "estimated"


class Basis(StrEnum):
    LOCATION = "location"
    MARKET = "market"


class Figure(BaseModel):
    """A number with its unit, source, vintage and whether it was measured or estimated."""

    model_config = ConfigDict(frozen=True)

    value: float = Field(description="The number, in `unit`.")
    unit: str = Field(description="Unit of `value`, e.g. kWh, gCO2eq, gCO2eq/kWh.")
    source: str = Field(description="Where the number comes from (data source, factor or method).")
    year: int | None = Field(default=None, description="Vintage of the factor or data, when it has one.")
    basis: Basis | None = Field(default=None, description="location- or market-based (emissions only).")
    quality: Quality = Field(default=Quality.MEASURED, description="measured (Kepler) or estimated.")


class Notice(BaseModel):
    """Something the user must know about a result (fallback used, data gap, known Kepler bug)."""

    model_config = ConfigDict(frozen=True)

    code: str = Field(description="Stable machine code, e.g. FAKE_METER, KEPLER_RESTART, FALLBACK_INTENSITY.")
    message: str = Field(description="One line for a person.")
