"""Grouping codes by counting (energy/columns.py) give what sorting (np.unique) gives, on both of their paths."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from carbon_kepler.energy.columns import hour_codes, slot_codes

H = 1_795_000_000 - 1_795_000_000 % 3600


def _unique_hours(hour: np.ndarray) -> tuple[list[int], list[int]]:
    values, code = np.unique(hour, return_inverse=True)
    return values.tolist(), code.reshape(-1).tolist()


@given(st.lists(st.integers(0, 500), max_size=60))
def test_whole_hours_are_counted_like_unique(steps: list[int]) -> None:
    hour = np.array([H + 3600 * s for s in steps], dtype=np.int64)
    values, code = hour_codes(hour)
    assert (values.tolist(), code.tolist()) == _unique_hours(hour)


@given(st.lists(st.integers(-(10**12), 10**12), max_size=30))
def test_other_hours_fall_back_to_sorting_with_the_same_answer(seconds: list[int]) -> None:
    # not whole hours, or spread over a span far longer than the rows: the sorting path
    hour = np.array(seconds, dtype=np.int64)
    values, code = hour_codes(hour)
    assert (values.tolist(), code.tolist()) == _unique_hours(hour)


def test_a_sparse_long_span_of_whole_hours_is_sorted_not_counted() -> None:
    hour = np.array([H, H + 3600 * 10**7, H], dtype=np.int64)  # 10^7 hours apart: no 10^7-entry count
    values, code = hour_codes(hour)
    assert values.tolist() == [H, H + 3600 * 10**7] and code.tolist() == [0, 1, 0]


@given(st.data(), st.integers(1, 40), st.integers(1, 30), st.integers(0, 80))
def test_slots_are_the_distinct_group_hour_pairs_in_order(
    data: st.DataObject, n_groups: int, n_hours: int, rows: int
) -> None:
    group = np.array(data.draw(st.lists(st.integers(0, n_groups - 1), min_size=rows, max_size=rows)), np.intp)
    hour = np.array(data.draw(st.lists(st.integers(0, n_hours - 1), min_size=rows, max_size=rows)), np.intp)
    unit, slot_hour, slot = slot_codes(group, n_groups, hour, n_hours)
    pairs = sorted(set(zip(group.tolist(), hour.tolist(), strict=True)))
    assert list(zip(unit.tolist(), slot_hour.tolist(), strict=True)) == pairs
    assert [pairs[s] for s in slot.tolist()] == list(zip(group.tolist(), hour.tolist(), strict=True))


def test_a_large_pair_space_is_sorted_with_the_same_answer() -> None:
    group = np.array([5, 0, 5, 99_999], dtype=np.intp)  # 100,000 groups x 24 h against 4 rows
    hour = np.array([3, 1, 3, 0], dtype=np.intp)
    unit, slot_hour, slot = slot_codes(group, 100_000, hour, 24)
    assert unit.tolist() == [0, 5, 99_999] and slot_hour.tolist() == [1, 3, 0]
    assert slot.tolist() == [1, 0, 1, 2]
