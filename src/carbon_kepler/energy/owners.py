"""Pod → owner workload: from kube-state-metrics `kube_pod_owner` when present, else name conventions.

Conventions (Kubernetes controllers): Deployment pods are `<deploy>-<pod-template-hash>-<5>`, CronJob
pods `<cronjob>-<scheduled minute as 8+ digits>-<5>`, StatefulSet pods `<sts>-<ordinal>`, DaemonSet and
Job pods `<name>-<5>` (ambiguous, reported as kind "Workload").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

from carbon_kepler.energy.model import Owner

_RAND = "[bcdfghjklmnpqrstvwxz2456789]"
_DEPLOY = re.compile(rf"^(?P<name>.+)-{_RAND}{{6,10}}-{_RAND}{{5}}$")
_CRONJOB = re.compile(rf"^(?P<name>.+)-\d{{8,}}-{_RAND}{{5}}$")
_STATEFUL = re.compile(r"^(?P<name>.+)-\d+$")
_SINGLE = re.compile(rf"^(?P<name>.+)-{_RAND}{{5}}$")
_RS_HASH = re.compile(rf"^(?P<name>.+)-{_RAND}{{6,10}}$")
_JOB_SCHEDULE = re.compile(r"^(?P<name>.+)-\d{8,}$")

CONVENTION = "pod-name convention"


@lru_cache(maxsize=65536)
def owner_from_name(pod: str) -> Owner:
    for pattern, kind in (
        (_CRONJOB, "CronJob"),
        (_DEPLOY, "Deployment"),
        (_SINGLE, "Workload"),
        (_STATEFUL, "StatefulSet"),
    ):
        m = pattern.match(pod)
        if m:
            return Owner(kind, m.group("name"), CONVENTION)
    return Owner("Pod", pod, CONVENTION)


def owner_of(pod_uid: str, pod: str, owners: Mapping[str, Owner]) -> Owner:
    """A pod's owner: from `owners` (pod uid → owner, from kube_pod_owner) when listed, else by its name."""
    return owners.get(pod_uid) or owner_from_name(pod)


def owner_from_kube(
    owner_kind: str, owner_name: str, parents: dict[tuple[str, str], tuple[str, str]]
) -> Owner:
    """Resolve a `kube_pod_owner` pair up one level (ReplicaSet → Deployment, Job → CronJob).

    `parents` maps (kind, name) → (parent kind, parent name) from kube_replicaset_owner/kube_job_owner;
    without them the ReplicaSet hash / Job schedule suffix is stripped by convention.
    """
    parent = parents.get((owner_kind, owner_name))
    if parent:
        return Owner(parent[0], parent[1], "kube_pod_owner")
    if owner_kind == "ReplicaSet":
        m = _RS_HASH.match(owner_name)
        return (
            Owner("Deployment", m.group("name"), "kube_pod_owner")
            if m
            else Owner(owner_kind, owner_name, "kube_pod_owner")
        )
    if owner_kind == "Job":
        m = _JOB_SCHEDULE.match(owner_name)
        return (
            Owner("CronJob", m.group("name"), "kube_pod_owner")
            if m
            else Owner("Job", owner_name, "kube_pod_owner")
        )
    if owner_kind in ("", "<none>"):
        return Owner("Pod", "", "kube_pod_owner")
    return Owner(owner_kind, owner_name, "kube_pod_owner")
