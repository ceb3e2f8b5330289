"""Kepler exposition text → the counter samples the collector integrates.

Two readers produce the same (name, labels, value) samples:
  * `fast_samples` — a line filter for Prometheus text format 0.0.4 that only parses the few
    `kepler_*` families the collector needs (pod/container joules, node joules, build info, node
    watts). A node with thousands of pods exposes ~20,000 series, mostly watts/process/container
    series we never read; prometheus_client's general parser spends ~0.25 ms per line on all of
    them (BENCHMARKS.md). Equality with prometheus_client on every sample it keeps is tested.
  * prometheus_client's parsers — for OpenMetrics responses, and as the reference in tests.
Series keys exclude `state`, so a pod's `running` and `terminated` series are one counter (domain.md §2.1).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
from prometheus_client.parser import text_string_to_metric_families as parse_text

from carbon_kepler.core.errors import SourceError
from carbon_kepler.energy import kepler
from carbon_kepler.energy.model import Generation

Sample = tuple[str, dict[str, str], float]


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
    kepler.NEW_NODE_JOULES: "total",
    kepler.NEW_NODE_ACTIVE_JOULES: "active",
    kepler.NEW_NODE_IDLE_JOULES: "idle",
}
_OLD_JOULES = re.compile(r"^kepler_(container|node)_([a-z]+)_joules_total$")
_WANTED = frozenset(
    {
        kepler.NEW_POD_JOULES,
        kepler.NEW_NODE_WATTS,
        kepler.NEW_BUILD_INFO,
        kepler.OLD_BUILD_INFO,
        *_NODE_KIND_NEW,
        *(kepler.old_container_joules(z) for z in kepler.KNOWN_ZONES),
        *(kepler.old_node_joules(z) for z in kepler.KNOWN_ZONES),
    }
)
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"')
_UNESCAPE = re.compile(r"\\(.)")


def wanted(name: str) -> bool:
    return name in _WANTED


def _unescape(value: str) -> str:
    return (
        _UNESCAPE.sub(lambda m: "\n" if m.group(1) == "n" else m.group(1), value) if "\\" in value else value
    )


def _parse_line(line: str) -> Sample:
    brace = line.find("{")
    if brace == -1:
        name, _, rest = line.partition(" ")
        return name, {}, float(rest.split()[0])
    close = line.rfind("}")  # label values may hold "}", but nothing after the closing brace does
    if close < brace:
        raise ValueError(f"bad labels in {line[:120]!r}")
    labels = {k: _unescape(v) for k, v in _LABEL.findall(line, brace + 1, close)}
    return line[:brace], labels, float(line[close + 1 :].split(maxsplit=1)[0])


def fast_samples(text: str) -> Iterator[Sample]:
    """Samples of the wanted families from Prometheus text format, skipping everything else unparsed."""
    for line in text.split("\n"):  # the format separates lines by \n only (not str.splitlines' set)
        if not line.startswith("kepler_"):
            continue
        brace = line.find("{")
        name = line[:brace] if brace != -1 else line.partition(" ")[0]
        if name in _WANTED:
            yield _parse_line(line)


def library_samples(text: str, *, openmetrics: bool) -> Iterator[Sample]:
    families = parse_openmetrics(text) if openmetrics else parse_text(text)  # type: ignore[no-untyped-call]
    for fam in families:
        for s in fam.samples:
            if wanted(s.name):
                yield s.name, dict(s.labels), float(s.value)


def parse_exposition(text: str, *, openmetrics: bool = False, default_node: str = "") -> ParsedScrape:
    """Extract pod and node energy counters from one Kepler /metrics response."""
    try:
        samples = list(library_samples(text, openmetrics=True) if openmetrics else fast_samples(text))
    except ValueError as exc:
        raise SourceError(
            f"cannot parse the Kepler exposition: {exc}",
            hint="check that --kepler-url points at Kepler's /metrics",
        ) from exc
    return scrape_from_samples(samples, default_node)


def scrape_from_samples(samples: list[Sample], default_node: str = "") -> ParsedScrape:
    out = ParsedScrape(kepler.detect_generation({name for name, _, _ in samples}), None)
    for name, labels, value in samples:
        if not math.isfinite(value):  # a counter that is not a number cannot be integrated; the next
            # scrape's delta still covers this interval, so refusing the scrape loses no energy
            shown = ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
            raise SourceError(
                f"Kepler exposed {value} for {name}{{{shown}}}; energy counters must be finite numbers",
                hint="check the Kepler exporter on that node; this scrape is skipped and the next one "
                "counts the energy since the last good sample",
            )
        if name in (kepler.NEW_BUILD_INFO, kepler.OLD_BUILD_INFO):
            out.version = labels.get("version") or out.version
        elif name == kepler.NEW_NODE_WATTS:
            out.node_watts.append(value)
        elif name == kepler.NEW_POD_JOULES:
            uid, zone, node = (
                labels.get("pod_id", ""),
                labels.get("zone", ""),
                labels.get("node_name", default_node),
            )
            out.pods.append(
                PodCounter(
                    f"p|{node}|{uid}|{zone}",
                    uid,
                    labels.get("pod_namespace", ""),
                    labels.get("pod_name", ""),
                    node,
                    zone,
                    value,
                )
            )
            out.zones.add(zone)
        elif name in _NODE_KIND_NEW:
            node, zone, kind = (
                labels.get("node_name", default_node),
                labels.get("zone", ""),
                _NODE_KIND_NEW[name],
            )
            out.nodes.append(NodeCounter(f"n|{node}|{zone}|{kind}", node, zone, kind, value))
            out.zones.add(zone)
        else:
            _old_sample(out, name, labels, value, default_node)
    _old_pods_to_node(out, default_node)
    return out


def _old_pods_to_node(out: ParsedScrape, default_node: str) -> None:
    """Old-generation container series carry no node label (Prometheus adds `instance` at scrape): on a
    direct scrape, file the pods under the node that this Kepler's node counters name."""
    nodes = {n.node for n in out.nodes}
    if out.generation is not Generation.OLD or len(nodes) != 1:
        return
    node = nodes.pop()
    out.pods = [
        p._replace(node=node, key=p.key.replace(f"c|{default_node}|", f"c|{node}|", 1))
        if p.node == default_node
        else p
        for p in out.pods
    ]


def _old_sample(
    out: ParsedScrape, name: str, labels: dict[str, str], value: float, default_node: str
) -> None:
    m = _OLD_JOULES.match(name)
    if m is None or m.group(2) not in kepler.KNOWN_ZONES:
        return
    level, zone = m.group(1), m.group(2)
    mode = labels.get("mode", "dynamic")
    if level == "container" and mode == "dynamic":
        ns, pod = labels.get("container_namespace", ""), labels.get("pod_name", "")
        node = labels.get("instance") or default_node
        # Old generation has no pod UID: namespace/name identifies the pod; containers are separate counters.
        out.pods.append(
            PodCounter(
                f"c|{node}|{labels.get('container_id', '')}|{zone}", f"{ns}/{pod}", ns, pod, node, zone, value
            )
        )
    elif level == "node":
        node = labels.get("exported_instance") or labels.get("instance") or default_node
        kind = "active" if mode == "dynamic" else "idle"
        out.nodes.append(
            NodeCounter(f"n|{node}|{zone}|{kind}|{labels.get('package', '')}", node, zone, kind, value)
        )
    else:
        return
    out.zones.add(zone)
