"""Validated selectors: the only path from user text (CLI flags, MCP arguments) to a query.

Kubernetes names are DNS-1123 labels (namespaces) or subdomains (pods, workloads); anything else is
refused before a query is built. `promql_label_value` escapes as defence in depth.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from carbon_kepler.core.errors import InputError

_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def _shown(value: str) -> str:
    return repr(value if len(value) <= 80 else value[:77] + "...")


def namespace(value: str) -> str:
    if len(value) > 63 or not _DNS1123_LABEL.fullmatch(value):
        raise InputError(
            f"{_shown(value)} is not a valid Kubernetes namespace",
            hint="use lower-case letters, digits and '-', at most 63 characters (e.g. ai-team)",
        )
    return value


def object_name(value: str, what: str = "pod or workload name") -> str:
    if len(value) > 253 or not _DNS1123_SUBDOMAIN.fullmatch(value):
        raise InputError(
            f"{_shown(value)} is not a valid Kubernetes {what}",
            hint="use lower-case letters, digits, '-' and '.', at most 253 characters (e.g. ml-training-job)",
        )
    return value


def promql_label_value(value: str) -> str:
    """Escape a label value for a PromQL double-quoted string (backslash, quote, newline)."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


@dataclass(frozen=True)
class Selector:
    """Which workloads a question is about. Every field is validated on construction."""

    namespace: str | None = None
    pod: str | None = None
    workload: str | None = None

    def __post_init__(self) -> None:
        if self.namespace is not None:
            namespace(self.namespace)
        if self.pod is not None:
            object_name(self.pod, "pod name")
        if self.workload is not None:
            object_name(self.workload, "workload name")

    def matches(self, ns: str, pod: str, workload: str) -> bool:
        return (
            (self.namespace is None or ns == self.namespace)
            and (self.pod is None or pod == self.pod)
            and (self.workload is None or workload == self.workload)
        )
