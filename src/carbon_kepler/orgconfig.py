"""Organisation configuration (YAML): sites and regions, PUE, renewable instruments, baselines,
reporting year and purpose, policy overrides, language. See examples/carbon-kepler.yaml.

Validated once at load against the packaged data; every error is a ConfigError naming the file, the key
path (e.g. sites[0].pue) and the allowed values.
"""

from __future__ import annotations

import re
import types
from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from carbon_kepler.carbon.emissions import configured_pue, make_instrument, region_pue
from carbon_kepler.carbon.factors import (
    CarbonIntensityData,
    FactorChoice,
    Purpose,
    choose_factor,
    load_carbon_intensity,
)
from carbon_kepler.carbon.intensity import RegionsData, load_regions
from carbon_kepler.carbon.model import Instrument, InstrumentKind
from carbon_kepler.compliance.checks import DEFAULT_MIN_COVERAGE, Baseline, CheckOptions
from carbon_kepler.compliance.rules import CheckOverride, RegulationsData, load_regulations
from carbon_kepler.core.errors import ConfigError, InputError
from carbon_kepler.core.figures import Basis, Figure
from carbon_kepler.core.period import zone

_NAME = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
_UNIT = r"^(cluster|namespace|workload):[A-Za-z0-9][-A-Za-z0-9_./]*$"


class _Cfg(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class InstrumentConfig(_Cfg):
    kind: InstrumentKind = Field(description="rec | third_party_ppa | direct_ppa | equity_investment | ...")
    share: float = Field(gt=0, le=1, description="Fraction of the site's electricity covered, (0, 1].")
    start: date | None = Field(default=None, description="First covered day (KST), inclusive.")
    end: date | None = Field(default=None, description="Day the cover ends (KST), exclusive.")
    note: str = Field(default="", description="Contract or certificate reference.")

    @model_validator(mode="after")
    def _order(self) -> InstrumentConfig:
        if self.start and self.end and self.end <= self.start:
            raise ValueError(f"end {self.end} must be after start {self.start}")
        return self


class SiteConfig(_Cfg):
    name: str = Field(pattern=_NAME, description="Site name (DNS label).")
    region: str = Field(description="Region id from regions.json, e.g. aws:ap-northeast-2.")
    clusters: tuple[str, ...] = Field(default=(), description="Kubernetes clusters running at this site.")
    pue: float | None = Field(default=None, ge=1.0, description="Facility PUE ≥ 1.0; default: provider PUE.")
    pue_source: str | None = Field(default=None, description="Where the PUE figure comes from.")
    facility_power_promql: str | None = Field(default=None, description="PromQL giving facility power (W).")
    instruments: tuple[InstrumentConfig, ...] = Field(default=(), description="Renewable instruments.")


class BaselineConfig(_Cfg):
    year: int = Field(ge=1990, description="Baseline year (not in the future).")
    emissions_tco2eq: float = Field(gt=0, description="Baseline annual emissions (tCO2eq/year).")
    basis: Basis = Field(default=Basis.LOCATION, description="location or market, compared like for like.")
    note: str = Field(default="", description="How the baseline was established.")


class ReportingConfig(_Cfg):
    year: int | None = Field(default=None, ge=1990, description="Reporting year (not in the future).")
    purpose: Purpose = Field(
        default=Purpose.LATEST, description="latest | disclosure | k-ets (domain.md §4.2)."
    )
    factor: str | None = Field(
        default=None, description="Explicit official factor id; overrides year/purpose."
    )


class PolicyConfig(_Cfg):
    min_coverage: float = Field(
        default=DEFAULT_MIN_COVERAGE, gt=0, le=1, description="Minimum data coverage."
    )
    checks: dict[str, CheckOverride] = Field(
        default_factory=dict, description="Threshold overrides by check code."
    )


class OrgConfig(_Cfg):
    version: Literal[1] = Field(default=1, description="Config schema version.")
    language: Literal["ko", "en"] = Field(default="ko", description="Output language.")
    timezone: str = Field(default="Asia/Seoul", description="Zone for hour buckets and dates.")
    reporting: ReportingConfig = Field(default_factory=ReportingConfig, description="Factor choice.")
    sites: tuple[SiteConfig, ...] = Field(min_length=1, description="Sites (facilities or cloud regions).")
    default_site: str | None = Field(default=None, description="Site of clusters not listed; default: first.")
    baselines: dict[str, BaselineConfig] = Field(default_factory=dict, description="Baselines by unit key.")
    policy: PolicyConfig = Field(default_factory=PolicyConfig, description="Policy overrides.")
    _source_path: str = PrivateAttr(default="organisation config")

    @property
    def source_path(self) -> str:
        """File the config was read from (named in every provenance string)."""
        return self._source_path

    def site(self, name: str) -> SiteConfig:
        return next(s for s in self.sites if s.name == name)

    def site_for_cluster(self, cluster: str | None) -> SiteConfig:
        match = next((s for s in self.sites if cluster is not None and cluster in s.clusters), None)
        return match or (self.site(self.default_site) if self.default_site else self.sites[0])

    def factor_choice(self, data: CarbonIntensityData) -> FactorChoice:
        r = self.reporting
        return choose_factor(data, purpose=r.purpose, reporting_year=r.year, factor_id=r.factor)

    def _site_key(self, site: SiteConfig) -> str:
        return f"{self.source_path}: sites[{self.sites.index(site)}]"

    def site_pue(self, site: SiteConfig, regions: RegionsData) -> Figure:
        """The site's configured PUE, else the provider's published one (both estimates, not measured)."""
        if site.pue is not None:
            where = f"{self._site_key(site)}.pue"
            return configured_pue(site.pue, f"{site.pue_source} ({where})" if site.pue_source else where)
        return region_pue(regions, site.region)

    def instruments(self, site: SiteConfig, data: CarbonIntensityData) -> tuple[Instrument, ...]:
        """The site's instruments with K-RE100 counting flags from the data file; dates read in `timezone`."""
        tz = zone(self.timezone)

        def ts(d: date | None) -> int | None:
            return None if d is None else int(datetime(d.year, d.month, d.day, tzinfo=tz).timestamp())

        key = self._site_key(site)
        return tuple(
            make_instrument(
                data,
                i.kind,
                i.share,
                start_utc=ts(i.start),
                end_utc=ts(i.end),
                source=f"{key}.instruments[{n}] {i.note}".strip(),
            )
            for n, i in enumerate(site.instruments)
        )

    def baseline_for(self, unit_key: str) -> Baseline | None:
        b = self.baselines.get(unit_key)
        if b is None:
            return None
        src = f"{self.source_path}: baselines.{unit_key}" + (f" ({b.note})" if b.note else "")
        return Baseline(year=b.year, emissions_tco2eq=b.emissions_tco2eq, basis=b.basis, source=src)

    def check_options(self) -> CheckOptions:
        return CheckOptions(min_coverage=self.policy.min_coverage)

    @property
    def overrides(self) -> Mapping[str, CheckOverride]:
        return self.policy.checks


# --- loading and error reporting -------------------------------------------------------------------


def _key(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _strip_optional(tp: Any) -> Any:
    if get_origin(tp) in (Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        return args[0] if len(args) == 1 else tp
    return tp


def _model_at(tp: Any, path: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The pydantic model found at a key path (to list the allowed keys of an unknown-key error)."""
    for part in path:
        tp = _strip_optional(tp)
        if (
            isinstance(tp, type)
            and issubclass(tp, BaseModel)
            and isinstance(part, str)
            and part in tp.model_fields
        ):
            tp = tp.model_fields[part].annotation
        elif get_origin(tp) in (list, tuple) and isinstance(part, int):
            tp = get_args(tp)[0]
        elif get_origin(tp) is dict:
            tp = get_args(tp)[1]
        else:
            return None
    tp = _strip_optional(tp)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def _from_validation(path: Path, exc: ValidationError) -> ConfigError:
    err = exc.errors()[0]
    loc = tuple(err["loc"])
    allowed = ""
    if err["type"] == "extra_forbidden":
        model = _model_at(OrgConfig, loc[:-1])
        names = list(model.model_fields if model else {})
        allowed = f"allowed keys: {', '.join(names)}"
    more = f" ({exc.error_count() - 1} more problem(s))" if exc.error_count() > 1 else ""
    return ConfigError(f"{path}: {_key(loc)}: {err['msg']}{more}", hint=allowed or None)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"organisation config {path} not found", hint="see examples/carbon-kepler.yaml"
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None)
        where += f" ({problem})" if problem else ""
        raise ConfigError(
            f"{path}: invalid YAML{where}", hint="fix the syntax; see examples/carbon-kepler.yaml"
        ) from None
    if not isinstance(raw, dict):
        allowed = ", ".join(OrgConfig.model_fields)
        raise ConfigError(f"{path}: (top level): expected a mapping of keys", hint=f"allowed keys: {allowed}")
    return raw


def _fail(path: Path, key: str, problem: str, allowed: str) -> ConfigError:
    return ConfigError(f"{path}: {key}: {problem}", hint=f"allowed: {allowed}")


def _check_sites(cfg: OrgConfig, path: Path, regions: RegionsData) -> None:
    names: list[str] = []
    clusters: dict[str, str] = {}
    for n, site in enumerate(cfg.sites):
        if site.region not in regions.region_ids:
            raise _fail(
                path, f"sites[{n}].region", f"unknown region {site.region!r}", ", ".join(regions.region_ids)
            )
        if site.pue is None and regions.provider_pue(site.region) is None:
            why = regions.providers[regions.region(site.region).provider].pue_source
            raise _fail(path, f"sites[{n}].pue", f"required for {site.region} ({why})", "a number ≥ 1.0")
        if site.name in names:
            raise _fail(path, f"sites[{n}].name", f"duplicate site name {site.name!r}", "a name used once")
        names.append(site.name)
        for c in site.clusters:
            if c in clusters:
                raise _fail(
                    path,
                    f"sites[{n}].clusters",
                    f"cluster {c!r} is already in site {clusters[c]!r}",
                    "each cluster in one site",
                )
            clusters[c] = site.name
    if cfg.default_site is not None and cfg.default_site not in names:
        raise _fail(path, "default_site", f"unknown site {cfg.default_site!r}", ", ".join(names))


def _check_years(cfg: OrgConfig, path: Path, today: date, data: CarbonIntensityData) -> None:
    for key, b in cfg.baselines.items():
        if not re.fullmatch(_UNIT, key):
            raise _fail(
                path,
                f"baselines.{key}",
                "unknown unit key",
                "cluster:<name>, namespace:<name>, workload:<namespace>/<name>",
            )
        if b.year > today.year:
            raise _fail(path, f"baselines.{key}.year", f"{b.year} is in the future", f"1990-{today.year}")
    r = cfg.reporting
    if r.year is not None and r.year > today.year:
        raise _fail(path, "reporting.year", f"{r.year} is in the future", f"1990-{today.year}")
    try:
        cfg.factor_choice(data)
    except InputError as exc:
        key = "reporting.factor" if r.factor else "reporting.year"
        raise ConfigError(f"{path}: {key}: {exc.message}", hint=exc.hint) from None


def _check_policy(cfg: OrgConfig, path: Path, regs: RegulationsData) -> None:
    codes = [c.code for c in regs.checks]
    for code, o in cfg.policy.checks.items():
        key = f"policy.checks.{code}"
        if code not in codes:
            raise _fail(path, key, f"unknown check {code!r}", ", ".join(codes))
        defn = regs.check(code)
        if o.threshold is not None and defn.threshold is None:
            raise _fail(path, f"{key}.threshold", "this check has a path, not one threshold", "targets")
        if o.targets is not None and not defn.targets:
            raise _fail(path, f"{key}.targets", "this check has one threshold, not a path", "threshold")
        for year, red in (o.targets or {}).items():
            if not 0 < red < 1:
                raise _fail(
                    path, f"{key}.targets.{year}", f"reduction {red}", "a fraction between 0 and 1, e.g. 0.40"
                )
    try:
        zone(cfg.timezone)
    except InputError:
        raise _fail(
            path, "timezone", f"unknown time zone {cfg.timezone!r}", "an IANA name such as Asia/Seoul"
        ) from None


def load_org_config(
    path: str | Path,
    *,
    today: date | None = None,
    carbon: CarbonIntensityData | None = None,
    regions: RegionsData | None = None,
    regulations: RegulationsData | None = None,
) -> OrgConfig:
    """Read and validate the organisation YAML; ConfigError names file, key and allowed values."""
    p = Path(path)
    raw = _read_yaml(p)
    try:
        cfg = OrgConfig.model_validate(raw)
    except ValidationError as exc:
        raise _from_validation(p, exc) from None
    cfg._source_path = str(p)
    _check_sites(cfg, p, regions or load_regions())
    _check_years(cfg, p, today or datetime.now(UTC).date(), carbon or load_carbon_intensity())
    _check_policy(cfg, p, regulations or load_regulations())
    return cfg
