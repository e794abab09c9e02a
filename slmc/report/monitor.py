"""The ``slmc monitor`` report: terminal lines, ``monitor.json`` and a self-contained ``monitor.html`` in the style of
the compile report (same stylesheet, cards, tables and bar plots)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from slmc.report.analyze import TEMPLATES, _pct, _usd
from slmc.report.svg import hbar


def render_terminal(m: dict[str, Any]) -> str:
    lines = []
    for s in m["sites"]:
        a = s["agreement"]
        agreement = "–" if a["rate"] is None else f"{a['rate']:.3f} (n={a['paired']})"
        fallback = "–" if s["fallback_rate"] is None else f"{s['fallback_rate']:.0%}"
        drift = s["drift"].get("outside_share")
        lines.append(
            f"{s['status']:>10}  {s['site']}  calls {s['calls']}, agreement {agreement}, fallback {fallback}, "
            f"outside {'–' if drift is None else f'{drift:.0%}'}, $/1k {_usd(s['cost']['usd_per_1k_calls'])}"
        )
        for reason in s["reasons"] + s["drift"]["reasons"]:
            lines.append(f"{'':>12}- {reason}")
    lines.append(
        f"{m['calls']} routed calls, $ per 1k calls {_usd(m['usd_per_1k_calls'])}; "
        f"{len(m['below_gate'])} site(s) below the gate, {len(m['drifted'])} drifted"
    )
    if m["ignored"]:
        lines.append("ignored: " + ", ".join(f"{k} {v}" for k, v in m["ignored"].items()))
    return "\n".join(lines)


def render_html(m: dict[str, Any]) -> str:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html", "j2"]), undefined=StrictUndefined
    )
    sites = m["sites"]
    plots = {
        "agreement": hbar(
            "Live agreement with the LLM (paired calls)",
            [(s["site"], 100 * s["agreement"]["rate"]) for s in sites if s["agreement"]["rate"] is not None],
            fmt="{:.1f}%",
            css="agreement",
        ),
        "fallback": hbar(
            "Fallback rate",
            [(s["site"], 100 * s["fallback_rate"]) for s in sites if s["fallback_rate"] is not None],
            fmt="{:.1f}%",
            css="fallback",
        ),
        "usd": hbar(
            "$ per 1k calls",
            [(s["site"], s["cost"]["usd_per_1k_calls"]) for s in sites if s["cost"]["usd_per_1k_calls"] is not None],
            fmt="${:,.4f}",
            css="usd",
        ),
    }
    return env.get_template("monitor.html.j2").render(m=m, plots=plots, pct=_pct, usd=_usd)


def write_reports(out: Path, monitor: dict[str, Any]) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "monitor.json", out / "monitor.html"]
    paths[0].write_text(json.dumps(monitor, indent=1, ensure_ascii=False), encoding="utf-8")
    paths[1].write_text(render_html(monitor), encoding="utf-8")
    return paths
