"""The CLI summary and the report tell the same numbers; every dropped record is counted with its reason; a run
that does not write to a terminal shows one line per stage and nothing from the ML libraries.

The agent is examples/support_agent (wrapper functions, so its graph has more sites than call sites with traffic)
with a slice of its traces and a few broken records added.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
AGENT = REPO / "examples" / "support_agent" / "agent.py"
TRACES = REPO / "examples" / "support_agent" / "traces.jsonl"
PIPELINE = "triage,link-traces,scrub-pii,curate,cluster-tasks{embedder=tfidf},infer-contracts,score-offload,select-slm"

# what the fixture breaks on purpose, per (stage, reason)
BROKEN = {("curate", "error"): 3, ("curate", "truncated"): 2, ("curate", "empty"): 1, ("ingest", "malformed"): 1}
SUMMARY_KEYS = ("figures", "narrow tasks (potential)", "trace records", "sites", "tasks", "calls in traces")
SUMMARY_KEYS += ("$ per 1k calls",)
COPIES = 4  # exact copies of kept records: curate drops them as duplicates


@pytest.fixture(scope="module")
def traces(tmp_path_factory) -> Path:
    lines = TRACES.read_text(encoding="utf-8").splitlines()[:320]
    records = [json.loads(line) for line in lines]
    out = [json.dumps(r) for r in records]
    for i in range(BROKEN[("curate", "error")]):
        out.append(json.dumps({**records[10 + i], "output": None, "error": "RateLimitError: 429", "id": f"err{i}"}))
    for i in range(BROKEN[("curate", "truncated")]):
        out.append(json.dumps({**records[20 + i], "finish_reason": "length", "id": f"len{i}"}))
    text_only = next(r for r in records[30:] if not r.get("tool_calls"))
    out.append(json.dumps({**text_only, "output": "  ", "id": "empty0"}))
    out.append('{"model": "gpt-4o", "messages": [')  # cut short: not JSON
    out += [json.dumps(records[40 + i]) for i in range(COPIES)]
    path = tmp_path_factory.mktemp("traces") / "traces.jsonl"
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """slmc in a child process whose stdout and stderr are pipes (not a terminal), as in CI or a log file."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "slmc", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=300
    )


@pytest.fixture(scope="module")
def analyzed(traces: Path) -> tuple[subprocess.CompletedProcess, Path]:
    out = traces.parent / "analysis"
    run = _run("analyze", str(AGENT), "--traces", str(traces), "--out", str(out), "--embedder", "tfidf", cwd=out.parent)
    assert run.returncode == 0, run.stderr
    return run, out


def _cli_figures(text: str) -> dict[str, float]:
    """The numbers of the printed summary: sites, tasks, calls, $ before/after, records read/kept/dropped."""
    figures: dict[str, float] = {}
    m = re.search(r"sites: (\d+) \((\d+) with traffic, (\d+) without; (\d+) ", text)
    assert m, text
    figures.update(zip(("sites", "busy", "idle", "offloaded"), map(int, m.groups()), strict=True))
    m = re.search(r"tasks: (\d+) \((\d+) ", text)
    figures.update(tasks=int(m.group(1)), tasks_offloaded=int(m.group(2)))
    m = re.search(r"\$ per 1k calls: ([\d.]+) before -> ([\d.]+) after", text)
    figures.update(before=float(m.group(1)), after=float(m.group(2)))
    m = re.search(r"trace records: (\d+) read, (\d+) kept; (\d+) dropped", text)
    figures.update(read=int(m.group(1)), kept=int(m.group(2)), dropped=int(m.group(3)))
    return figures


def _json_figures(summary: dict) -> dict[str, float]:
    return {
        "sites": summary["sites"],
        "busy": summary["sites_with_traffic"],
        "idle": summary["sites_without_traffic"],
        "offloaded": summary["sites_offloaded"],
        "tasks": summary["tasks"],
        "tasks_offloaded": summary["tasks_offloaded"],
        "before": summary["usd_per_1k_calls_before"],
        "after": summary["usd_per_1k_calls_after"],
        "read": summary["records"]["input"],
        "kept": summary["records"]["kept"],
        "dropped": summary["records"]["dropped_total"],
    }


def _report_figures(md: str, html: str) -> tuple[tuple[float, float], tuple[float, float]]:
    """$ per 1k calls before/after as report.md's Savings section and report.html's card show them."""
    m = re.search(r"\$ per 1k calls: \*\*\$([\d.]+)\*\* on .*?\*\*\$([\d.]+)\*\*", md)
    h = re.search(r"\$ per 1k calls \(\w+\)<b>\$([\d.]+) → \$([\d.]+)</b>", html)
    assert m and h, "no $ per 1k calls in the report"
    return (float(m.group(1)), float(m.group(2))), (float(h.group(1)), float(h.group(2)))


def test_analyze_cli_summary_is_the_report(analyzed):
    run, out = analyzed
    analysis = json.loads((out / "analysis.json").read_text(encoding="utf-8"))
    cli = _cli_figures(run.stdout)
    assert cli == _json_figures(analysis["summary"])
    assert analysis["summary"]["basis"] == "potential" and "figures: potential" in run.stdout
    md, html = (out / "report.md").read_text(encoding="utf-8"), (out / "report.html").read_text(encoding="utf-8")
    for before_after in _report_figures(md, html):
        assert before_after == (cli["before"], cli["after"])
    assert f"sites: {cli['sites']} ({cli['busy']} with traffic" in md
    assert f"{cli['idle']} sites without traffic" in md and f"{cli['idle']} sites without traffic" in html


def test_compile_cli_summary_is_the_report(traces: Path, tmp_path: Path):
    """compile without training (the summary still computes): what it prints is what its report and
    compile-summary.json say."""
    out = tmp_path / "build"
    run = _run("compile", str(AGENT), "--traces", str(traces), "--out", str(out), "--pipeline", PIPELINE, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    analysis = json.loads((out / "report" / "analysis.json").read_text(encoding="utf-8"))
    cli = _cli_figures(run.stdout)
    assert cli == _json_figures(analysis["summary"])
    assert json.loads((out / "compile-summary.json").read_text(encoding="utf-8"))["summary"] == analysis["summary"]
    md = (out / "report" / "report.md").read_text(encoding="utf-8")
    html = (out / "report" / "report.html").read_text(encoding="utf-8")
    for before_after in _report_figures(md, html):
        assert before_after == (cli["before"], cli["after"])
    assert "figures: potential" in run.stdout  # no gate ran: nothing here is measured


def test_every_share_of_calls_has_one_base(analyzed):
    """The summary's share SLMs could serve is over the same calls as its tables and its $ figures (the records kept
    after curation), so it is the narrow share of calls the line above it gives, not a second number for it."""
    run, out = analyzed
    analysis = json.loads((out / "analysis.json").read_text(encoding="utf-8"))
    summary, narrow = analysis["summary"], analysis["offload_summary"]
    rows = summary["cost_tasks"]
    base = sum(r["calls"] for r in rows)
    assert base == summary["records"]["kept"] == narrow["calls"] < summary["calls"]  # duplicates etc. were dropped
    served = sum(r["calls"] for r in rows if r["offloaded"]) / base
    assert summary["calls_to_slm_share"] == pytest.approx(served)
    assert {r["task"] for r in rows if r["offloaded"]} == {
        t["id"] for t in analysis["tasks"] if (t["offload"] or {}).get("verdict") == "narrow"
    }  # here every narrow task got an SLM: the two lines must then say the same share
    share = re.search(r"narrow tasks \(potential\): ([\d.]+) % of calls", run.stdout).group(1)
    line = re.search(
        r"calls in traces: (\d+) \((\d+) in tasks after curation[^)]*\); share SLMs could serve: ([\d.]+)%", run.stdout
    )
    assert line, run.stdout
    assert (int(line.group(1)), int(line.group(2))) == (summary["calls"], base) and line.group(3) == share
    md = (out / "report.md").read_text(encoding="utf-8")
    assert f"{share} %" in md and f"could serve: {share}%" in md


def _stage_sites(stderr: str) -> tuple[int, int]:
    """(call sites, wrapper functions) the frontend stage line gives."""
    m = re.search(r"\] frontend [\d.]+s: (\d+) call sites(?: and (\d+) wrapper functions)?[ ;]", stderr)
    assert m, stderr
    return int(m.group(1)), int(m.group(2) or 0)


def test_the_stage_line_counts_call_sites_as_the_summary_does(analyzed, traces: Path, tmp_path: Path):
    """The frontend stage line said "16 call sites" (wrapper definitions included) above a summary saying "sites: 10"
    for the same agent: both now count call sites alike, wrapper functions apart."""
    run, out = analyzed
    summary = json.loads((out / "analysis.json").read_text(encoding="utf-8"))["summary"]
    sites, wrappers = _stage_sites(run.stderr)
    assert sites == summary["sites"] == int(re.search(r"sites: (\d+) \(", run.stdout).group(1)) and wrappers > 0
    build = tmp_path / "build"
    pipeline = "triage,link-traces,scrub-pii,curate"
    done = _run(
        "compile", str(AGENT), "--traces", str(traces), "--out", str(build), "--pipeline", pipeline, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert _stage_sites(done.stderr) == (sites, wrappers)


def test_every_dropped_record_is_counted_with_its_reason(analyzed, traces: Path):
    run, out = analyzed
    records = json.loads((out / "analysis.json").read_text(encoding="utf-8"))["summary"]["records"]
    lines = len(traces.read_text(encoding="utf-8").splitlines())
    assert records["input"] == lines
    per_reason = {(stage, reason): n for stage, r in records["dropped"].items() for reason, n in r.items()}
    assert sum(per_reason.values()) == records["dropped_total"] == records["input"] - records["kept"]
    for key, n in BROKEN.items():
        assert per_reason.get(key) == n, (key, per_reason)
    assert per_reason.get(("curate", "duplicate"), 0) >= COPIES
    assert "unexplained" not in {reason for _, reason in per_reason}
    # and the run says so where it happens: the curate stage line and the summary
    curate = next(line for line in run.stderr.splitlines() if "] curate " in line)
    assert "error 3" in curate and "truncated 2" in curate and "empty 1" in curate
    assert f"{records['dropped_total']} dropped (" in run.stdout and "ingest: malformed 1" in run.stdout


def test_a_pass_that_drops_records_silently_is_caught():
    from slmc.compiler import passmanager as pm
    from slmc.ir.unit import CompileUnit

    class Silent(pm.Pass):
        name = "silent"

        def run(self, ctx, unit):
            unit.traces[:] = unit.traces[:3]
            return unit

    unit = CompileUnit(traces=list(range(10)))
    notes = []
    pm.PassManager([Silent()], verify=False, on_done=lambda name, note, s: notes.append(note)).run(
        pm.PassContext(), unit
    )
    assert unit.reports.dropped == {"silent": {"unexplained": 7}}
    assert notes == ["10 -> 3 records; dropped unexplained 7"]


def test_non_tty_output_is_one_line_per_stage(analyzed):
    run, _ = analyzed
    stage_lines = [line for line in run.stderr.splitlines() if re.match(r"\[\d+/\d+\] ", line)]
    names = [line.split()[1] for line in stage_lines]
    assert names == ["frontend", *PIPELINE.replace("{embedder=tfidf}", "").split(",")]
    assert int(stage_lines[0].split("/")[1].split("]")[0]) == len(stage_lines)
    diagnostics = [line for line in run.stderr.splitlines() if re.search(r": [EW]\d{3} ", line)]
    assert [d.split(": ", 1)[1] for d in diagnostics] == ["E101 malformed JSON: Expecting value"]
    others = [line for line in run.stderr.splitlines() if line not in stage_lines + diagnostics]
    assert others == [], others  # no per-pass chatter, no library logs
    for text in (run.stderr, run.stdout):
        assert "\r" not in text and "it/s" not in text and "{'loss'" not in text and "Traceback" not in text


def test_summary_is_measured_after_the_gate():
    """After the gate the same renderer labels the figures as measured and counts only accepted tasks, at their
    measured fallback rate."""
    from slmc.compiler.driver import format_summary
    from slmc.compiler.passmanager import PassContext, PassManager, parse_pipeline
    from slmc.compiler.settings import Settings
    from slmc.frontend import analyze_paths
    from slmc.ir.nodes import Decision, EvalResult
    from slmc.ir.unit import CompileUnit
    from slmc.report.analyze import build_analysis, render_markdown
    from slmc.report.summary import summarize
    from slmc.traces.ingest import read_traces

    graph, _ = analyze_paths([AGENT], root=AGENT.parent)
    records, _ = read_traces([TRACES])
    settings = Settings(embedder="tfidf")
    ctx = PassContext(root=AGENT.parent, settings=settings)
    unit = PassManager(parse_pipeline(PIPELINE, settings)).run(ctx, CompileUnit(graph, records[:320]))
    graph = unit.graph
    potential = summarize(graph, unit.reports)
    accepted = next(r["task"] for r in potential["cost_tasks"] if r["offloaded"])
    for t in graph.tasks():
        decision = Decision.OFFLOAD if t.id == accepted else Decision.KEEP
        graph.update(t.id, decision=decision, eval=EvalResult("exact", 0.97, 0.95, 100, fallback_rate=0.2))
    for sid in next(t for t in graph.tasks() if t.id == accepted).sites:
        graph.update(sid, decision=Decision.OFFLOAD)
    summary = summarize(graph, unit.reports)
    assert potential["basis"] == "potential" and summary["basis"] == "measured" and summary["tasks_offloaded"] == 1
    row = next(r for r in summary["cost_tasks"] if r["task"] == accepted)
    assert row["fallback_share"] == 0.2 and [r["task"] for r in summary["cost_tasks"] if r["offloaded"]] == [accepted]
    assert summary["usd_per_1k_calls_after"] > potential["usd_per_1k_calls_after"]
    text = format_summary(summary)
    assert "figures: measured after the quality gate" in text and "share served by SLMs" in text
    md = render_markdown(build_analysis(graph, unit.traces, unit.reports, summary=summary))
    for line in text.splitlines():
        assert f"- {line}" in md


def test_report_page_in_headless_chromium(analyzed, tmp_path: Path):
    """The page as a browser shows it: the headline is the CLI's summary, busy sites first, idle ones folded."""
    import shutil

    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not browser:
        pytest.skip("chromium not installed")
    run, out = analyzed
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
    dom = subprocess.run(
        [browser, *flags, f"--user-data-dir={tmp_path / 'p'}", "--dump-dom", (out / "report.html").as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    assert "</html>" in dom
    headline = dom[dom.index('id="headline"') : dom.index('id="summary"')]
    summary = [line.strip() for line in run.stdout.splitlines() if line.startswith("  ") and ": " in line]
    summary = [line for line in summary if line.split(":")[0] in SUMMARY_KEYS]
    assert len(summary) == len(SUMMARY_KEYS)
    for line in summary:
        assert line.replace("->", "-&gt;") in headline, line
    sites = dom[dom.index('id="sites"') :]
    sites = sites[: sites.index("</table>")]
    calls = [int(c) for c in re.findall(r'</td><td>[\w-]+</td><td class="num">(\d+)</td>', sites)]
    assert len(calls) == 4 and calls == sorted(calls, reverse=True) and min(calls) > 0
    idle = dom[dom.index('id="idle-sites"') :]
    idle = idle[: idle.index("</details>")]
    n_idle = _cli_figures(run.stdout)["idle"]
    assert n_idle >= 1  # the example's wrapper functions are sites without traffic of their own
    assert f"<summary>{n_idle} sites without traffic</summary>" in idle and " open" not in idle.split(">", 1)[0]
    assert idle.count("<li>") == n_idle


def test_terminal_output_is_one_bar_over_the_stages(tmp_path: Path):
    """On a terminal (a pseudo-terminal with a size, as a user's shell): one tqdm bar over the stages, redrawn in
    place, the stage lines written above it, and nothing from the ML libraries."""
    import fcntl
    import pty
    import struct
    import termios

    traces = tmp_path / "traces.jsonl"
    traces.write_text("\n".join(TRACES.read_text(encoding="utf-8").splitlines()[:80]) + "\n", encoding="utf-8")
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS", "TQDM_DISABLE")}
    args = ["analyze", str(AGENT), "--traces", str(traces), "--out", str(tmp_path / "a"), "--embedder", "tfidf"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "slmc", *args],
        stdout=terminal,
        stderr=terminal,
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(REPO), "TERM": "xterm"},
    )
    os.close(terminal)
    chunks = []
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # EIO once the child closed its side
            break
        if not chunk:
            break
        chunks.append(chunk)
    assert proc.wait(timeout=300) == 0
    os.close(controller)
    text = b"".join(chunks).decode("utf-8", "replace")
    bars = re.findall(r"\r([\w-]+): +\d+%\|[^\r\n]*\| (\d+)/(\d+) ", text)
    assert bars and {total for _, _, total in bars} == {str(len(PIPELINE.split(",")) + 1)}  # one bar, all stages
    lines = [line.rsplit("\r", 1)[-1] for line in text.split("\r\n")]  # what stays on screen: the bar is cleared
    stages = [line for line in lines if re.match(r"\[\d+/\d+\] ", line)]
    assert [s.split()[1] for s in stages] == ["frontend", *PIPELINE.replace("{embedder=tfidf}", "").split(",")]
    assert "Traceback" not in text and "{'loss'" not in text and "Batches" not in text and "WARNING" not in text
