"""The savings model: $ per 1k calls before (all calls on the LLM) and after (offloaded tasks on their SLM).

For an offloaded task with mean tokens (i, o) per call, LLM price (p_in, p_out), SLM cost s per 1M weighted tokens
and expected fallback share f:

    llm_call   = (i * p_in + o * p_out) / 1e6
    slm_call   = (o + prefill_weight * i) * s / 1e6
    after_call = slm_call + f * llm_call          (every call tries the SLM; a fallback also pays the LLM)

Tasks that stay on the LLM cost ``llm_call`` after as before.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from slmc.analysis.prices import LLMPrice, expected_fallback, load_prices, slm_call_cost, slm_cost_per_1m


@dataclass(frozen=True)
class TaskCost:
    task: str
    calls: int
    mean_input_tokens: float
    mean_output_tokens: float
    offloaded: bool
    slm_params_b: float | None
    fallback_share: float
    llm_per_1k: float  # $ per 1k calls of this task on the LLM
    after_per_1k: float  # $ per 1k calls after offloading (equal to llm_per_1k when kept)

    @property
    def saved_share(self) -> float:
        return 1 - self.after_per_1k / self.llm_per_1k if self.llm_per_1k else 0.0


def task_cost(
    task: str,
    calls: int,
    input_tokens: float,
    output_tokens: float,
    llm: LLMPrice,
    *,
    offloaded: bool,
    params_b: float | None,
    gpu: str,
    contract_kind: str | None,
    fallback_share: float | None = None,
    prices: dict[str, Any] | None = None,
) -> TaskCost:
    prices = prices or load_prices()
    mean_in = input_tokens / calls if calls else 0.0
    mean_out = output_tokens / calls if calls else 0.0
    llm_call = llm.call_cost(mean_in, mean_out)
    f = expected_fallback(contract_kind, prices) if fallback_share is None else fallback_share
    after = llm_call
    if offloaded and params_b is not None:
        after = slm_call_cost(mean_in, mean_out, params_b, gpu, prices) + f * llm_call
    return TaskCost(task, calls, mean_in, mean_out, offloaded, params_b, f, 1000 * llm_call, 1000 * after)


def agent_savings(costs: list[TaskCost], llm: LLMPrice, gpu: str, prices: dict[str, Any] | None = None) -> dict:
    """Call-weighted totals over the agent's tasks: $ per 1k calls before/after and the share saved."""
    prices = prices or load_prices()
    calls = sum(c.calls for c in costs)
    before = sum(c.llm_per_1k * c.calls for c in costs) / calls if calls else 0.0
    after = sum(c.after_per_1k * c.calls for c in costs) / calls if calls else 0.0
    return {
        "llm_price_model": llm.model,
        "llm_price": {"input": llm.input, "output": llm.output},
        "gpu": gpu,
        "slm_cost_per_1m_1.5b": round(slm_cost_per_1m(1.5, gpu, prices), 4),
        "prices_as_of": prices.get("as_of"),
        "prices_source": prices.get("source", "slmc/data/prices.yaml"),
        "calls": calls,
        "usd_per_1k_calls_before": round(before, 4),
        "usd_per_1k_calls_after": round(after, 4),
        "saved_share": round(1 - after / before, 4) if before else 0.0,
        "tasks": [{**asdict(c), "saved_share": round(c.saved_share, 4)} for c in costs],
    }
