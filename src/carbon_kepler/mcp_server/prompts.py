"""MCP prompts: the questions users bring most often, written so the assistant calls the right tools.

Each prompt names the tools and arguments to use and how to phrase the answer (statutory vs
certification vs policy, the factor and its vintage, assumptions), in Korean or English.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from mcp import MCPError
from mcp.server import MCPServer
from mcp.types import (
    INVALID_PARAMS,
    Completion,
    CompletionArgument,
    CompletionContext,
    PromptReference,
    ResourceTemplateReference,
)

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_DURATION = re.compile(r"^\d{1,4}[hdw]$")
_NAMESPACE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


def _checked(value: str, pattern: re.Pattern[str], what: str, example: str) -> str:
    """A prompt argument or an invalid-params error the client shows as is (prompts have no isError)."""
    if not pattern.fullmatch(value):
        raise MCPError(code=INVALID_PARAMS, message=f"{what} {value[:40]!r} is not valid — e.g. {example}")
    return value


def _scope(namespace: str | None, ko: bool) -> tuple[str, str]:
    """(argument text, scope words) for an optional namespace."""
    if not namespace:
        return "", "클러스터 전체" if ko else "the whole cluster"
    ns = _checked(namespace, _NAMESPACE, "namespace", "ai-team")
    return f', namespace="{ns}"', f"네임스페이스 {ns}" if ko else f"namespace {ns}"


def monthly_compliance_review(month: str, namespace: str | None = None, language: str = "ko") -> str:
    """Monthly review of energy, emissions and Korean compliance for a month (YYYY-MM), in Korean by default."""
    m = _checked(month, _MONTH, "month", "2026-11")
    ko = language != "en"
    arg, scope = _scope(namespace, ko)
    if ko:
        return f"""{m} 월간 탄소·에너지 준수 검토를 {scope} 기준으로 해 주세요.

1. generate_compliance_report(period="{m}"{arg}, language="ko")로 보고서를 만드세요.
2. list_workloads_by_compliance(period="{m}"{arg}, status_filter="NON_COMPLIANT")로 미충족 워크로드를,
   status_filter="NOT_ASSESSED"로 평가 불가 워크로드를 확인하세요.
3. 에너지 상위 3개 미충족 워크로드는 assess_workload_compliance(workload_name=..., namespace=..., standard="ALL", period="{m}")로 근거를 확인하세요.

답변 작성 원칙:
- 각 기준이 법정 기준인지, 자율 인증 기준(그린데이터센터 PUE)인지, 조직 정책인지 구분해서 쓰세요.
  워크로드가 법을 '위반'했다고 쓰지 말고, 보고 기준 대비 '기여도'로 설명하세요.
- 배출량에는 배출계수 값과 기준 연도를 함께 쓰세요. 시간대별 탄소집약도 프로파일이 가정이면 그렇다고 밝히세요.
- 데이터 커버리지와 경고를 요약하고, 데이터가 부족해 평가하지 못한 항목은 충족으로 간주하지 마세요.
- 마지막에 다음 달에 할 일 3가지를 수치와 함께 제안하세요."""
    return f"""Review energy, emissions and Korean compliance of {scope} for {m}.

1. Call generate_compliance_report(period="{m}"{arg}, language="en").
2. Call list_workloads_by_compliance(period="{m}"{arg}, status_filter="NON_COMPLIANT"), then with
   status_filter="NOT_ASSESSED".
3. For the three largest non-compliant workloads call assess_workload_compliance(workload_name=...,
   namespace=..., standard="ALL", period="{m}").

When you answer: say for each threshold whether it is statutory, a voluntary certification level (Green
Data Center PUE) or organisation policy; describe reporting thresholds as a contribution, never as a
breach by a workload; give the emission factor and its vintage with every emissions figure; say when the
hourly intensity profile is an assumption; never count NOT_ASSESSED as compliant; end with three actions
for next month, each with a number."""


def find_dirtiest_workloads(period: str = "7d", count: str = "10", language: str = "en") -> str:
    """Find the workloads with the largest emissions and explain why they are large and what would help."""
    p = period if _MONTH.fullmatch(period) else _checked(period, _DURATION, "period", "7d or 2026-11")
    n = int(_checked(count, re.compile(r"^[1-9]\d?$"), "count", "10"))
    if language == "ko":
        return f"""기간 {p} 동안 탄소 배출이 가장 많은 워크로드 {n}개를 찾아 주세요.

1. list_top_power_consumers(period="{p}", limit={n}, group_by="workload")로 에너지 상위 워크로드를 찾으세요.
2. list_workloads_by_compliance(period="{p}", limit={n})로 각 워크로드의 배출량(gCO2eq)과 에너지 가중 탄소집약도를 확인하세요.
3. get_carbon_intensity(mode="profile")로 시간대별 탄소집약도를 보고, 저녁 피크(18-21시)에 실행되는 워크로드인지 판단하세요.

배출량 순으로 표를 만들고, 에너지가 큰 탓인지 탄소집약도가 높은 시간대에 실행된 탓인지 구분해 설명하세요.
배출계수와 기준 연도를 밝히고, 프로파일이 가정이면 그렇게 쓰세요."""
    return f"""Find the {n} workloads with the largest emissions over {p}.

1. Call list_top_power_consumers(period="{p}", limit={n}, group_by="workload").
2. Call list_workloads_by_compliance(period="{p}", limit={n}) for each workload's emissions (gCO2eq) and
   energy-weighted grid intensity.
3. Call get_carbon_intensity(mode="profile") and check which of them run in the evening peak (18-21 KST).

Answer with a table ranked by emissions and, for each, whether it is large because of its energy or
because it runs in carbon-intensive hours. State the emission factor and its vintage, and say when the
hourly profile is an assumption rather than measured data."""


def register_prompts(server: MCPServer[Any], clock: Callable[[], datetime]) -> None:
    server.prompt(title="Monthly Korean compliance review (월간 준수 검토)")(monthly_compliance_review)
    server.prompt(title="Find my dirtiest workloads")(find_dirtiest_workloads)

    async def complete(
        ref: PromptReference | ResourceTemplateReference,
        argument: CompletionArgument,
        _: CompletionContext | None,
    ) -> Completion:
        """Argument suggestions for the prompts (static: completing never queries the data source)."""
        values = suggestions(argument.name, clock()) if isinstance(ref, PromptReference) else []
        return Completion(values=[v for v in values if v.startswith(argument.value)][:100])

    server.completion()(complete)  # type: ignore[no-untyped-call]  # SDK decorator is unannotated


def suggestions(argument: str, now: datetime) -> list[str]:
    if argument == "month":
        months = [(now.year * 12 + now.month - 1 - i) for i in range(12)]
        return [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in months]
    if argument == "period":
        return ["24h", "7d", "30d", *suggestions("month", now)[:3]]
    if argument == "language":
        return ["ko", "en"]
    if argument == "count":
        return ["5", "10", "20"]
    return []
