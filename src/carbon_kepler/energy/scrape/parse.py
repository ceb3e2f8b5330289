"""Kepler exposition text → the counter samples the collector integrates (prometheus_client parsers).

Both generations and both formats (Prometheus text 0.0.4 and OpenMetrics) are accepted. Series keys
exclude `state`, so a pod's `running` and `terminated` series are one counter (domain.md §2.1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
from prometheus_client.parser import text_string_to_metric_families as parse_text

from carbon_kepler.core.errors import SourceError
from carbon_kepler.energy import kepler
from carbon_kepler.energy.model import Generation


class PodCounter(NamedTuple):
    key: str  # stable series key without `state`
    pod_uid: str
    namespace: str
    pod: str
    node: str
    zone: str
    value: float


class NodeCounter(NamedTuple):
    key: str
    node: str
    zone: str
    kind: str  # total | active | idle
    value: float


@dataclass
class ParsedScrape:
    generation: Generation | None
    version: str | None
    pods: list[PodCounter] = field(default_factory=list)
    nodes: list[NodeCounter] = field(default_factory=list)
    zones: set[str] = field(default_factory=set)
    node_watts: list[float] = field(default_factory=list)


_NODE_KIND_NEW = {
    kepler.NEW_NODE_JOULES[: -len("_total")]: "total",
    kepler.NEW_NODE_ACTIVE_JOULES[: -len("_total")]: "active",
    kepler.NEW_NODE_IDLE_JOULES[: -len("_total")]: "idle",
}


def _families(text: str, openmetrics: bool) -> list[Any]:
    try:
        if openmetrics:
            return list(parse_openmetrics(text))  # type: ignore[no-untyped-call]
        return list(parse_text(text))
    except ValueError as exc:
        raise SourceError(
            f"cannot parse the Kepler exposition: {exc}",
            hint="check that --kepler-url points at Kepler's /metrics",
        ) from exc


def _new_pod(labels: dict[str, str], value: float) -> PodCounter:
    uid, zone, node = labels.get("pod_id", ""), labels.get("zone", ""), labels.get("node_name", "")
    return PodCounter(
        f"p|{node}|{uid}|{zone}",
        uid,
        labels.get("pod_namespace", ""),
        labels.get("pod_name", ""),
        node,
        zone,
        value,
    )


def _old_container(labels: dict[str, str], zone: str, value: float, default_node: str) -> PodCounter:
    ns, pod = labels.get("container_namespace", ""), labels.get("pod_name", "")
    node = labels.get("instance") or default_node
    # Old generation has no pod UID: namespace/name identifies the pod; containers are separate counters.
    return PodCounter(
        f"c|{node}|{labels.get('container_id', '')}|{zone}", f"{ns}/{pod}", ns, pod, node, zone, value
    )


def parse_exposition(text: str, *, openmetrics: bool = False, default_node: str = "") -> ParsedScrape:
    """Extract pod and node energy counters from one Kepler /metrics response."""
    fams = _families(text, openmetrics)
    names = {f.name for f in fams} | {f.name + "_total" for f in fams if f.type == "counter"}
    out = ParsedScrape(kepler.detect_generation(names), None)
    for fam in fams:
        _collect_family(out, fam, default_node)
    return out


def _collect_family(out: ParsedScrape, fam, default_node: str) -> None:  # type: ignore[no-untyped-def]
    name = fam.name
    if name in (kepler.NEW_BUILD_INFO, kepler.OLD_BUILD_INFO):
        for s in fam.samples:
            out.version = s.labels.get("version") or out.version
        return
    if name == kepler.NEW_NODE_WATTS:
        out.node_watts.extend(s.value for s in fam.samples)
        return
    if name == kepler.NEW_POD_JOULES[: -len("_total")]:
        for s in fam.samples:
            if s.name.endswith("_total"):
                pc = _new_pod(s.labels, s.value)
                out.pods.append(pc)
                out.zones.add(pc.zone)
        return
    kind = _NODE_KIND_NEW.get(name)
    if kind:
        for s in fam.samples:
            if s.name.endswith("_total"):
                node, zone = s.labels.get("node_name", default_node), s.labels.get("zone", "")
                out.nodes.append(NodeCounter(f"n|{node}|{zone}|{kind}", node, zone, kind, s.value))
                out.zones.add(zone)
        return
    _collect_old(out, fam, default_node)


def _collect_old(out: ParsedScrape, fam, default_node: str) -> None:  # type: ignore[no-untyped-def]
    parts = fam.name.split("_")
    if len(parts) != 4 or parts[0] != "kepler" or parts[3] != "joules" or parts[2] not in kepler.KNOWN_ZONES:
        return
    level, zone = parts[1], parts[2]
    for s in fam.samples:
        if not s.name.endswith("_total"):
            continue
        mode = s.labels.get("mode", "dynamic")
        if level == "container" and mode == "dynamic":
            out.pods.append(_old_container(s.labels, zone, s.value, default_node))
        elif level == "node":
            node = s.labels.get("exported_instance") or s.labels.get("instance") or default_node
            kind = "active" if mode == "dynamic" else "idle"
            key = f"n|{node}|{zone}|{kind}|{s.labels.get('package', '')}"
            out.nodes.append(NodeCounter(key, node, zone, kind, s.value))
        else:
            continue
        out.zones.add(zone)
