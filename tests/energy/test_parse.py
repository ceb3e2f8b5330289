"""The fast line filter must read exactly what prometheus_client reads, for every sample it keeps."""

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carbon_kepler.energy.scrape.parse import fast_samples, library_samples
from carbon_kepler.energy.simulator import SimConfig, Simulation

REFERENCE = (
    Path(__file__).parents[3] / "shared" / "reference" / "kepler" / "SYNTHETIC_kepler-v0.11.2_metrics.prom"
)


def _same(text: str) -> None:
    assert list(fast_samples(text)) == list(library_samples(text, openmetrics=False))


@pytest.mark.parametrize("generation", ["new", "old"])
def test_fast_reader_equals_prometheus_client_on_simulated_expositions(generation: str) -> None:
    sim = Simulation(SimConfig(hours=2, generation=generation))  # type: ignore[arg-type]
    for node in sim.nodes:
        for t in (sim.start + 7, sim.start + 3599):
            text = sim.exposition(node, t)
            assert text is not None
            _same(text)


@pytest.mark.skipif(not REFERENCE.exists(), reason="shared reference exposition not present")
def test_fast_reader_equals_prometheus_client_on_reference_exposition() -> None:
    _same(REFERENCE.read_text())


label_value = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=12)


@settings(max_examples=200)
@given(label_value, label_value, st.floats(allow_nan=False, allow_infinity=False, width=32))
def test_escaped_label_values_and_numbers_parse_identically(a: str, b: str, value: float) -> None:
    def esc(s: str) -> str:
        return s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")

    text = (
        "# TYPE kepler_pod_cpu_joules_total counter\n"
        f'kepler_pod_cpu_joules_total{{pod_name="{esc(a)}",pod_namespace="{esc(b)}",zone="package"}} {value!r}\n'
    )
    _same(text)
