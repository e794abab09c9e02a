from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from slmc.compiler.cli import main

from . import conftest as fx

FIXTURE = Path(__file__).parent / "fixtures" / "shop_agent.py"
SITES = {
    fx.ASK: "llm:ask@shop_agent.py:11",
    fx.EXTRACT: "llm:extract_order@shop_agent.py:16",
    fx.STEP: "llm:agent_step@shop_agent.py:28",
    fx.REPLY: "llm:write_reply@shop_agent.py:40",
}


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    """Run `slmc analyze` once on the shop agent with generated traces; return the report folder."""
    tmp = tmp_path_factory.mktemp("analyze")
    traces = tmp / "traces.jsonl"
    with traces.open("w", encoding="utf-8") as f:
        for r in fx.make_records(n=70):
            r.site_id, r.split = SITES[r.site_id], None
            f.write(r.to_json() + "\n")
    out = tmp / "out"
    code = main(["analyze", str(FIXTURE), "--traces", str(traces), "--out", str(out), "--embedder", "tfidf", "--quiet"])
    assert code == 0
    return out


def test_analyze_writes_consistent_reports(report: Path, capsys):
    analysis = json.loads((report / "analysis.json").read_text())
    assert analysis["format"] == "slmc.analysis" and not analysis["skipped_passes"]
    kinds = sorted(t["contract"]["kind"] for t in analysis["tasks"])
    assert kinds == ["json", "label", "text", "tool-call"]
    summary = analysis["offload_summary"]
    assert 0 < summary["fraction_calls"] < 1 and summary["calls"] == analysis["traces"]
    busy = {s["id"]: s["calls"] for s in analysis["sites"] if s["calls"]}
    assert set(busy) == set(SITES.values()) and sum(busy.values()) == analysis["traces"]
    savings = analysis["savings"]
    assert savings["usd_per_1k_calls_after"] < savings["usd_per_1k_calls_before"]
    md = (report / "report.md").read_text()
    assert "## How much could SLMs serve?" in md and "classifier:minilm" in md
    for t in analysis["tasks"]:
        assert f"`{t['id']}`" in md


def test_html_is_self_contained(report: Path):
    html = (report / "report.html").read_text()
    assert "<script" not in html and "<link" not in html
    refs = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert refs == []
    assert html.count("<svg") == 4 and "<style>" in html


def test_html_renders_in_headless_chromium(report: Path, tmp_path: Path):
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not browser:
        pytest.skip("chromium not installed")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
    result = subprocess.run(
        [browser, *flags, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", (report / "report.html").as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    dom = result.stdout
    assert result.returncode == 0 and "</html>" in dom
    analysis = json.loads((report / "analysis.json").read_text())
    sites_plot = dom[dom.index('id="site-plots"') : dom.index('id="cluster-map"')]
    assert sites_plot.count('class="bar"') == 3 * 4  # calls, tokens, $ for the four busy sites
    cluster_map = dom[dom.index('id="cluster-map"') : dom.index('id="verdicts"')]
    assert cluster_map.count('class="dot"') == len(analysis["clustering"]["projection"]) > 0
    table = dom[dom.index('id="verdicts"') :]
    table = table[: table.index("</table>")]
    assert table.count("<tr") == 1 + len(analysis["tasks"])
    assert "verdict-open-ended" in table and "verdict-narrow" in table
    calls = [int(c) for c in re.findall(r'<td class="num">(\d+)</td>\s*<td>', table)]
    assert calls == sorted(calls, reverse=True)  # busiest task first
    legend = re.findall(r'class="label legend"><title>([^<]+)</title>', cluster_map)
    assert sorted(legend) == sorted(t["id"] for t in analysis["tasks"])  # every task in the legend
    headline = dom[dom.index('id="headline"') : dom.index('id="summary"')]
    assert "figures: potential" in headline and "prices as of " + analysis["savings"]["prices_as_of"] in headline
    assert "sites: 4 (4 with traffic, 0 without" in headline and 'id="idle-sites"' not in dom
    shot = tmp_path / "report.png"
    subprocess.run(
        [
            browser,
            *flags,
            f"--user-data-dir={tmp_path / 'p2'}",
            f"--screenshot={shot}",
            "--window-size=1200,1600",
            (report / "report.html").as_uri(),
        ],
        capture_output=True,
        timeout=120,
    )
    assert shot.exists() and shot.stat().st_size > 20_000


def test_missing_traces_is_a_clear_error(tmp_path: Path, capsys):
    code = main(["analyze", str(FIXTURE), "--traces", str(tmp_path / "nope.jsonl"), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and "nope.jsonl: no such file" in err and "Traceback" not in err
