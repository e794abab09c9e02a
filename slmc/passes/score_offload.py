"""score-offload: how well could an SLM serve each task, and each site?

Combines the static triage of the sites (``LLMCall.triage``, may be None) with trace evidence: contract strictness,
output entropy, answer length, input length, consistency of answers to equal inputs, sampling temperature and
volume. Each available signal is a number in 0..1 (1 = narrow); the score is their weighted mean, and every signal
leaves a reason. Verdict: narrow at >= ``narrow_at`` with at least ``min_calls`` calls, open-ended below
``open_below``, else unclear. Also answers the paper's case-study question per agent in
``unit.reports.offload``: the share of calls, tokens and LLM dollars in narrow tasks.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from slmc.compiler.passmanager import Pass, PassContext
from slmc.ir.nodes import LLMCall, OffloadScore, Task, Verdict
from slmc.ir.unit import CompileUnit
from slmc.traces.record import TraceRecord

WEIGHTS = {
    "triage": 1.0,
    "contract": 2.0,
    "entropy": 1.0,
    "answer_length": 1.0,
    "input_length": 0.5,
    "consistency": 1.0,
    "temperature": 1.0,
}


def input_tokens(r: TraceRecord) -> int:
    return r.input_tokens if r.input_tokens is not None else len(r.prompt_text()) // 4 + 1


def output_tokens(r: TraceRecord) -> int:
    return r.output_tokens if r.output_tokens is not None else len(r.answer_text()) // 4 + 1


def _entropy(values: list[str]) -> float:
    """Shannon entropy of the exact answers, normalised by log(n): 0 all equal .. 1 all distinct."""
    if len(values) < 2:
        return 0.0
    counts = Counter(values)
    n = len(values)
    h = -sum(c / n * math.log(c / n) for c in counts.values())
    return h / math.log(n)


def _ramp(value: float, good: float, bad: float) -> float:
    """1 at or below ``good``, 0 at or above ``bad``, log-linear between."""
    if value <= good:
        return 1.0
    if value >= bad:
        return 0.0
    return 1 - (math.log(value) - math.log(good)) / (math.log(bad) - math.log(good))


def task_signals(task: Task, records: list[TraceRecord], sites: list[LLMCall]) -> dict[str, tuple[float, str]]:
    """signal name -> (value 0..1, reason)."""
    out: dict[str, tuple[float, str]] = {}
    triaged = [s.triage for s in sites if s.triage is not None]
    if triaged:
        value = sum(t.score for t in triaged) / len(triaged)
        verdicts = "/".join(sorted({str(t.verdict) for t in triaged}))
        out["triage"] = (value, f"static triage {verdicts} ({value:.2f})")
    contract = task.contract
    if contract is not None:
        out["contract"] = (contract.strictness, f"contract {contract.kind} (strictness {contract.strictness:.2f})")
    if not records:
        return out
    answers = [r.answer_text() for r in records]
    entropy = _entropy(answers)
    strict = contract.strictness if contract else 0.0
    # distinct answers are expected of structured tasks; entropy counts against free text only
    out["entropy"] = (1 - entropy * (1 - strict), f"answer entropy {entropy:.2f} ({len(set(answers))} distinct)")
    mean_out = sum(output_tokens(r) for r in records) / len(records)
    out["answer_length"] = (_ramp(mean_out, 64, 1024), f"answers {mean_out:.0f} tokens on average")
    mean_in = sum(input_tokens(r) for r in records) / len(records)
    out["input_length"] = (_ramp(mean_in, 2048, 32768), f"prompts {mean_in:.0f} tokens on average")
    groups: dict[str, list[str]] = defaultdict(list)
    for r, a in zip(records, answers, strict=True):
        groups[_input_key(r)].append(a)
    repeated = [g for g in groups.values() if len(g) > 1]
    if repeated:
        agree = sum(len(set(g)) == 1 for g in repeated) / len(repeated)
        out["consistency"] = (agree, f"answers to equal inputs agree in {agree:.0%} of {len(repeated)} repeated inputs")
    temps = [float(t) for r in records if isinstance(t := r.params.get("temperature"), int | float)]
    if temps:
        mean_t = sum(temps) / len(temps)
        out["temperature"] = (max(0.0, 1 - mean_t / 1.0), f"temperature {mean_t:.2f}")
    return out


def _input_key(r: TraceRecord) -> str:
    import json

    return json.dumps([r.messages, r.tools], sort_keys=True, default=str)


def combine(signals: dict[str, tuple[float, str]]) -> float:
    total = sum(WEIGHTS[k] for k in signals)
    return sum(WEIGHTS[k] * v for k, (v, _) in signals.items()) / total if total else 0.5


@dataclass(frozen=True)
class ScoreOffload(Pass):
    name = "score-offload"
    summary = "score each task and site for offloading to an SLM; the agent's offloadable share of calls/tokens/$"
    requires = ("contracts",)
    provides = ("offload-scores",)
    keeps_traces = True

    narrow_at: float = 0.6
    open_below: float = 0.4
    min_calls: int = 50  # fewer teacher examples than this: not enough to fine-tune (unclear)

    def verdict(self, score: float, calls: int) -> tuple[Verdict, str | None]:
        if score < self.open_below:
            return Verdict.OPEN_ENDED, None
        if score >= self.narrow_at:
            if calls < self.min_calls:
                return Verdict.UNCLEAR, f"only {calls} calls (need {self.min_calls} to fine-tune)"
            return Verdict.NARROW, None
        return Verdict.UNCLEAR, None

    def run(self, ctx: PassContext, unit: CompileUnit) -> CompileUnit:
        from slmc.analysis.prices import llm_price, prices_for

        graph = unit.graph
        by_task: dict[str, list[TraceRecord]] = defaultdict(list)
        for r in unit.traces or []:
            if r.task and not r.error:
                by_task[r.task].append(r)
        per_site: dict[str, list[tuple[Task, OffloadScore, list[TraceRecord]]]] = defaultdict(list)
        models = Counter(r.model for r in unit.traces or [] if r.model)
        price = llm_price(
            ctx.settings.llm_price_model or (models.most_common(1)[0][0] if models else None),
            prices_for(ctx.settings.prices),
        )
        summary: dict[str, Any] = {"calls": 0, "tokens": 0, "usd": 0.0, "narrow": {"calls": 0, "tokens": 0, "usd": 0.0}}
        for task in graph.tasks():
            records = by_task.get(task.id, [])
            sites = [s for s in (graph.get(sid) for sid in task.sites) if isinstance(s, LLMCall)]
            signals = task_signals(task, records, sites)
            score = round(combine(signals), 3)
            calls = len(records) or task.calls
            verdict, extra = self.verdict(score, calls)
            reasons = tuple(reason for _, reason in signals.values()) + ((extra,) if extra else ())
            tin = sum(input_tokens(r) for r in records)
            tout = sum(output_tokens(r) for r in records)
            offload = OffloadScore(score, verdict, reasons, calls, tin, tout)
            graph.update(task.id, offload=offload)
            usd = price.call_cost(tin, tout)
            for bucket in [summary] + ([summary["narrow"]] if verdict == Verdict.NARROW else []):
                bucket["calls"] += calls
                bucket["tokens"] += tin + tout
                bucket["usd"] += usd
            for sid in task.sites:
                per_site[sid].append((task, offload, [r for r in records if r.site_id == sid]))
        for sid, entries in per_site.items():
            graph.update(sid, offload=self._site_score(entries))
        unit.reports.offload = {
            "llm_price_model": price.model,
            "calls": summary["calls"],
            "tokens": summary["tokens"],
            "usd": round(summary["usd"], 6),
            "narrow_calls": summary["narrow"]["calls"],
            "narrow_tokens": summary["narrow"]["tokens"],
            "narrow_usd": round(summary["narrow"]["usd"], 6),
            "fraction_calls": _share(summary["narrow"]["calls"], summary["calls"]),
            "fraction_tokens": _share(summary["narrow"]["tokens"], summary["tokens"]),
            "fraction_usd": _share(summary["narrow"]["usd"], summary["usd"]),
        }
        return unit

    def _site_score(self, entries: list[tuple[Task, OffloadScore, list[TraceRecord]]]) -> OffloadScore:
        """Calls-weighted score of the tasks a site carries; narrow only when every busy task is narrow."""
        calls = sum(len(rs) for _, _, rs in entries)
        if calls:
            score = sum(o.score * len(rs) for _, o, rs in entries) / calls
        else:
            score = sum(o.score for _, o, _ in entries) / len(entries)
        busy = [o for _, o, rs in entries if rs] or [o for _, o, _ in entries]
        if all(o.verdict == Verdict.NARROW for o in busy):
            verdict = Verdict.NARROW
        elif all(o.verdict == Verdict.OPEN_ENDED for o in busy):
            verdict = Verdict.OPEN_ENDED
        else:
            verdict = Verdict.UNCLEAR
        reasons = tuple(f"{t.id}: {o.verdict} ({o.score:.2f}, {len(rs)} calls here)" for t, o, rs in entries)
        tin = sum(input_tokens(r) for _, _, rs in entries for r in rs)
        tout = sum(output_tokens(r) for _, _, rs in entries for r in rs)
        return OffloadScore(round(score, 3), verdict, reasons, calls, tin, tout)


def _share(part: float, whole: float) -> float:
    return round(part / whole, 4) if whole else 0.0
