"""Every tool through the SDK's in-memory client on the bundled demo week: contract fields, errors, paging."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from mcp import Client

from carbon_kepler.mcp_server.server import ServedEngine, build_server
from tests.mcp.helpers import TOOL_NAMES, ToolCaller, exercise_all_tools

pytestmark = pytest.mark.anyio
TOKEN_BUDGET = 25_000
CHARS_PER_TOKEN = 3  # conservative for JSON with Korean text (real tokenisers average more per token)


@pytest.fixture
async def tools(demo_engine: ServedEngine) -> AsyncIterator[ToolCaller]:
    async with Client(build_server(demo_engine), raise_exceptions=True) as client:
        yield ToolCaller(client)


def _figure(f: dict[str, Any], unit: str) -> None:
    assert f["unit"] == unit and f["source"] and f["quality"] in ("measured", "estimated"), f


def _contract(a: dict[str, Any]) -> None:
    """What every assessment must carry (issue #4): period, energy, emissions with factor, checks, coverage."""
    assert a["period"]["timezone"] == "Asia/Seoul" and a["period"]["hours"] > 0
    _figure(a["it_energy"], "kWh")
    assert a["it_energy"]["quality"] == "measured"
    _figure(a["emissions_location"], "gCO2eq")
    _figure(a["factor"], "gCO2eq/kWh")
    assert a["factor"]["year"] and "KR official factor" in a["factor"]["source"]
    for c in a["checks"]:
        assert c["status"] in ("COMPLIANT", "NON_COMPLIANT", "NOT_ASSESSED")
        assert c["kind"] in ("statutory", "certification", "policy") and c["code"]
        assert c["threshold"] is None or c["threshold"]["source"]
    assert 0 <= a["coverage"] <= 1 and isinstance(a["warnings"], list)


async def test_tools_are_listed_read_only_with_input_and_output_schemas(tools: ToolCaller) -> None:
    listed = (await tools.client.list_tools()).tools
    assert {t.name for t in listed} == set(TOOL_NAMES)
    for t in listed:
        assert t.annotations is not None and t.annotations.read_only_hint is True
        assert t.annotations.destructive_hint is False and t.output_schema and t.description
        assert not t.description.startswith(" ") and "    " not in t.description, (
            "docstring indentation leaked"
        )
    assess = next(t for t in listed if t.name == "assess_workload_compliance")
    props = assess.input_schema["properties"]
    assert assess.input_schema["required"] == ["workload_name"]
    assert props["namespace"]["default"] == "default" and props["standard"]["default"] == "KR_CARBON_2050"
    assert set(props["standard"]["enum"]) == {
        "KR_CARBON_2050",
        "KR_PUE_GREEN_DC",
        "KR_REDUCTION_PATHWAY",
        "ALL",
    }
    region = next(s for s in props["region"]["anyOf"] if s.get("type") == "string")
    assert "aws:ap-northeast-2" in region["enum"]


async def test_every_tool_returns_schema_valid_results_with_the_contract_fields(tools: ToolCaller) -> None:
    out = await exercise_all_tools(tools)
    a = out["assess_workload_compliance"]["assessment"]
    _contract(a)
    assert {c["code"] for c in a["checks"]} == {"KR_CARBON_2050", "KR_PUE_GREEN_DC", "KR_REDUCTION_PATHWAY"}
    summary = out["get_power_consumption_summary"]
    _contract(summary["assessment"])
    assert summary["assessment"]["reporting"] is not None  # cluster scope: shares of statutory thresholds
    assert summary["breakdown"]["group_by"] == "namespace"
    listing = out["list_workloads_by_compliance"]
    _figure(listing["factor"], "gCO2eq/kWh")
    assert {c["code"] for c in listing["checks"]} >= {"KR_CARBON_2050"} and listing["coverage"] > 0.9
    top = out["list_top_power_consumers"]
    energies = [c["energy_kwh"] for c in top["consumers"]]
    assert energies == sorted(energies, reverse=True) and top["consumers"][0]["rank"] == 1
    _figure(top["emissions_location"], "gCO2eq")
    report = out["generate_compliance_report"]
    _contract(report["scope"])
    assert sum(report["status_counts"].values()) == listing["total"]


async def test_summaries_come_first_and_results_fit_the_token_budget(tools: ToolCaller) -> None:
    out = await exercise_all_tools(tools)
    for name, data in out.items():
        assert next(iter(data)) == "summary", name
        size = len(json.dumps(data, ensure_ascii=False))
        assert size / CHARS_PER_TOKEN < TOKEN_BUDGET, f"{name}: {size} chars"


async def test_assess_limits_checks_to_the_standard_and_names_period_energy_and_factor(
    tools: ToolCaller,
) -> None:
    data = await tools.ok(
        "assess_workload_compliance", {"workload_name": "inference", "namespace": "ai-team"}
    )
    assert data["standard"] == "KR_CARBON_2050"
    assert [c["code"] for c in data["assessment"]["checks"]] == ["KR_CARBON_2050"]
    assert data["status"] == data["assessment"]["checks"][0]["status"]
    assert (
        data["summary"].startswith("ai-team/inference [2026-11-16T00:00+09:00") and "kWh" in data["summary"]
    )


async def test_a_region_that_differs_from_the_site_is_reported_not_silently_ignored(
    tools: ToolCaller,
) -> None:
    args = {"workload_name": "inference", "namespace": "ai-team", "region": "aws:us-east-1"}
    data = await tools.ok("assess_workload_compliance", args)
    assert data["region"] == {"requested": "aws:us-east-1", "configured": "ncloud:KR", "applied": False}
    assert any(w["code"] == "REGION_NOT_APPLIED" for w in data["assessment"]["warnings"])
    same = await tools.ok("assess_workload_compliance", {**args, "region": "ncloud:KR"})
    assert not any(w["code"] == "REGION_NOT_APPLIED" for w in same["assessment"]["warnings"])


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({"workload_name": "inference", "namespace": "ai-teem"}, "use namespace ai-team"),
        ({"workload_name": "inferense", "namespace": "ai-team"}, "did you mean inference"),
        (
            {"workload_name": "inference", "namespace": "ai-team", "standard": "KR_CARBON"},
            "allowed: KR_CARBON_2050",
        ),
        (
            {"workload_name": "inference", "namespace": "ai-team", "region": "mars-1"},
            "allowed: aws:ap-northeast-2",
        ),
        ({"workload_name": "inference", "namespace": "ai-team", "period": "last week"}, "7d"),
        ({"workload_name": "Bad Name!", "namespace": "ai-team"}, "not a valid Kubernetes workload name"),
    ],
)
async def test_wrong_arguments_are_one_line_tool_errors_that_say_the_fix(
    tools: ToolCaller, args: dict[str, Any], expected: str
) -> None:
    text = await tools.error("assess_workload_compliance", args)
    assert expected in text and " — " in text


async def test_pages_cover_every_workload_once_and_counts_cover_all_pages(tools: ToolCaller) -> None:
    first = await tools.ok("list_workloads_by_compliance", {"limit": 7})
    keys, cursor, pages = [w["key"] for w in first["workloads"]], first["next_cursor"], 1
    while cursor:
        page = await tools.ok("list_workloads_by_compliance", {"limit": 7, "cursor": cursor})
        assert page["period"] == first["period"] and page["total"] == first["total"]
        keys += [w["key"] for w in page["workloads"]]
        cursor, pages = page["next_cursor"], pages + 1
    assert len(keys) == len(set(keys)) == first["total"] and pages == -(-first["total"] // 7)
    assert sum(first["status_counts"].values()) == first["total"]


async def test_status_filter_and_namespace_narrow_the_inventory(tools: ToolCaller) -> None:
    every = await tools.ok("list_workloads_by_compliance", {"limit": 100, "standard": "KR_PUE_GREEN_DC"})
    failing = await tools.ok(
        "list_workloads_by_compliance",
        {"limit": 100, "standard": "KR_PUE_GREEN_DC", "status_filter": "NON_COMPLIANT"},
    )
    assert failing["total"] == every["status_counts"]["NON_COMPLIANT"]
    assert all(w["statuses"]["KR_PUE_GREEN_DC"] == "NON_COMPLIANT" for w in failing["workloads"])
    ns = await tools.ok("list_workloads_by_compliance", {"namespace": "ai-team", "limit": 100})
    assert ns["total"] > 0 and {w["namespace"] for w in ns["workloads"]} == {"ai-team"}


async def test_a_cursor_is_refused_for_other_arguments_or_when_forged(tools: ToolCaller) -> None:
    first = await tools.ok("list_workloads_by_compliance", {"limit": 5})
    other = await tools.error(
        "list_workloads_by_compliance", {"limit": 5, "cursor": first["next_cursor"], "namespace": "batch"}
    )
    assert "other arguments" in other
    assert "not one this server issued" in await tools.error(
        "list_workloads_by_compliance", {"cursor": "bm9wZQ"}
    )


async def test_top_consumers_and_power_summary_agree_on_cluster_energy(tools: ToolCaller) -> None:
    top = await tools.ok("list_top_power_consumers", {"limit": 3, "group_by": "namespace"})
    summary = await tools.ok("get_power_consumption_summary", {"limit": 3})
    assert top["total_energy"]["value"] == pytest.approx(summary["breakdown"]["total"]["value"])
    assert top["omitted"] == len(summary["breakdown"]["rows"]) + summary["breakdown"]["rows_omitted"] - 3
    hours = summary["breakdown"]["period"]["hours"]
    expected_w = summary["breakdown"]["total"]["value"] * 1000 / hours
    assert summary["average_power"]["value"] == pytest.approx(expected_w, rel=1e-3)
    assert summary["average_power"]["unit"] == "W"


async def test_namespace_summary_groups_by_workload(tools: ToolCaller) -> None:
    data = await tools.ok("get_power_consumption_summary", {"namespace": "production"})
    assert data["scope"] == "namespace" and data["breakdown"]["group_by"] == "workload"
    assert all(r["namespace"] == "production" for r in data["breakdown"]["rows"])
    assert data["assessment"]["unit"]["kind"] == "namespace" and data["assessment"]["reporting"] is None


async def test_carbon_intensity_profile_is_marked_as_an_assumption_with_midday_low_and_evening_peak(
    tools: ToolCaller,
) -> None:
    data = await tools.ok("get_carbon_intensity", {"mode": "profile"})
    assert len(data["points"]) == 24 and data["series"]["assumption"] is True
    assert (
        10 <= int(data["cleanest"]["hour"][11:13]) <= 15 and 18 <= int(data["dirtiest"]["hour"][11:13]) <= 21
    )
    mean = sum(p["g_per_kwh"] for p in data["points"]) / 24
    assert mean == pytest.approx(data["factor"]["value"], rel=1e-3)  # scaled to the official factor


async def test_now_and_forecast_without_a_live_token_say_they_are_the_profile(tools: ToolCaller) -> None:
    now = await tools.ok("get_carbon_intensity", {"mode": "now"})
    assert len(now["points"]) == 1 and now["cleanest"] is None
    ahead = await tools.ok("get_carbon_intensity", {"mode": "forecast", "hours": 6})
    assert len(ahead["points"]) == 6 and any(w["code"] == "NO_LIVE_FORECAST" for w in ahead["warnings"])


async def test_a_region_outside_korea_gets_annual_figures_by_source_only(tools: ToolCaller) -> None:
    data = await tools.ok("get_carbon_intensity", {"region": "aws:eu-north-1"})
    assert data["points"] == [] and data["series"] is None and data["region"]["country"] != "KR"
    assert data["region"]["annual"] and all(f["source"] for f in data["region"]["annual"])
    assert any(w["code"] == "NO_HOURLY_SERIES" for w in data["warnings"])


async def test_the_report_renders_korean_markdown_with_the_same_numbers(tools: ToolCaller) -> None:
    data = await tools.ok("generate_compliance_report", {"language": "ko", "top_n": 3})
    md = data["markdown"]
    assert md.startswith("# 준수 보고서: 클러스터") and "법정 보고 기준 대비 비중" in md
    assert f"{data['scope']['it_energy']['value']:,.3f} kWh" in md
    assert len(data["attention"]) <= 3
    assert data["attention_omitted"] == data["status_counts"]["NON_COMPLIANT"] + data["status_counts"][
        "NOT_ASSESSED"
    ] - len(data["attention"])
    en = await tools.ok("generate_compliance_report", {"language": "en", "namespace": "batch"})
    assert (
        en["markdown"].startswith("# Compliance report: batch") and en["scope"]["unit"]["kind"] == "namespace"
    )


async def test_recommendation_tools_carry_numbers_sources_and_korea_flags(tools: ToolCaller) -> None:
    sched = (
        await tools.ok(
            "calculate_optimal_schedule",
            {"workload_name": "etl-nightly", "namespace": "batch", "duration_hours": 0.5},
        )
    )["schedule"]
    assert sched["best"]["mean_intensity"]["unit"] == "gCO2eq/kWh"
    assert sched["best"]["mean_intensity"]["value"] <= sched["start_now"]["mean_intensity"]["value"]
    assert sched["intensity_series"]["source"] and sched["recurring"]["cron_schedule"]
    regions = (await tools.ok("get_regional_comparison", {"namespace": "ai-team"}))["comparison"]
    assert regions["source"] and all(o["leaves_korea"] == (o["country"] != "KR") for o in regions["options"])
    assert [o["rank"] for o in regions["options"]] == sorted(o["rank"] for o in regions["options"])
    impact = (
        await tools.ok(
            "compare_optimization_impact",
            {"workload_name": "ml-training-job", "namespace": "ai-team", "optimizations": ["temporal_shift"]},
        )
    )["impact"]
    assert {c["code"] for c in impact["checks"]} == {
        "KR_CARBON_2050",
        "KR_PUE_GREEN_DC",
        "KR_REDUCTION_PATHWAY",
    }
    delta = impact["after"]["emissions_location"]["value"] - impact["before"]["emissions_location"]["value"]
    assert impact["emissions_delta"]["value"] == pytest.approx(delta, abs=1e-6)
    text = await tools.error(
        "compare_optimization_impact",
        {"workload_name": "ml-training-job", "namespace": "ai-team", "optimizations": ["regional_migration"]},
    )
    assert "target_region" in text
