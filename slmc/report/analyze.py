"""The `slmc analyze` report: one analysis dict (``analysis.json``) rendered as Markdown, self-contained HTML (inline
CSS and SVG plots) and a terminal summary."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from slmc.ir.graph import AgentGraph
from slmc.ir.serialize import to_jsonable
from slmc.ir.unit import Reports
from slmc.report.svg import hbar, scatter

TEMPLATES = Path(__file__).parent / "templates"


def build_analysis(
    graph: AgentGraph,
    traces: list[Any] | None,
    reports: Reports,
    *,
    agent: str = "",
    passes: list[tuple[str, float]] | None = None,
    skipped: list[str] | None = None,
    diagnostics: list[Any] | None = None,
    summary: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything the report shows, as plain JSON data. ``summary``: the run's figures as the CLI prints them
    (``slmc.report.summary.summarize``; computed here when not given), shown as the report's headline."""
    from slmc.analysis.prices import LLMPrice, llm_price
    from slmc.passes.score_offload import input_tokens, output_tokens
    from slmc.report.summary import summarize

    traces = traces or []
    models = [r.model for r in traces if r.model]
    savings = reports.savings or {}
    if savings.get("llm_price"):  # the price the savings were computed with ([tool.slmc.prices] included)
        price = LLMPrice(savings["llm_price_model"], savings["llm_price"]["input"], savings["llm_price"]["output"])
    else:
        price = llm_price(max(set(models), key=models.count) if models else None)
    per_site: dict[str, dict[str, float]] = defaultdict(lambda: {"calls": 0, "input_tokens": 0, "output_tokens": 0})
    for r in traces:
        row = per_site[r.site_id or "<unlinked>"]
        row["calls"] += 1
        row["input_tokens"] += input_tokens(r)
        row["output_tokens"] += output_tokens(r)
    sites = []
    for s in graph.sites():
        row = per_site.get(s.id, {"calls": 0, "input_tokens": 0, "output_tokens": 0})
        sites.append(
            {
                "id": s.id,
                "kind": str(s.site),
                "loc": str(s.loc),
                "client": s.client,
                "model": s.model,
                "found_by": s.found_by,
                **row,
                "usd": round(price.call_cost(row["input_tokens"], row["output_tokens"]), 6),
                "triage": to_jsonable(s.triage),
                "offload": to_jsonable(s.offload),
                "tasks": [t.id for t in graph.preds(s.id)] if s.id in graph else [],
            }
        )
    sites = [s | {"tasks": [t for t in s["tasks"] if t.startswith("task:")]} for s in sites]
    unlinked = per_site.get("<unlinked>")
    tasks = []
    for t in graph.tasks():
        tasks.append(
            {
                "id": t.id,
                "name": t.name,
                "sites": list(t.sites),
                "calls": t.calls,
                "keywords": list(t.keywords),
                "examples": list(t.examples),
                "contract": ({**t.contract.to_dict(), "strictness": t.contract.strictness} if t.contract else None),
                "offload": to_jsonable(t.offload),
                "slm": to_jsonable(t.slm),
                "finetune": to_jsonable(t.finetune),
                "eval": to_jsonable(t.eval),
                "decision": str(t.decision) if t.decision else None,
                "decision_reasons": list(t.decision_reasons),
            }
        )
    clustering = dict(reports.clustering or {})
    curation = reports.curation or {}
    return {
        "format": "slmc.analysis",
        "version": 1,
        "agent": agent,
        "summary": summary if summary is not None else summarize(graph, reports, kept=len(traces)),
        "traces": len(traces),
        "unlinked_calls": int(unlinked["calls"]) if unlinked else 0,
        "llm_price": {"model": price.model, "input": price.input, "output": price.output},
        "sites": sites,
        "tasks": tasks,
        "clustering": clustering,
        "distill": distill_lines(curation),
        "offload_summary": reports.offload or {},
        "savings": reports.savings or {},
        "passes": [{"name": n, "seconds": round(s, 3)} for n, s in passes or []],
        "skipped_passes": skipped or [],
        "diagnostics": [d.concise() for d in diagnostics or []],
    }


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f} %"


def _usd(x: float | None) -> str:
    return "–" if x is None else f"${x:,.4f}"


def price_note(v: dict[str, Any]) -> str:
    """Where the LLM price came from and its date."""
    price = v.get("llm_price") or {}
    where = v.get("prices_source") or "slmc/data/prices.yaml"
    return (
        f"LLM price {v.get('llm_price_model')}: ${price.get('input', '–')} / ${price.get('output', '–')} per 1M "
        f"input / output tokens, as of {v.get('prices_as_of')} ({where}; override in `[tool.slmc.prices]`)."
    )


def _slm_text(slm: dict | None) -> str:
    if not slm:
        return "stays on the LLM"
    return f"{slm['model']} ({slm['method']})"


def by_volume(tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Tasks busiest first (then by id)."""
    return sorted(tasks, key=lambda t: (-t["calls"], t["id"]))


def sites_by_volume(a: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Call sites with traffic, busiest first, and those without (shown folded), as the summary counts them: a
    wrapper function's definition is not a call site (its calls are counted where it is called)."""
    calls = [s for s in a["sites"] if s["kind"] != "wrapper"]
    busy = sorted((s for s in calls if s["calls"]), key=lambda s: (-s["calls"], s["id"]))
    idle = sorted((s for s in calls if not s["calls"]), key=lambda s: s["id"])
    return busy, idle


def headline(a: dict[str, Any]) -> list[str]:
    """The summary lines, as the CLI prints them (the same dict renders the report's headline)."""
    from slmc.report.summary import POTENTIAL, render_summary

    lines = render_summary(a["summary"])
    s = a["offload_summary"]
    if s:
        lines.insert(
            1,
            f"narrow tasks ({POTENTIAL}): {_pct(s.get('fraction_calls'))} of calls, {_pct(s.get('fraction_tokens'))} "
            f"of tokens, {_pct(s.get('fraction_usd'))} of LLM dollars ({s.get('llm_price_model')})",
        )
    return lines


def distill_lines(curation: dict[str, Any]) -> list[str]:
    """What curate changed in the distillation data: names renamed to the current schema, teacher answers dropped
    for breaking the site's contract, near-duplicates (one line per site and kind of change)."""
    lines = []
    for site, changed in sorted((curation.get("renamed") or {}).items()):
        pairs = [f"{a} → {b}" for key in ("tools", "fields") for a, b in (changed.get(key) or {}).items()]
        pairs += [f"{t}.{a} → {b}" for t, m in (changed.get("arguments") or {}).items() for a, b in m.items()]
        lines.append(
            f"{site}: schema drift, renamed in {changed.get('records', 0)} records to the names the source declares: "
            + ", ".join(pairs)
        )
    for site, row in sorted((curation.get("contract") or {}).items()):
        if row.get("broken"):
            what = "dropped" if row.get("enforced", True) else "kept (the declaration may be stale)"
            why = "; ".join(f"{e} ×{n}" for e, n in (row.get("errors") or {}).items())
            lines.append(
                f"{site}: {row['broken']} of {row['checked']} teacher answers break its {row['kind']} contract, "
                f"{what}: {why}"
            )
    near = sum((s.get("removed") or {}).get("near-duplicate", 0) for s in (curation.get("sites") or {}).values())
    if near:
        lines.append(f"{near} near-duplicate records dropped (same prompt and answer up to case, punctuation, spacing)")
    return lines


def render_terminal(a: dict[str, Any]) -> str:
    lines = [f"slmc analyze: {a['agent']}"]
    lines += [f"  {line}" for line in headline(a)]
    if a["clustering"]:
        lines.append(f"  clustering: {a['clustering'].get('how', '')}")
    lines += [f"  distillation data: {line}" for line in a.get("distill", [])]
    lines.append("")
    lines.append(f"  {'task':34s} {'calls':>7s} {'contract':10s} {'verdict':11s} {'score':>5s}  plan")
    for t in by_volume(a["tasks"]):
        o = t["offload"] or {}
        kind = (t["contract"] or {}).get("kind", "–")
        score = o.get("score")
        lines.append(
            f"  {t['id'][:34]:34s} {t['calls']:7d} {kind:10s} {o.get('verdict', '–'):11s} "
            f"{(f'{score:.2f}' if score is not None else '–'):>5s}  {_slm_text(t['slm'])}"
        )
    found = found_by_traces(a)
    if found:
        lines.append("")
        lines.append(f"  {len(found)} call site(s) found by traces (the static analysis missed them):")
        lines += [f"    {s['id']} ({s['kind']}, {s['calls']} calls)" for s in found]
    if a["skipped_passes"]:
        lines.append(f"  skipped passes (not available): {', '.join(a['skipped_passes'])}")
    return "\n".join(lines)


def found_by_traces(a: dict[str, Any]) -> list[dict[str, Any]]:
    """The call sites added from the traces' stacks or code locations (wrapper definitions left out, as in the
    call-site counts)."""
    return [s for s in a["sites"] if s.get("found_by") == "traces" and s["kind"] != "wrapper"]


def render_markdown(a: dict[str, Any]) -> str:
    s, v, c = a["offload_summary"], a["savings"], a["summary"]
    out = [f"# slmc analysis: {a['agent']}", "", "## Summary", ""]
    out += [f"- {line}" for line in headline(a)]
    if a["clustering"]:
        out.append(f"- clustering: {a['clustering'].get('how', '')}")
    out.append("")
    if a.get("distill"):
        out += ["## Distillation data", "", *(f"- {line}" for line in a["distill"]), ""]
    if s:
        out += [
            "## How much could SLMs serve?",
            "",
            f"Potential, over the {s['calls']:,} trace records kept after curation (narrow tasks only).",
            "",
            "| share of | narrow tasks | all | fraction |",
            "|---|---:|---:|---:|",
            f"| calls | {s['narrow_calls']:,} | {s['calls']:,} | {_pct(s['fraction_calls'])} |",
            f"| tokens | {s['narrow_tokens']:,} | {s['tokens']:,} | {_pct(s['fraction_tokens'])} |",
            f"| LLM $ ({s['llm_price_model']}) | {_usd(s['narrow_usd'])} | {_usd(s['usd'])} | {_pct(s['fraction_usd'])} |",
            "",
        ]
    if "usd_per_1k_calls_before" in c:
        basis = (
            "measured after the quality gate: only tasks that passed it are offloaded, at their measured fallback rate"
            if c["basis"] == "measured"
            else "potential: every narrow task with an SLM offloaded, at its contract's typical fallback share"
        )
        out += [
            "## Savings",
            "",
            f"$ per 1k calls: **{_usd(c['usd_per_1k_calls_before'])}** on {c['llm_price_model']} now, "
            f"**{_usd(c['usd_per_1k_calls_after'])}** with SLMs served on {c['gpu']} "
            f"(saves {_pct(c['saved_share'])}; {basis}). Offloaded calls pay the SLM; the fallback share pays the LLM "
            f"as well. {price_note(v)}",
            "",
            "| task | calls | LLM $/1k | after $/1k | fallback | saved |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for t in c["cost_tasks"]:
            out.append(
                f"| {t['task']} | {t['calls']:,} | {_usd(t['llm_per_1k'])} | {_usd(t['after_per_1k'])} | "
                f"{_pct(t['fallback_share']) if t['offloaded'] else '–'} | {_pct(t['saved_share'])} |"
            )
        out.append("")
    gated = [t for t in a["tasks"] if t.get("decision")]
    if gated:
        out += ["## Quality gate (compile)", ""]
        out += [
            "| task | model | metric | agreement | accepted agreement | lower bound | n | fallback | decision |",
            "|---|---|---|---:|---:|---:|---:|---:|---|",
        ]
        for t in by_volume(gated):
            e = t.get("eval") or {}
            model = (t.get("slm") or {}).get("model", "–")
            method = (t.get("finetune") or {}).get("method") or (t.get("slm") or {}).get("method", "")
            out.append(
                f"| `{t['id']}` | {model} ({method}) | {e.get('metric', '–')} | {_pct(e.get('agreement'))} | "
                f"{_pct(e.get('accepted_agreement'))} | {_pct(e.get('lower_bound'))} | {e.get('n', '–')} | "
                f"{_pct(e.get('fallback_rate'))} | **{t['decision']}**: {'; '.join(t['decision_reasons'])} |"
            )
        out.append("")
    out += [
        "## Tasks",
        "",
        "| task | sites | calls | contract | verdict | score | plan |",
        "|---|---|---:|---|---|---:|---|",
    ]
    for t in by_volume(a["tasks"]):
        o = t["offload"] or {}
        out.append(
            f"| `{t['id']}` | {', '.join(f'`{x}`' for x in t['sites'])} | {t['calls']:,} | "
            f"{(t['contract'] or {}).get('kind', '–')} | {o.get('verdict', '–')} | {o.get('score', 0):.2f} | "
            f"{_slm_text(t['slm'])} |"
        )
    out.append("")
    for t in by_volume(a["tasks"]):
        out.append(f"### `{t['id']}`")
        out.append("")
        out.append(f"Keywords: {', '.join(t['keywords']) or '–'}.")
        for why in (t["offload"] or {}).get("reasons", []):
            out.append(f"- {why}")
        if t["slm"]:
            out.append(f"- plan: **{_slm_text(t['slm'])}** — " + "; ".join(t["slm"]["reasons"]))
            if t["slm"]["alternatives"]:
                out.append(f"- alternatives: {', '.join(t['slm']['alternatives'])}")
        out.append("")
    busy, idle = sites_by_volume(a)
    out += ["## Call sites", "", "| site | calls | tokens in/out | LLM $ | verdict |", "|---|---:|---:|---:|---|"]
    for site in busy:
        out.append(
            f"| `{site['id']}` | {site['calls']:,} | {site['input_tokens']:,} / {site['output_tokens']:,} | "
            f"{_usd(site['usd'])} | {(site['offload'] or {}).get('verdict', '–')} |"
        )
    out.append("")
    found = found_by_traces(a)
    if found:
        out += [
            f"{len(found)} call site(s) found by traces (the static analysis missed them; added from the records' "
            "stacks or code locations):",
            "",
            *(f"- `{site['id']}` ({site['kind']}, {site['calls']:,} calls)" for site in found),
            "",
        ]
    if idle:
        out += [
            f"<details><summary>{len(idle)} sites without traffic</summary>",
            "",
            *(f"- `{site['id']}` ({site['kind']})" for site in idle),
            "",
            "</details>",
            "",
        ]
    return "\n".join(out)


def render_html(a: dict[str, Any]) -> str:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html", "j2"]), undefined=StrictUndefined
    )
    busy = sorted((s for s in a["sites"] if s["calls"]), key=lambda s: -s["calls"])[:20]
    plots = {
        "calls": hbar("Calls per call site", [(s["id"], s["calls"]) for s in busy], css="calls"),
        "tokens": hbar(
            "Tokens per call site (in + out)",
            [(s["id"], s["input_tokens"] + s["output_tokens"]) for s in busy],
            css="tokens",
        ),
        "usd": hbar("LLM $ per call site", [(s["id"], s["usd"]) for s in busy], fmt="${:,.4f}", css="usd"),
    }
    projection = a["clustering"].get("projection") or []
    names = [t["id"] for t in by_volume(a["tasks"])]
    index = {n: i for i, n in enumerate(names)}
    if any(p.get("task") not in index for p in projection):
        names.append("(no task)")  # every colour on the map is in the legend
    points = [{"x": p["x"], "y": p["y"], "group": index.get(p.get("task"), len(index))} for p in projection]
    plots["map"] = scatter("Cluster map (2-D PCA of the clustered sample)", points, names)
    return env.get_template("analyze.html.j2").render(
        a=a,
        plots=plots,
        pct=_pct,
        usd=_usd,
        slm_text=_slm_text,
        headline=headline,
        by_volume=by_volume,
        sites_by_volume=sites_by_volume,
        price_note=price_note,
    )


def write_reports(out: Path, analysis: dict[str, Any]) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "analysis.json", out / "report.md", out / "report.html"]
    paths[0].write_text(json.dumps(analysis, indent=1, ensure_ascii=False, default=str), encoding="utf-8")
    paths[1].write_text(render_markdown(analysis), encoding="utf-8")
    paths[2].write_text(render_html(analysis), encoding="utf-8")
    return paths
