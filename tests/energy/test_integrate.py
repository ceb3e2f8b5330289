import pytest

from carbon_kepler.energy.scrape.integrate import counter_delta, spread


def test_counter_drop_counts_new_value_from_zero() -> None:
    assert counter_delta(1000.0, 1250.0) == 250.0
    assert counter_delta(1000.0, 40.0) == 40.0  # Kepler restarted: 40 J since restart
    assert counter_delta(1000.0, 1200.0, reset=True) == 1200.0


def test_spread_splits_linearly_at_hour_boundaries() -> None:
    # 30 s interval from 3590 to 3620: 10 s in hour 0, 20 s in hour 3600.
    parts = dict(spread(300.0, 3590.0, 3620.0))
    assert parts == pytest.approx({0: 100.0, 3600: 200.0})


def test_spread_over_several_hours_conserves_energy() -> None:
    parts = spread(7200.0, 1800.0, 9000.0)
    assert [h for h, _ in parts] == [0, 3600, 7200]
    assert sum(j for _, j in parts) == pytest.approx(7200.0)
    assert parts[1][1] == pytest.approx(3600.0)
