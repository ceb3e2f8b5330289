import tracemalloc

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carbon_kepler.core.errors import InputError
from carbon_kepler.core.period import HOUR
from carbon_kepler.energy.attribution import Policy, attribute
from carbon_kepler.energy.model import EnergyData, NodeHour, PodHour


def _data(
    pods: list[tuple[str, float]], total: float, idle: float, requests: dict[str, float] | None = None
) -> EnergyData:
    return EnergyData(
        pod_hours=[PodHour(0, "n1", "ns", f"p-{uid}", uid, "package", j) for uid, j in pods],
        node_hours=[NodeHour(0, "n1", "package", total, total - idle, idle)],
        zones=("package",),
        cpu_requests=requests,
    )


def test_proportional_gives_remainder_by_active_share() -> None:
    # node total 1000 J, pods active 100 + 300 = 400 → remainder 600 split 1:3 → 150 and 450.
    att = attribute(_data([("a", 100.0), ("b", 300.0)], total=1000.0, idle=500.0), Policy.PROPORTIONAL)
    alloc = {w.pod_uid: w.allocated_j for w in att.workloads}
    assert alloc == pytest.approx({"a": 150.0, "b": 450.0})
    node = att.nodes[0]
    assert node.unallocated_j == pytest.approx(0.0)


def test_none_policy_leaves_remainder_unallocated() -> None:
    att = attribute(_data([("a", 100.0)], total=1000.0, idle=800.0), Policy.NONE)
    assert att.workloads[0].allocated_j == 0.0
    assert att.nodes[0].unallocated_j == pytest.approx(900.0)


def test_by_cpu_request_uses_requests_and_needs_them() -> None:
    att = attribute(
        _data([("a", 100.0), ("b", 300.0)], 1000.0, 500.0, {"a": 3.0, "b": 1.0}), Policy.BY_CPU_REQUEST
    )
    assert {w.pod_uid: w.allocated_j for w in att.workloads} == pytest.approx({"a": 450.0, "b": 150.0})
    with pytest.raises(InputError, match="kube-state-metrics"):
        attribute(_data([("a", 1.0)], 10.0, 5.0, None), Policy.BY_CPU_REQUEST)


def test_zones_outside_the_set_are_ignored() -> None:
    data = _data([("a", 100.0)], 1000.0, 500.0)
    data.pod_hours.append(PodHour(0, "n1", "ns", "p-a", "a", "core", 50.0))
    att = attribute(data, Policy.NONE)
    assert att.workloads[0].active_j == 100.0


@given(
    st.lists(st.floats(min_value=0, max_value=1e6), min_size=0, max_size=8),
    st.floats(min_value=0, max_value=1e7),
    st.sampled_from(list(Policy)),
)
def test_workloads_plus_unallocated_equal_node_total(
    actives: list[float], extra: float, policy: Policy
) -> None:
    pods = [(f"u{i}", a) for i, a in enumerate(actives)]
    total = sum(actives) + extra
    requests = {uid: 1.0 + i for i, (uid, _) in enumerate(pods)}
    att = attribute(_data(pods, total, extra / 2, requests), policy)
    node = att.nodes[0]
    assigned = sum(w.active_j + w.allocated_j for w in att.workloads)
    assert assigned + node.unallocated_j == pytest.approx(node.total_j, rel=1e-9, abs=1e-6)


def test_a_pod_that_moved_node_counts_once_per_group() -> None:
    """Old-generation Kepler has no pod uid (the source uses ns/pod): a StatefulSet pod rescheduled to another
    node appears under two nodes with one uid. Workload, namespace and pod groups count it once; each node once."""
    data = EnergyData(
        pod_hours=[
            PodHour(0, "n1", "db", "pg-0", "db/pg-0", "package", 100.0),
            PodHour(HOUR, "n2", "db", "pg-0", "db/pg-0", "package", 100.0),
            PodHour(HOUR, "n2", "db", "pg-1", "db/pg-1", "package", 50.0),
        ],
        node_hours=[
            NodeHour(0, "n1", "package", 400.0, 300.0, 100.0),
            NodeHour(HOUR, "n2", "package", 400.0, 300.0, 100.0),
        ],
        zones=("package",),
    )
    cols = attribute(data, Policy.PROPORTIONAL).workloads
    assert len(cols.pods) == 3  # one PodInfo per (pod, node)
    for key, want in [
        (lambda p: f"{p.namespace}/{p.owner.name}", {"db/pg": 2}),
        (lambda p: p.namespace, {"db": 2}),
        (lambda p: f"{p.namespace}/{p.pod}", {"db/pg-0": 1, "db/pg-1": 1}),
        (lambda p: p.node, {"n1": 1, "n2": 2}),
    ]:
        g = cols.groups(key)
        assert dict(zip(g.keys, cols.pods_per_group(g).tolist(), strict=True)) == want


def test_sparse_node_names_get_only_the_slots_that_occur() -> None:
    """Old Kepler names a node by its exporter instance, which changes on restart: over a year, 800 names each
    seen for one hour. Attribution numbers the (node, hour) pairs that occur, not a dense 800 x 800 grid."""
    n = 800
    data = EnergyData(
        pod_hours=[
            PodHour(i * 11 * HOUR, f"node-{i:03d}", "ns", f"p{i}", f"u{i}", "package", 10.0) for i in range(n)
        ],
        node_hours=[NodeHour(i * 11 * HOUR, f"node-{i:03d}", "package", 30.0, 20.0, 10.0) for i in range(n)],
        zones=("package",),
    )
    tracemalloc.start()
    try:
        att = attribute(data, Policy.PROPORTIONAL)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(att.nodes) == n
    assert [(b.node, b.hour_utc) for b in att.nodes] == [(f"node-{i:03d}", i * 11 * HOUR) for i in range(n)]
    assert [w.allocated_j for w in att.workloads] == [20.0] * n
    # a dense grid would hold 640,000 slots in several float arrays (> 5 MB each)
    assert peak < 5_000_000, f"attribution of {n} node-hours peaked at {peak / 1e6:.1f} MB"
