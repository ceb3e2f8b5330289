"""Both Kepler metric generations: names, labels, generation and version detection, fake-meter signs.

domain.md §2.1 (v0.10–v0.11.x, `node_name` label, pods get active energy only) and §2.2 (v0.7–v0.9,
container series with `mode=dynamic|idle`, no pod series, no pod UID). Everything downstream sees one
model (energy/model.py); this module is the only place that knows metric names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from carbon_kepler.core.figures import Notice
from carbon_kepler.energy.model import Generation

DEFAULT_ZONES: tuple[str, ...] = ("package", "dram")
KNOWN_ZONES = frozenset({"package", "dram", "core", "uncore", "psys", "platform", "gpu", "other"})

# New generation (v0.10+)
NEW_POD_JOULES = "kepler_pod_cpu_joules_total"
NEW_NODE_JOULES = "kepler_node_cpu_joules_total"
NEW_NODE_ACTIVE_JOULES = "kepler_node_cpu_active_joules_total"
NEW_NODE_IDLE_JOULES = "kepler_node_cpu_idle_joules_total"
NEW_NODE_WATTS = "kepler_node_cpu_watts"
NEW_BUILD_INFO = "kepler_build_info"

# Old generation (v0.7–v0.9): one metric per zone; `mode` splits dynamic (active) and idle.
OLD_BUILD_INFO = "kepler_exporter_build_info"
OLD_NODE_INFO = "kepler_node_info"
OLD_CONTAINER_TOTAL = "kepler_container_joules_total"


def old_container_joules(zone: str) -> str:
    return f"kepler_container_{zone}_joules_total"


def old_node_joules(zone: str) -> str:
    return f"kepler_node_{zone}_joules_total"


@dataclass(frozen=True)
class KnownGap:
    version_prefix: str
    fixed_in: str
    message: str


# Versions with known measurement gaps (domain.md §2.1): warn, never hide.
KNOWN_GAPS: tuple[KnownGap, ...] = (
    KnownGap(
        "v0.11.2",
        "v0.11.3",
        "Kepler v0.11.2 misses some Guaranteed-QoS pods on certain cgroup layouts; "
        "their energy is not attributed (fixed in v0.11.3). Upgrade Kepler to ≥ v0.11.3.",
    ),
    KnownGap("v0.11.0", "v0.11.3", "Kepler v0.11.0 has known attribution gaps; upgrade to ≥ v0.11.3."),
    KnownGap("v0.11.1", "v0.11.3", "Kepler v0.11.1 has known attribution gaps; upgrade to ≥ v0.11.3."),
)


def detect_generation(metric_names: Iterable[str]) -> Generation | None:
    """Build-info metrics first, then the energy metric names themselves."""
    names = set(metric_names)
    if NEW_BUILD_INFO in names or NEW_POD_JOULES in names or NEW_NODE_JOULES in names:
        return Generation.NEW
    if OLD_BUILD_INFO in names or OLD_CONTAINER_TOTAL in names or OLD_NODE_INFO in names:
        return Generation.OLD
    if any(re.fullmatch(r"kepler_container_[a-z]+_joules_total", n) for n in names):
        return Generation.OLD
    return None


def version_notices(version: str | None) -> list[Notice]:
    if not version:
        return []
    return [
        Notice(code="KEPLER_KNOWN_GAP", message=gap.message)
        for gap in KNOWN_GAPS
        if version.startswith(gap.version_prefix)
    ]


# Kepler's dev-only fake CPU meter reports zones like "package-0" and microwatt powers (domain.md §2.1).
_FAKE_ZONE = re.compile(r"^[a-z]+-\d+$")
FAKE_METER_MAX_NODE_WATTS = 0.01


def fake_meter_notice(zones: Iterable[str], node_watts: Iterable[float]) -> Notice | None:
    """A Notice when the data looks like Kepler's fake meter rather than RAPL measurement."""
    fake_zones = sorted({z for z in zones if _FAKE_ZONE.match(z)})
    watts = [w for w in node_watts if w > 0]
    tiny = bool(watts) and max(watts) < FAKE_METER_MAX_NODE_WATTS
    if not fake_zones and not tiny:
        return None
    reasons = []
    if fake_zones:
        reasons.append(f"zone label(s) {', '.join(fake_zones)}")
    if tiny:
        reasons.append(f"node power ≤ {max(watts):.2g} W (microwatt scale)")
    return Notice(
        code="FAKE_METER",
        message="Kepler's fake CPU meter detected ("
        + "; ".join(reasons)
        + "): these numbers are NOT measurements. Run Kepler on hardware with RAPL, "
        "or use the documented estimation fallback.",
    )


def validate_zones(zones: Iterable[str]) -> tuple[str, ...]:
    from carbon_kepler.core.errors import InputError

    out = tuple(dict.fromkeys(z.strip() for z in zones if z.strip()))
    if not out:
        raise InputError("zone set is empty", hint="use e.g. --zones package,dram")
    unknown = [z for z in out if z not in KNOWN_ZONES]
    if unknown:
        raise InputError(
            f"unknown zone(s) {', '.join(unknown)}", hint=f"allowed: {', '.join(sorted(KNOWN_ZONES))}"
        )
    if "psys" in out and len(out) > 1:
        raise InputError(
            "zone psys is the whole platform and already contains the others", hint="use psys alone"
        )
    if "package" in out and ({"core", "uncore"} & set(out)):
        raise InputError(
            "core and uncore are inside package; summing them double-counts", hint="use package,dram"
        )
    return out
