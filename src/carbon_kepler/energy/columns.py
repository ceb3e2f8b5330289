"""Pod-hours as columns: the hot path of every question (10^5 rows a day at 2,000 pods).

A period's pod energy is a few thousand pods x its hours. Held as one row object per pod-hour, grouping and
allocating it costs a Python step per row; held as numpy columns (pod index, hour, joules) with one small
table of pods, the same sums are a few vector operations. Both classes are also Sequences of the row
NamedTuples (PodHour, WorkloadHour), materialised on first use, for code that reads rows one by one.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import NamedTuple, Protocol, TypeVar, overload

import numpy as np
import numpy.typing as npt

from carbon_kepler.core.period import HOUR
from carbon_kepler.energy.model import ZONE_SET, Owner, PodHour, WorkloadHour
from carbon_kepler.energy.owners import owner_of

Ints = npt.NDArray[np.int64]
Index = npt.NDArray[np.intp]
Floats = npt.NDArray[np.float64]


def hour_codes(hour: Ints) -> tuple[Ints, Index]:
    """The distinct hours (ascending) and each entry's index into them. Hour starts are whole hours, so this
    is arithmetic over the span, not a sort of every row (np.unique sorts; it was most of a grouping's cost)."""
    if not len(hour):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.intp)
    lo = int(hour.min())
    off = hour - lo
    span = int(off.max()) // HOUR + 1
    if (off % HOUR).any() or span > 4 * len(hour) + 10_000:  # not whole hours, or sparse over a long span
        hours, code = np.unique(hour, return_inverse=True)
        return hours.astype(np.int64), code.astype(np.intp).reshape(-1)
    step = (off // HOUR).astype(np.intp)
    seen = np.bincount(step, minlength=span) > 0
    return lo + HOUR * np.flatnonzero(seen).astype(np.int64), (np.cumsum(seen) - 1)[step].astype(np.intp)


def slot_codes(group: Index, n_groups: int, hour: Index, n_hours: int) -> tuple[Index, Index, Index]:
    """The distinct (group, hour) pairs of the rows in (group, hour) order: each pair's group and hour index,
    and each row's pair index (by counting when the pair space is small against the rows, else by sorting)."""
    n_h = max(n_hours, 1)
    key = group.astype(np.int64) * n_h + hour
    space = n_groups * n_h
    if space <= 4 * len(key) + 10_000:
        seen = np.bincount(key, minlength=space) > 0
        pairs = np.flatnonzero(seen)
        slot = (np.cumsum(seen) - 1)[key]
    else:
        pairs, slot = np.unique(key, return_inverse=True)
    return (pairs // n_h).astype(np.intp), (pairs % n_h).astype(np.intp), slot.astype(np.intp).reshape(-1)


class PodInfo(NamedTuple):
    """A pod with its owner workload (field names as in WorkloadHour, so either satisfies PodLevel). The
    sources resolve the owner once per pod when they build PodColumns (energy/owners.owner_of)."""

    node: str
    namespace: str
    pod: str
    pod_uid: str
    owner: Owner


Row = TypeVar("Row")


class RowView(Sequence[Row]):
    """Columns read as a list of row tuples (`rows()` builds them once), compared as that list."""

    hour: Ints  # every view has an hour column: its length is the number of rows
    _rows: list[Row] | None

    def rows(self) -> list[Row]:
        if self._rows is None:
            self._rows = self._build_rows()
        return self._rows

    @abstractmethod
    def _build_rows(self) -> list[Row]: ...

    def __len__(self) -> int:
        return len(self.hour)

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows())

    @overload
    def __getitem__(self, i: int) -> Row: ...
    @overload
    def __getitem__(self, i: slice) -> list[Row]: ...
    def __getitem__(self, i: int | slice) -> Row | list[Row]:
        return self.rows()[i]

    def __eq__(self, other: object) -> bool:
        return list(self) == list(other) if isinstance(other, Sequence) else NotImplemented

    __hash__ = None  # type: ignore[assignment]


class PodColumns(RowView[PodHour]):
    """Active energy per pod and hour, summed over the requested zone set (rows read as zone ZONE_SET).

    Invariant: at most one entry per (pod, hour); `pods[pod[k]]` names entry k's pod.
    """

    def __init__(self, pods: Sequence[PodInfo], pod: Index, hour: Ints, joules: Floats) -> None:
        self.pods, self.pod, self.hour, self.joules = list(pods), pod, hour, joules
        self._rows: list[PodHour] | None = None

    @classmethod
    def from_sums(cls, sums: Mapping[tuple[PodInfo, int], float]) -> PodColumns:
        """From `(pod, hour) → joules` (the sources' accumulators)."""
        index: dict[PodInfo, int] = {}
        codes = [index.setdefault(who, len(index)) for who, _ in sums]
        return cls(
            list(index),
            np.array(codes, dtype=np.intp),
            np.array([h for _, h in sums], dtype=np.int64),
            np.fromiter(sums.values(), dtype=np.float64, count=len(sums)),
        )

    @classmethod
    def of(cls, rows: Sequence[PodHour], zones: Iterable[str], owners: Mapping[str, Owner]) -> PodColumns:
        """Columns of `rows` (already columns: as they are), keeping rows of the zone set or ZONE_SET; pods'
        owners from `owners` (pod uid → owner, kube_pod_owner), else the pod-name convention."""
        if isinstance(rows, PodColumns):
            return rows
        keep = {*zones, ZONE_SET}
        sums: dict[tuple[PodInfo, int], float] = {}
        for hour, node, ns, pod, uid, zone, joules in rows:
            if zone in keep:
                k = (PodInfo(node, ns, pod, uid, owner_of(uid, pod, owners)), hour)
                sums[k] = sums.get(k, 0.0) + joules
        return cls.from_sums(sums)

    def _build_rows(self) -> list[PodHour]:
        keys = self.pods
        return [
            PodHour(h, keys[p].node, keys[p].namespace, keys[p].pod, keys[p].pod_uid, ZONE_SET, j)
            for p, h, j in zip(self.pod.tolist(), self.hour.tolist(), self.joules.tolist(), strict=True)
        ]


class PodLevel(Protocol):
    """The pod-level fields of a row: what a grouping key may read."""

    @property
    def node(self) -> str: ...
    @property
    def namespace(self) -> str: ...
    @property
    def pod(self) -> str: ...
    @property
    def pod_uid(self) -> str: ...
    @property
    def owner(self) -> Owner: ...


GroupKey = Callable[[PodLevel], str]


def workload_key(pod: PodLevel) -> str:
    """A pod's workload, `namespace/owner`: the unit of workload reports, assessments and advice."""
    return f"{pod.namespace}/{pod.owner.name}"


def _pod_uid(pod: PodLevel) -> str:
    return pod.pod_uid


class PodTable:
    """The pods of a period, shared by every selection of its rows; a grouping key is evaluated once per pod."""

    def __init__(self, infos: Sequence[PodInfo]) -> None:
        self.infos = list(infos)
        self._codes: dict[GroupKey, tuple[list[str], Index]] = {}

    def codes(self, key: GroupKey) -> tuple[list[str], Index]:
        """Distinct keys (in pod order) and each pod's index into them."""
        hit = self._codes.get(key)
        if hit is None:
            names: dict[str, int] = {}
            code = [names.setdefault(key(info), len(names)) for info in self.infos]
            hit = self._codes[key] = (list(names), np.array(code, dtype=np.intp))
        return hit


class Grouping(NamedTuple):
    """Rows grouped by a key: the keys (in order of first appearance), each row's group index and each
    group's first row (WorkloadColumns.pods_per_group counts its pods)."""

    keys: list[str]
    of_row: Index
    first_row: Index


class WorkloadColumns(RowView[WorkloadHour]):
    """Attributed energy per pod and hour: active (Kepler) + allocated (idle/system share), as columns.

    `table.infos[pod[k]]` is entry k's pod. Rows read as WorkloadHour in the order of `rank` (attribution
    gives (node, hour, pod uid)); without a rank, in array order. The arrays themselves are never sorted:
    sums do not need an order, and groups are numbered by their first row in rank order.
    """

    def __init__(
        self,
        table: PodTable | Sequence[PodInfo],
        pod: Index,
        hour: Ints,
        active: Floats,
        allocated: Floats,
        rank: Ints | None = None,  # distinct per entry: its place in the row order
    ) -> None:
        self.table = table if isinstance(table, PodTable) else PodTable(table)
        self.pod, self.hour, self.active, self.allocated = pod, hour, active, allocated
        self.rank = rank
        self._rows: list[WorkloadHour] | None = None

    @property
    def pods(self) -> list[PodInfo]:
        return self.table.infos

    @classmethod
    def of(cls, rows: Sequence[WorkloadHour]) -> WorkloadColumns:
        if isinstance(rows, WorkloadColumns):
            return rows
        index: dict[PodInfo, int] = {}
        codes = [
            index.setdefault(PodInfo(r.node, r.namespace, r.pod, r.pod_uid, r.owner), len(index))
            for r in rows
        ]
        return cls(
            list(index),
            np.array(codes, dtype=np.intp),
            np.array([r.hour_utc for r in rows], dtype=np.int64),
            np.array([r.active_j for r in rows], dtype=np.float64),
            np.array([r.allocated_j for r in rows], dtype=np.float64),
        )

    def _subset(self, m: npt.NDArray[np.bool_]) -> WorkloadColumns:
        rank = None if self.rank is None else self.rank[m]
        return WorkloadColumns(self.table, self.pod[m], self.hour[m], self.active[m], self.allocated[m], rank)

    def where(self, keep_pod: npt.NDArray[np.bool_]) -> WorkloadColumns:
        """The rows of the pods marked True in `keep_pod` (indexed like `pods`)."""
        return self._subset(keep_pod[self.pod])

    def inside(self, lo: int, hi: int) -> WorkloadColumns:
        """The rows of hours in [lo, hi)."""
        return self._subset((self.hour >= lo) & (self.hour < hi))

    def pod_mask(self, test: Callable[[PodInfo], bool]) -> npt.NDArray[np.bool_]:
        return np.fromiter(map(test, self.pods), dtype=bool, count=len(self.pods))

    def groups(self, key: GroupKey | None) -> Grouping:
        """The rows grouped by `key` (None: all rows in one group, key ""), groups in order of first appearance
        among the rows.

        `key` reads only a row's pod (PodLevel): it is evaluated once per pod of the table. No step sorts
        the rows (sorting 10^5 rows was most of a grouping's cost).
        """
        names, code_of_pod = (
            self.table.codes(key) if key is not None else ([""], np.zeros(len(self.pods), np.intp))
        )
        row_code = code_of_pod[self.pod]
        n = len(row_code)
        place = np.arange(n, dtype=np.int64) if self.rank is None else self.rank
        none = np.iinfo(np.int64).max
        first = np.full(len(names), none, dtype=np.int64)
        np.minimum.at(first, row_code, place)  # each key's first place in the row order
        present = np.flatnonzero(first < none)
        order = present[np.argsort(first[present], kind="stable")]  # one entry per group, not per row
        renumber = np.zeros(max(len(names), 1), dtype=np.intp)
        renumber[order] = np.arange(len(order))
        at_first = np.flatnonzero(place == first[row_code])  # one entry per group: places are distinct
        first_row = np.empty(len(order), dtype=np.intp)
        first_row[renumber[row_code[at_first]]] = at_first
        return Grouping([names[c] for c in order.tolist()], renumber[row_code], first_row)

    def pods_per_group(self, g: Grouping) -> Ints:
        """How many distinct pods (pod uids) each group of `g` has: a pod that moved node is one PodInfo per
        node but one pod."""
        group_of_pod = np.full(len(self.pods), -1, dtype=np.int64)
        group_of_pod[self.pod] = g.of_row  # a key reads only the pod: all of a pod's rows share its group
        present = np.flatnonzero(group_of_pod >= 0)
        uids, uid_of_pod = self.table.codes(_pod_uid)
        n_uids = max(len(uids), 1)
        pairs = np.unique(group_of_pod[present] * n_uids + uid_of_pod[present])
        return np.bincount(pairs // n_uids, minlength=len(g.keys)).astype(np.int64)

    def _build_rows(self) -> list[WorkloadHour]:
        pods = self.pods
        k = np.arange(len(self.pod)) if self.rank is None else np.argsort(self.rank, kind="stable")
        return [
            WorkloadHour(
                h, pods[p].node, pods[p].namespace, pods[p].pod, pods[p].pod_uid, pods[p].owner, a, s
            )
            for p, h, a, s in zip(
                self.pod[k].tolist(),
                self.hour[k].tolist(),
                self.active[k].tolist(),
                self.allocated[k].tolist(),
                strict=True,
            )
        ]
