from pathlib import Path

import pytest

from carbon_kepler.core.errors import InputError
from carbon_kepler.energy import kepler
from carbon_kepler.energy.model import Generation
from carbon_kepler.energy.scrape.parse import parse_exposition

REFERENCE = (
    Path(__file__).parents[2].parent
    / "shared"
    / "reference"
    / "kepler"
    / "SYNTHETIC_kepler-v0.11.2_metrics.prom"
)


def test_generation_detected_from_build_info_then_names() -> None:
    assert kepler.detect_generation(["kepler_build_info"]) is Generation.NEW
    assert kepler.detect_generation(["kepler_exporter_build_info"]) is Generation.OLD
    assert kepler.detect_generation(["kepler_container_package_joules_total"]) is Generation.OLD
    assert kepler.detect_generation(["node_cpu_seconds_total"]) is None


@pytest.mark.skipif(not REFERENCE.exists(), reason="shared reference exposition not present")
def test_reference_v0112_exposition_maps_to_model() -> None:
    scrape = parse_exposition(REFERENCE.read_text())
    assert scrape.generation is Generation.NEW
    assert scrape.version == "v0.11.2"
    pods = {(p.pod, p.zone): p for p in scrape.pods}
    assert pods[("stress-ng-6d8f9c7b5-x2kq4", "package")].value == 9876.54321
    assert pods[("etl-job-28761234-mz5rt", "dram")].namespace == "batch"  # terminated pod kept
    assert "p|worker-1|7e6d5c4b-3a29-4817-a6b5-c4d3e2f1a0b9|dram" in {
        p.key for p in scrape.pods
    }  # no state in key
    kinds = {(n.zone, n.kind): n.value for n in scrape.nodes}
    assert kinds[("package", "total")] == 183456.789012
    assert kinds[("package", "active")] + kinds[("package", "idle")] == pytest.approx(
        kinds[("package", "total")]
    )
    assert kepler.fake_meter_notice(scrape.zones, scrape.node_watts) is None
    assert [n.code for n in kepler.version_notices(scrape.version)] == ["KEPLER_KNOWN_GAP"]


def test_fake_meter_flagged_by_zone_name_or_microwatts() -> None:
    by_zone = kepler.fake_meter_notice({"package-0"}, [120.0])
    by_power = kepler.fake_meter_notice({"package"}, [3e-6, 5e-6])
    assert by_zone is not None and "package-0" in by_zone.message and "NOT measurements" in by_zone.message
    assert by_power is not None and "microwatt" in by_power.message
    assert kepler.fake_meter_notice({"package", "dram"}, [148.0]) is None


def test_zone_set_refuses_overlapping_zones() -> None:
    assert kepler.validate_zones(["package", "dram"]) == ("package", "dram")
    with pytest.raises(InputError, match="double-counts"):
        kepler.validate_zones(["package", "core"])
    with pytest.raises(InputError, match="psys"):
        kepler.validate_zones(["psys", "dram"])
    with pytest.raises(InputError, match="unknown zone"):
        kepler.validate_zones(["pkg"])
