"""The columnar attribution equals the plain per-row algorithm it replaced, row for row, on collector data."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from carbon_kepler.energy.attribution import Policy, attribute
from carbon_kepler.energy.model import EnergyData, WorkloadHour
from carbon_kepler.energy.owners import owner_from_name
from carbon_kepler.energy.source import StoreSource


def _reference(data: EnergyData, policy: Policy) -> tuple[list[WorkloadHour], dict[tuple[str, int], float]]:
    """Per (node, hour): remainder = node total − Σ pods' active, shared by weight; rows in (node, hour, uid)."""
    zones = set(data.zones)
    totals: dict[tuple[str, int], float] = {}
    for n in data.node_hours:
        if n.zone in zones:
            totals[(n.node, n.hour_utc)] = totals.get((n.node, n.hour_utc), 0.0) + n.total_j
    members: dict[tuple[str, int], dict[str, float]] = {}
    names: dict[str, tuple[str, str]] = {}
    for r in data.pod_hours:
        slot = members.setdefault((r.node, r.hour_utc), {})
        slot[r.pod_uid] = slot.get(r.pod_uid, 0.0) + r.joules
        names.setdefault(r.pod_uid, (r.namespace, r.pod))
    rows, unallocated = [], {}
    for key in sorted(totals.keys() | members.keys()):
        pods = sorted(members.get(key, {}).items())
        active = sum(a for _, a in pods)
        remainder = max(totals.get(key, 0.0) - active, 0.0)
        if policy is Policy.PROPORTIONAL:
            weights = dict(pods)
        elif policy is Policy.BY_CPU_REQUEST:
            assert data.cpu_requests is not None
            weights = {uid: data.cpu_requests.get(uid, 0.0) for uid, _ in pods}
        else:
            weights = {}
        wsum = sum(weights.values())
        given = 0.0
        for uid, a in pods:
            share = remainder * weights.get(uid, 0.0) / wsum if wsum > 0 and remainder > 0 else 0.0
            given += share
            ns, pod = names[uid]
            rows.append(WorkloadHour(key[1], key[0], ns, pod, uid, owner_from_name(pod), a, share))
        unallocated[key] = totals.get(key, 0.0) - active - given
    return rows, unallocated


@pytest.mark.parametrize("policy", list(Policy))
def test_columnar_attribution_equals_the_per_row_reference(store_6h: Path, policy: Policy) -> None:
    source = StoreSource(store_6h)
    period = source.default_period()
    assert period is not None
    data = source.fetch(period, ("package", "dram"))
    uids = sorted({r.pod_uid for r in data.pod_hours})
    data = replace(
        data, cpu_requests={u: 0.1 * (1 + i % 7) for i, u in enumerate(uids[::2])}
    )  # some pods none
    got = attribute(data, policy)
    want, unallocated = _reference(data, policy)
    assert len(got.workloads) == len(want) > 100
    for g, w in zip(got.workloads, want, strict=True):
        assert g[:6] == w[:6]  # hour, node, namespace, pod, uid, owner: same rows in the same order
        assert g.active_j == pytest.approx(w.active_j, rel=1e-12)
        assert g.allocated_j == pytest.approx(w.allocated_j, rel=1e-9, abs=1e-9)
    if policy is not Policy.NONE:
        assert sum(w.allocated_j for w in want) > 0  # the comparison covers real allocations
    assert {(n.node, n.hour_utc): n.unallocated_j for n in got.nodes} == pytest.approx(unallocated, abs=1e-6)
