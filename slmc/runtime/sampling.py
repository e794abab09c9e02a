"""S6 sampling: a share of the calls the SLM serves also goes to the LLM in shadow, within a $-per-day budget.

The manifest's ``defaults.sample`` (per site ``sample_rate`` overrides the rate; ``SLMC_SAMPLE_RATE`` overrides every
rate for the person running the agent)::

    defaults:
      sample:
        rate: 0.05                # share of the SLM-served calls of each offloaded site also sent to the LLM
        budget_usd_per_day: 5.0   # stop sampling for the rest of the UTC day once sampled LLM calls cost this much
        usd_per_1m_input: 2.5     # the LLM's price, to cost each sampled call from the usage it reports
        usd_per_1m_output: 10.0

The share is exact and even, not random: with ``rate: 0.25`` the 1st, 5th, 9th... served call of a site is sampled.
A sampled call is answered by the SLM at once; the original function runs afterwards on a shadow worker (on a copy of
its arguments) and the log record of the call carries both answers (``route: slm``, ``sampled: true``,
``llm_output``, ``agree``, ``sample_usd``). A call whose usage is not reported is costed at 4 characters a token.
The budget is checked before each sample, so concurrent samples may overshoot it by at most the calls in flight.
Stdlib only.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slmc.runtime.types import Answer


@dataclass(frozen=True)
class SamplePolicy:
    rate: float = 0.0
    budget_usd_per_day: float | None = None  # None: no cap
    usd_per_1m_input: float = 0.0
    usd_per_1m_output: float = 0.0

    def cost(self, answer: Answer | None, prompt_chars: int = 0) -> float:
        """The $ of one LLM call: its reported usage at the policy's prices (4 characters a token when unreported)."""
        tokens_in = answer.prompt_tokens if answer and answer.prompt_tokens else math.ceil(prompt_chars / 4)
        if answer and answer.completion_tokens:
            tokens_out = answer.completion_tokens
        else:
            text = (answer.content or "") if answer else ""
            tokens_out = math.ceil(len(text) / 4) + sum(
                len(str(c.get("arguments") or "")) // 4 for c in (answer.tool_calls if answer else [])
            )
        return (tokens_in * self.usd_per_1m_input + tokens_out * self.usd_per_1m_output) / 1e6


class Sampler:
    """Which served calls to sample (per-site even share) and what today's samples cost (reset each UTC day)."""

    def __init__(self, policy: SamplePolicy, clock: Callable[[], float] = time.time) -> None:
        self.policy = policy
        self.clock = clock
        self._lock = threading.Lock()
        self._seen: dict[str, int] = {}
        self._day = self._today()
        self.spent_usd = 0.0

    def _today(self) -> tuple[int, int]:
        day = time.gmtime(self.clock())
        return day.tm_year, day.tm_yday

    def pick(self, site_id: str, rate: float | None = None) -> str | None:
        """``"sample"`` for a call to sample now, ``"budget"`` for one the day's budget stops, None for the rest."""
        rate = self.policy.rate if rate is None else rate
        if rate <= 0:
            return None
        with self._lock:
            seen = self._seen.get(site_id, 0) + 1
            self._seen[site_id] = seen
            if math.ceil(seen * rate - 1e-9) <= math.ceil((seen - 1) * rate - 1e-9):
                return None
            today = self._today()
            if today != self._day:
                self._day, self.spent_usd = today, 0.0
            budget = self.policy.budget_usd_per_day
            if budget is not None and self.spent_usd >= budget:
                return "budget"
            return "sample"

    def spend(self, usd: float) -> None:
        with self._lock:
            today = self._today()
            if today != self._day:
                self._day, self.spent_usd = today, 0.0
            self.spent_usd += max(0.0, usd)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "rate": self.policy.rate,
                "budget_usd_per_day": self.policy.budget_usd_per_day,
                "spent_usd_today": round(self.spent_usd, 6),
            }
