"""Resources (reference data, profile, methodology) and prompts (monthly review, dirtiest workloads)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from mcp import Client, MCPError
from mcp.types import PromptReference, TextResourceContents

from carbon_kepler.mcp_server.prompts import suggestions
from carbon_kepler.mcp_server.server import ServedEngine, build_server

pytestmark = pytest.mark.anyio


@pytest.fixture
async def client(demo_engine: ServedEngine) -> AsyncIterator[Client]:
    async with Client(build_server(demo_engine), raise_exceptions=True) as c:
        yield c


async def _text(client: Client, uri: str) -> str:
    contents = (await client.read_resource(uri)).contents
    assert len(contents) == 1 and isinstance(contents[0], TextResourceContents)
    return contents[0].text


async def test_resources_are_listed_and_each_reads(client: Client) -> None:
    listed = {str(r.uri): r for r in (await client.list_resources()).resources}
    assert set(listed) == {
        "carbon-kepler://regulations",
        "carbon-kepler://intensity/factors",
        "carbon-kepler://intensity/profile/KR",
        "carbon-kepler://regions",
        "carbon-kepler://methodology",
        "carbon-kepler://sources",
    }
    for uri, res in listed.items():
        assert res.description and res.mime_type in ("application/json", "text/markdown")
        text = await _text(client, uri)
        if res.mime_type == "application/json":
            assert isinstance(json.loads(text), dict)


async def test_regulations_resource_carries_check_kinds_and_sources(client: Client) -> None:
    data = json.loads(await _text(client, "carbon-kepler://regulations"))
    kinds = {c["code"]: c["kind"] for c in data["checks"]}
    assert kinds["KR_PUE_GREEN_DC"] == "certification" and kinds["KR_CARBON_2050"] == "policy"
    assert all(r["source"] for r in data["rules"])


async def test_profile_resource_is_scaled_to_the_factor_in_use(client: Client) -> None:
    data = json.loads(await _text(client, "carbon-kepler://intensity/profile/KR"))
    values = list(data["g_per_kwh_by_local_hour"].values())
    assert len(values) == 24 and data["assumption"] is True and data["anchors"]
    assert sum(values) / 24 == pytest.approx(data["scaled_to"]["value"], rel=1e-3)


async def test_methodology_names_the_factor_and_the_kinds_of_threshold(client: Client) -> None:
    text = await _text(client, "carbon-kepler://methodology")
    factors = json.loads(await _text(client, "carbon-kepler://intensity/factors"))
    assert f"{factors['factor_in_use']['value_kg_per_kwh'] * 1000:g}" in text
    assert "NOT_ASSESSED" in text and "certification" in text and "carbon-kepler://sources" in text


async def test_prompts_are_listed_with_their_arguments(client: Client) -> None:
    prompts = {p.name: p for p in (await client.list_prompts()).prompts}
    assert set(prompts) == {"monthly_compliance_review", "find_dirtiest_workloads"}
    month_arg = next(a for a in prompts["monthly_compliance_review"].arguments or [] if a.name == "month")
    assert month_arg.required is True


async def test_monthly_review_in_korean_names_the_tools_and_the_kinds_of_threshold(client: Client) -> None:
    result = await client.get_prompt(
        "monthly_compliance_review", {"month": "2026-11", "namespace": "ai-team"}
    )
    text = result.messages[0].content.text  # type: ignore[union-attr]
    assert 'generate_compliance_report(period="2026-11", namespace="ai-team", language="ko")' in text
    assert "법정 기준" in text and "자율 인증 기준" in text and 'status_filter="NON_COMPLIANT"' in text


async def test_dirtiest_workloads_prompt_chains_ranking_and_intensity(client: Client) -> None:
    result = await client.get_prompt("find_dirtiest_workloads", {"period": "2026-11", "count": "5"})
    text = result.messages[0].content.text  # type: ignore[union-attr]
    assert 'list_top_power_consumers(period="2026-11", limit=5' in text and "get_carbon_intensity" in text


async def test_a_malformed_prompt_argument_is_refused(client: Client) -> None:
    with pytest.raises(MCPError) as err:
        await client.get_prompt("monthly_compliance_review", {"month": 'November"); drop'})
    assert "2026-11" in str(err.value)


async def test_completion_suggests_recent_months_and_languages(client: Client) -> None:
    ref = PromptReference(type="ref/prompt", name="monthly_compliance_review")
    months = await client.complete(ref, {"name": "month", "value": "20"})
    assert months.completion.values and all(v.startswith("20") for v in months.completion.values)
    langs = await client.complete(ref, {"name": "language", "value": "k"})
    assert langs.completion.values == ["ko"]


def test_month_suggestions_walk_back_across_the_year_boundary() -> None:
    assert suggestions("month", datetime(2026, 2, 10, tzinfo=UTC))[:3] == ["2026-02", "2026-01", "2025-12"]
