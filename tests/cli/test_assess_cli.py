"""`carbon-kepler assess` as a user runs it: Korean output, JSON, and honest NOT_ASSESSED."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from carbon_kepler.compliance.rules import load_regulations

ROOT = Path(__file__).parents[2]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARBON_KEPLER_")}
    env["COLUMNS"] = "200"
    return subprocess.run(
        [sys.executable, "-m", "carbon_kepler", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_korean_output_has_no_untranslated_check_names(store_6h: Path) -> None:
    proc = run(
        "assess",
        "--source",
        "store",
        "--store",
        str(store_6h),
        "--lang",
        "ko",
        "--org-config",
        str(ROOT / "examples" / "demo-org.yaml"),
    )
    assert proc.returncode == 0, proc.stderr
    regs = load_regulations()
    for item in regs.named():
        assert item.name_en not in proc.stdout, item.name_en
    checks = list(regs.checks)
    assert all(c.name_ko in proc.stdout for c in checks)
    assert "충족" in proc.stdout or "미충족" in proc.stdout


def test_json_names_factor_vintage_source_and_every_check(store_6h: Path) -> None:
    proc = run("assess", "--source", "store", "--store", str(store_6h), "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert (
        out["factor"]["value"] == 417.3
        and out["factor"]["year"] == 2023
        and "KR_2023" in out["factor"]["source"]
    )
    codes = {c["code"]: c for c in out["checks"]}
    assert set(codes) == {"KR_CARBON_2050", "KR_PUE_GREEN_DC", "KR_REDUCTION_PATHWAY"}
    # no org config: no PUE and no baseline → those two are NOT_ASSESSED, never a default pass
    assert codes["KR_PUE_GREEN_DC"]["status"] == "NOT_ASSESSED"
    assert codes["KR_REDUCTION_PATHWAY"]["status"] == "NOT_ASSESSED"
    assert codes["KR_CARBON_2050"]["kind"] == "policy"
    assert out["it_energy"]["quality"] == "measured" and out["emissions_location"]["unit"] == "gCO2eq"


def test_unknown_namespace_suggests_close_matches(store_6h: Path) -> None:
    proc = run("assess", "--source", "store", "--store", str(store_6h), "--namespace", "ai-teams")
    assert proc.returncode == 2
    assert "did you mean ai-team" in proc.stderr and "Traceback" not in proc.stderr


def test_bad_org_config_names_file_key_and_allowed_values(store_6h: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "org.yaml"
    cfg.write_text("version: 1\nsites:\n  - name: x\n    region: aws:nowhere-1\n    pue: 1.2\n")
    proc = run("assess", "--source", "store", "--store", str(store_6h), "--org-config", str(cfg))
    assert proc.returncode == 2
    assert (
        str(cfg) in proc.stderr and "sites[0].region" in proc.stderr and "aws:ap-northeast-2" in proc.stderr
    )


def test_reporting_year_and_purpose_choose_the_factor(store_6h: Path) -> None:
    """domain.md §4.2: K-ETS settles with the allocation factor; disclosure uses the latest single year."""
    expected = {
        ("k-ets", "2024"): (459.4, 2016),  # K-ETS phase 3: 2014–16 average 0.4594
        ("disclosure", "2022"): (454.1, 2022),  # 2020–22 average 0.4541
        ("disclosure", "2025"): (417.3, 2023),  # latest single year 0.4173
    }
    for (purpose, year), (value, vintage) in expected.items():
        proc = run(
            "assess",
            "--source",
            "store",
            "--store",
            str(store_6h),
            "--purpose",
            purpose,
            "--reporting-year",
            year,
            "--json",
        )
        assert proc.returncode == 0, proc.stderr
        factor = json.loads(proc.stdout)["factor"]
        assert (factor["value"], factor["year"]) == (value, vintage), (purpose, year)
        assert factor["source"] and factor["unit"] == "gCO2eq/kWh"
