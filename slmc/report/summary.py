"""The one summary of a run: computed once from the graph and the unit's reports, stored in ``analysis.json`` under
``summary`` and rendered by the CLI (``slmc analyze`` and ``slmc compile``), report.md and report.html alike, so they
cannot disagree.

``basis`` says what the figures are: ``potential`` (no quality gate ran: every narrow task that got an SLM is assumed
offloaded at its contract's typical fallback share, as ``slmc analyze`` estimates) or ``measured`` (after the gate:
only tasks that passed it are offloaded, each at the fallback rate measured on held-out calls). The share of calls
served by SLMs counts each offloaded site's calls less its fallbacks (calls x (1 - fallback)).
"""

from __future__ import annotations

from typing import Any

from slmc.ir import AgentGraph, Decision, SiteKind
from slmc.ir.unit import Reports

POTENTIAL = "potential"
MEASURED = "measured"


def ingest_dropped(report: Any) -> dict[str, int]:
    """What trace ingest left out (an ``IngestReport``): malformed lines, invalid records, skipped non-LLM records."""
    return {"malformed": report.malformed, "invalid": report.invalid, **dict(report.skipped)}


def sites_text(graph: AgentGraph) -> str:
    """``10 call sites and 6 wrapper functions``: call sites counted as the summary counts them (a wrapper function's
    definition is not a call site), for the frontend's stage line."""
    wrappers = sum(1 for s in graph.sites() if s.site == SiteKind.WRAPPER)
    text = f"{len(graph.sites()) - wrappers} call sites"
    return text + (f" and {wrappers} wrapper functions" if wrappers else "")


def summarize(graph: AgentGraph, reports: Reports, kept: int | None = None) -> dict[str, Any]:
    """The run's figures. ``kept``: the trace records left after the passes (None: not known)."""
    tasks = graph.tasks()
    measured = any(t.decision is not None for t in tasks)
    savings = reports.savings or {}
    rows = {r["task"]: r for r in savings.get("tasks", [])}
    if measured:
        offloaded_tasks = {t.id for t in tasks if t.decision == Decision.OFFLOAD}
    else:
        offloaded_tasks = {t for t, r in rows.items() if r.get("offloaded")}
    sites = [s for s in graph.sites() if s.site != SiteKind.WRAPPER]
    task_sites = {sid for t in tasks if t.id in offloaded_tasks for sid in t.sites}
    if measured:
        offloaded = [s for s in sites if s.decision == Decision.OFFLOAD]
    else:
        offloaded = [s for s in sites if s.id in task_sites]
    calls = sum(s.traffic.calls for s in sites if s.traffic)
    fallback = _task_fallback(graph, savings, measured)
    served = sum(s.traffic.calls * (1 - _site_fallback(s.id, tasks, fallback)) for s in offloaded if s.traffic)
    busy = sum(1 for s in sites if s.traffic and s.traffic.calls)
    out: dict[str, Any] = {
        "basis": MEASURED if measured else POTENTIAL,
        "sites": len(sites),
        "sites_with_traffic": busy,
        "sites_without_traffic": len(sites) - busy,
        "sites_offloaded": len(offloaded),
        "sites_kept": len(sites) - len(offloaded),
        "tasks": len(tasks),
        "tasks_offloaded": len(offloaded_tasks),
        "calls": calls,
        "unlinked_calls": int((reports.link or {}).get("unlinked", 0)),
        "calls_to_slm_share": (served / calls) if calls else 0.0,
    }
    records_in = reports.records_in
    dropped = {stage: dict(r) for stage, r in reports.dropped.items()}
    if records_in is not None:
        out["records"] = {
            "input": int(records_in),
            "kept": kept,
            "dropped": dropped,
            "dropped_total": sum(n for r in dropped.values() for n in r.values()),
        }
    cost_rows = _cost_rows(graph, savings, measured)
    weight = sum(r["calls"] for r in cost_rows if r["offloaded"])
    out["expected_fallback_rate"] = (
        sum(r["fallback_share"] * r["calls"] for r in cost_rows if r["offloaded"]) / weight if weight else 0.0
    )
    total = sum(r["calls"] for r in cost_rows)
    if total:  # one base for every share and $ figure: the records kept after curation, as the tables count them
        out["share_base_calls"] = total
        out["calls_to_slm_share"] = sum(r["calls"] for r in cost_rows if r["offloaded"]) / total
        before = sum(r["llm_per_1k"] * r["calls"] for r in cost_rows) / total
        after = sum(r["after_per_1k"] * r["calls"] for r in cost_rows) / total
        out.update(
            {
                "usd_per_1k_calls_before": round(before, 4),
                "usd_per_1k_calls_after": round(after, 4),
                "saved_share": round(1 - after / before, 4) if before else 0.0,
                "llm_price_model": savings.get("llm_price_model"),
                "gpu": savings.get("gpu"),
                "prices_as_of": savings.get("prices_as_of"),
                "cost_tasks": cost_rows,
            }
        )
    return out


def _task_fallback(graph: AgentGraph, savings: dict[str, Any], measured: bool) -> dict[str, float]:
    """Each task's share of calls that fall back to the LLM: measured on held-out calls after the gate, else the
    contract's typical share that select-slm assumed."""
    out = {str(r["task"]): float(r.get("fallback_share") or 0.0) for r in savings.get("tasks", [])}
    if measured:
        out.update({t.id: t.eval.fallback_rate for t in graph.tasks() if t.eval is not None and t.eval.n})
    return out


def _site_fallback(site_id: str, tasks: list[Any], fallback: dict[str, float]) -> float:
    """The calls-weighted fallback share of the tasks serving a site (0 when none carries traffic)."""
    serving = [t for t in tasks if site_id in t.sites]
    weight = sum(t.calls for t in serving)
    if weight:
        return sum(fallback.get(t.id, 0.0) * t.calls for t in serving) / weight
    return sum(fallback.get(t.id, 0.0) for t in serving) / len(serving) if serving else 0.0


def _cost_rows(graph: AgentGraph, savings: dict[str, Any], measured: bool) -> list[dict[str, Any]]:
    """Per task: calls, LLM $/1k, $/1k after, fallback share, offloaded; sorted by calls (busiest first).

    Potential: select-slm's estimate as is. Measured: a task counts as offloaded only if it passed the gate, and its
    fallback is the calibrated rate measured on held-out calls."""
    tasks = {t.id: t for t in graph.tasks()}
    rows = []
    for row in savings.get("tasks", []):
        n, llm = int(row["calls"]), float(row["llm_per_1k"])
        offloaded = bool(row.get("offloaded"))
        fallback = float(row.get("fallback_share") or 0.0)
        after = float(row["after_per_1k"])
        if measured:
            task = tasks.get(row["task"])
            if task is not None and task.decision == Decision.OFFLOAD and offloaded:
                slm_only = after - fallback * llm
                fallback = task.eval.fallback_rate if task.eval is not None else fallback
                after = slm_only + fallback * llm
            else:
                offloaded, after = False, llm
        rows.append(
            {
                "task": row["task"],
                "calls": n,
                "llm_per_1k": round(llm, 6),
                "after_per_1k": round(after, 6),
                "fallback_share": round(fallback, 4) if offloaded else None,
                "offloaded": offloaded,
                "saved_share": round(1 - after / llm, 4) if llm else 0.0,
            }
        )
    return sorted(rows, key=lambda r: (-r["calls"], r["task"]))


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f} %"


def dropped_text(records: dict[str, Any]) -> str:
    """``4800 read, 4548 kept; 252 dropped (curate: duplicate 200, refusal 52)``."""
    head = f"{records['input']} read"
    if records.get("kept") is not None:
        head += f", {records['kept']} kept"
    if not records["dropped_total"]:
        return head + "; none dropped"
    parts = [
        f"{stage}: " + ", ".join(f"{reason} {n}" for reason, n in sorted(r.items(), key=lambda kv: (-kv[1], kv[0])))
        for stage, r in records["dropped"].items()
    ]
    return f"{head}; {records['dropped_total']} dropped ({'; '.join(parts)})"


def _base_text(s: dict[str, Any]) -> str:
    """`` (5070 in tasks after curation, ...)``: the calls the shares and $ figures are over, when known."""
    if "share_base_calls" not in s:
        return ""
    return f" ({s['share_base_calls']} in tasks after curation: the base of the shares and $ figures)"


def render_summary(s: dict[str, Any]) -> list[str]:
    """The summary lines (plain text), shared by the CLI and the reports."""
    label = "measured after the quality gate" if s["basis"] == MEASURED else "potential, before training and the gate"
    lines = [f"figures: {label}"]
    if "records" in s:
        lines.append(f"trace records: {dropped_text(s['records'])}")
    verb = "offloaded to SLMs" if s["basis"] == MEASURED else "could be offloaded to SLMs"
    lines += [
        f"sites: {s['sites']} ({s['sites_with_traffic']} with traffic, {s['sites_without_traffic']} without; "
        f"{s['sites_offloaded']} {verb}, {s['sites_kept']} kept on the LLM)",
        f"tasks: {s['tasks']} ({s['tasks_offloaded']} {'offloaded' if s['basis'] == MEASURED else 'could be offloaded'})",
        f"calls in traces: {s['calls']}{_base_text(s)}; share "
        f"{'served by SLMs' if s['basis'] == MEASURED else 'SLMs could serve'}: {s['calls_to_slm_share']:.1%}"
        + (" (offloaded calls less their fallbacks)" if s["basis"] == MEASURED else "")
        + "; "
        f"expected fallback on offloaded tasks: {s['expected_fallback_rate']:.1%}",
    ]
    if "usd_per_1k_calls_before" in s:
        lines.append(
            f"$ per 1k calls: {s['usd_per_1k_calls_before']:.4f} before -> {s['usd_per_1k_calls_after']:.4f} after "
            f"({_pct(s['saved_share'])} saved; LLM {s['llm_price_model']}, SLMs on {s['gpu']}, fallbacks included; "
            f"prices as of {s['prices_as_of']})"
        )
    return lines


__all__ = ["MEASURED", "POTENTIAL", "dropped_text", "ingest_dropped", "render_summary", "sites_text", "summarize"]
