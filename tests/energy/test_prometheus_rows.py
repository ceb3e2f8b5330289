"""Prometheus energy rows → PodHour: one row per pod and hour, summed over the (already selected) zones; each
pod with its owner (kube_pod_owner when listed, else the pod-name convention)."""

from __future__ import annotations

from carbon_kepler.energy.model import ZONE_SET, Owner, PodHour
from carbon_kepler.energy.owners import CONVENTION
from carbon_kepler.energy.prometheus.source import _pod_rows

H = 1_795_000_000 - 1_795_000_000 % 3600


def labels(**kv: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(kv.items()))


def test_new_generation_zones_of_one_pod_hour_become_one_row() -> None:
    pod = {"node_name": "n1", "pod_namespace": "ai-team", "pod_name": "train-1", "pod_id": "u1"}
    rows = {
        (labels(**pod, zone="package"), H): 300.0,
        (labels(**pod, zone="dram"), H): 20.0,
        (labels(**pod, zone="package"), H + 3600): 100.0,
    }
    job = Owner("Job", "train", "kube_pod_owner")
    cols = _pod_rows(rows, old=False, owners={"u1": job})
    assert [p.owner for p in cols.pods] == [job]
    assert sorted(cols) == [
        PodHour(H, "n1", "ai-team", "train-1", "u1", ZONE_SET, 320.0),
        PodHour(H + 3600, "n1", "ai-team", "train-1", "u1", ZONE_SET, 100.0),
    ]


def test_old_generation_pods_are_keyed_namespace_slash_name() -> None:
    pod = {"instance": "n2", "container_namespace": "web", "pod_name": "api-0"}
    rows = {(labels(**pod, zone="core"), H): 5.0, (labels(**pod, zone="dram"), H): 1.5}
    cols = _pod_rows(rows, old=True, owners={})
    assert cols == [PodHour(H, "n2", "web", "api-0", "web/api-0", ZONE_SET, 6.5)]
    assert [p.owner for p in cols.pods] == [Owner("StatefulSet", "api", CONVENTION)]  # not listed: by name
