"""The LLM price table and the SLM serving-cost model (``slmc/data/prices.yaml``; see the formula there)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from slmc.errors import SlmcError

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


PRICE_KEYS = ("input", "output")
META_KEYS = ("as-of",)


def parse_overrides(table: Any, where: str = "[tool.slmc.prices]") -> dict[str, Any]:
    """``[tool.slmc.prices]``: ``model = { input = 2.5, output = 10.0 }`` ($ per 1M tokens) and ``as-of = "2026-01"``.

    A model of the shipped table may override one price; a new model needs both. Unknown keys, and prices that are
    not non-negative numbers, are errors with a did-you-mean."""
    import difflib

    if not isinstance(table, dict):
        raise SlmcError(f"{where} must be a table of model = {{ input = ..., output = ... }}")
    known = load_prices()["llm"]
    out: dict[str, Any] = {"llm": {}, "as_of": None}
    for model, row in table.items():
        if model in META_KEYS:
            if not isinstance(row, str | int) or isinstance(row, bool):
                raise SlmcError(f'{where} {model} must be a date text, e.g. "2026-01"')
            out["as_of"] = str(row)
            continue
        if not isinstance(row, dict):
            near = difflib.get_close_matches(model, list(META_KEYS), n=1)
            hint = f"did you mean {near[0]!r}? " if near else ""
            raise SlmcError(
                f"{where} {model} must be a table {{ input = ..., output = ... }} ($ per 1M tokens)",
                hint=hint + f"e.g. {model} = {{ input = 2.5, output = 10.0 }}",
            )
        for key, value in row.items():
            if key not in PRICE_KEYS:
                near = difflib.get_close_matches(key, PRICE_KEYS, n=1)
                raise SlmcError(
                    f"unknown key {key!r} in {where} {model}",
                    hint=(f"did you mean {near[0]!r}? " if near else "") + "known keys: input, output",
                )
            if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value) or value < 0:
                raise SlmcError(f"{where} {model}.{key} must be a non-negative number ($ per 1M tokens)")
        if model not in known and set(row) != set(PRICE_KEYS):
            near = difflib.get_close_matches(model, list(known), n=1)
            raise SlmcError(
                f"{where} {model} is not in the price table, so it needs both input and output",
                hint=(f"did you mean {near[0]!r}? " if near else "") + f"known models: {', '.join(known)}",
            )
        out["llm"][model] = {k: float(v) for k, v in row.items()}
    return out


def merged_prices(overrides: dict[str, Any] | None) -> dict[str, Any]:
    """The shipped table with ``overrides`` (``parse_overrides``) merged over it; ``source`` says where each came
    from, ``as_of`` is the override's date when it gives one."""
    base = load_prices()
    if not overrides or not (overrides.get("llm") or overrides.get("as_of")):
        return {**base, "source": "slmc/data/prices.yaml"}
    llm = {name: dict(row) for name, row in base["llm"].items()}
    for name, row in overrides.get("llm", {}).items():
        llm[name] = {**llm.get(name, {}), **row}
    names = ", ".join(overrides.get("llm", {})) or "no models"
    return {
        **base,
        "llm": llm,
        "as_of": overrides.get("as_of") or base.get("as_of"),
        "source": f"slmc/data/prices.yaml with [tool.slmc.prices] ({names})",
    }


def prices_for(overrides: dict[str, Any] | None) -> dict[str, Any]:
    """The price table a run uses: ``overrides`` (``Settings.prices``, from ``[tool.slmc.prices]``) over the shipped
    one."""
    return merged_prices(overrides)


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
