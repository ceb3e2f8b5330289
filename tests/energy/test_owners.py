import pytest

from carbon_kepler.energy.owners import owner_from_kube, owner_from_name


@pytest.mark.parametrize(
    ("pod", "kind", "name"),
    [
        ("web-7d9f8b6c5d-x2kq4", "Deployment", "web"),
        ("etl-nightly-29384520-mz5rt", "CronJob", "etl-nightly"),
        ("postgres-0", "StatefulSet", "postgres"),
        ("kepler-7xk2p", "Workload", "kepler"),
        ("standalone", "Pod", "standalone"),
    ],
)
def test_owner_by_pod_name_convention(pod: str, kind: str, name: str) -> None:
    owner = owner_from_name(pod)
    assert (owner.kind, owner.name) == (kind, name)
    assert owner.source == "pod-name convention"


def test_kube_pod_owner_resolves_replicaset_to_deployment() -> None:
    parents = {("ReplicaSet", "api-6b8c9d7f5"): ("Deployment", "api")}
    assert owner_from_kube("ReplicaSet", "api-6b8c9d7f5", parents).name == "api"
    # without kube_replicaset_owner the hash is stripped
    assert owner_from_kube("ReplicaSet", "web-7d9f8b6c5d", {}).name == "web"
    assert owner_from_kube("Job", "etl-nightly-29384520", {}).kind == "CronJob"
    assert owner_from_kube("StatefulSet", "postgres", {}).name == "postgres"
