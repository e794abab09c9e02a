"""The LLM price table and the SLM serving-cost model (``slmc/data/prices.yaml``; see the formula there)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from slmc.compiler.diagnostics import SlmcError

PRICES_PATH = Path(__file__).resolve().parents[1] / "data" / "prices.yaml"


@dataclass(frozen=True)
class LLMPrice:
    model: str
    input: float  # $ per 1M input tokens
    output: float  # $ per 1M output tokens

    def call_cost(self, input_tokens: float, output_tokens: float) -> float:
        return (input_tokens * self.input + output_tokens * self.output) / 1e6


@cache
def _load(path: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(Path(path).read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise SlmcError(
            f"cannot read the price table: {exc}", path=path, hint="fix or restore slmc/data/prices.yaml"
        ) from None
    if not isinstance(data, dict) or "llm" not in data or "slm_serving" not in data:
        raise SlmcError("price table lacks the llm / slm_serving sections", path=path)
    return data


def load_prices(path: Path | None = None) -> dict[str, Any]:
    return _load(str(path or PRICES_PATH))


def llm_price(model: str | None, prices: dict[str, Any] | None = None) -> LLMPrice:
    """The price of ``model`` (longest matching prefix, then aliases, else the table's default LLM)."""
    prices = prices or load_prices()
    table: dict[str, dict[str, float]] = prices["llm"]
    name = (model or "").strip()
    base = name.rsplit("/", 1)[-1].lower()
    match = prices.get("aliases", {}).get(name) or prices.get("aliases", {}).get(base)
    if match is None:
        candidates = [k for k in table if base.startswith(k.lower())]
        match = max(candidates, key=len) if candidates else prices.get("default_llm", "gpt-4o")
    row = table[match]
    return LLMPrice(match, float(row["input"]), float(row["output"]))


def gpu_for(memory_gb: float | None, cpu_only: bool = False, prices: dict[str, Any] | None = None) -> str:
    """The serving device for the user's constraints: cpu, the cheapest GPU with that much memory, or the default."""
    prices = prices or load_prices()
    serving = prices["slm_serving"]
    if cpu_only:
        return "cpu"
    if not memory_gb:
        return serving.get("default_gpu", "L4")
    gpus = {n: g for n, g in serving["gpus"].items() if n != "cpu"}
    fitting = [(g["memory_gb"], g["usd_per_hour"], n) for n, g in gpus.items() if g["memory_gb"] >= memory_gb]
    if not fitting:  # more memory than any listed GPU: the largest one
        return max((g["memory_gb"], n) for n, g in gpus.items())[1]
    return min(fitting)[2]


def tokens_per_second(params_b: float, gpu: str, prices: dict[str, Any] | None = None) -> float:
    """Aggregate decode throughput, interpolated log-log between the table's model sizes."""
    prices = prices or load_prices()
    gpus = prices["slm_serving"]["gpus"]
    if gpu not in gpus:
        raise SlmcError(f"unknown GPU {gpu!r} in the price table", hint=f"known: {', '.join(gpus)}")
    points = sorted((float(k), float(v)) for k, v in gpus[gpu]["tokens_per_second"].items())
    x = math.log(max(params_b, 1e-3))
    if x <= math.log(points[0][0]):
        (p0, t0), (p1, t1) = points[0], points[1]
    elif x >= math.log(points[-1][0]):
        (p0, t0), (p1, t1) = points[-2], points[-1]
    else:
        i = next(i for i in range(1, len(points)) if math.log(points[i][0]) >= x)
        (p0, t0), (p1, t1) = points[i - 1], points[i]
    slope = (math.log(t1) - math.log(t0)) / (math.log(p1) - math.log(p0))
    return math.exp(math.log(t0) + slope * (x - math.log(p0)))


def slm_cost_per_1m(params_b: float, gpu: str, prices: dict[str, Any] | None = None) -> float:
    """$ per 1M weighted tokens (output + prefill_weight * input) for a model of ``params_b`` on ``gpu``."""
    prices = prices or load_prices()
    serving = prices["slm_serving"]
    usd = float(serving["gpus"][gpu]["usd_per_hour"])
    tps = tokens_per_second(params_b, gpu, prices)
    return usd / (tps * 3600 * float(serving.get("utilisation", 0.5))) * 1e6


def slm_call_cost(input_tokens: float, output_tokens: float, params_b: float, gpu: str, prices=None) -> float:
    prices = prices or load_prices()
    weight = float(prices["slm_serving"].get("prefill_weight", 0.1))
    return (output_tokens + weight * input_tokens) * slm_cost_per_1m(params_b, gpu, prices) / 1e6


def expected_fallback(contract_kind: str | None, prices: dict[str, Any] | None = None) -> float:
    prices = prices or load_prices()
    table = prices["slm_serving"].get("fallback_share", {})
    return float(table.get(contract_kind or "text", table.get("text", 0.2)))
