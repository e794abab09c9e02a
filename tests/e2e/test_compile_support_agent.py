"""End to end: `slmc compile` on the support-ticket example, offline on CPU, then the rewritten agent at work.

One compile (killed once mid-run, then resumed) feeds every test here:

* the kill leaves no bundle behind and the re-run resumes from the stage cache;
* the bundle holds a valid manifest, the rewritten agent (+ patch), the report and the trained models;
* the example's own test suite passes on the original agent and on the rewritten one (hf target, in-process SLMs);
* a replay run (the fake LLM answers only from the recorded traces) prints the share of calls the SLMs served and
  the fallback rate, and the rewritten agent's answers agree with the original agent's.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from slmc import runtime
from slmc.runtime.manifest import load_manifest
from slmc.testing.examples import load_module
from slmc.testing.fake_llm import FakeLLM

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "support_agent"
TRACES = EXAMPLE / "traces.jsonl"
TRAIN_BUDGET_S = "45"  # per task: keeps the suite short; classify (classifier head) and route pass the gate anyway


def _compile_cmd(out: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "slmc",
        "compile",
        str(EXAMPLE / "agent.py"),
        "--traces",
        str(TRACES),
        "--target",
        "hf",
        "--out",
        str(out),
        "--train-budget",
        TRAIN_BUDGET_S,
        "--no-progress",
    ]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLMC_") and k != "SUPPORT_AGENT_DIR"}
    env["HF_HUB_OFFLINE"] = "1"
    return env


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> dict:
    work = tmp_path_factory.mktemp("e2e")
    out = work / "bundle"
    log1 = work / "first.log"
    # 1. start compiling, kill -9 once training has begun
    with open(log1, "w") as fh:
        proc = subprocess.Popen(_compile_cmd(out), stdout=fh, stderr=subprocess.STDOUT, env=_env(), cwd=work)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and proc.poll() is None:
        if "training" in log1.read_text(errors="replace"):
            break
        time.sleep(0.5)
    assert proc.poll() is None, f"compile ended before training:\n{log1.read_text()[-3000:]}"
    time.sleep(3)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    killed_bundle = out.exists()
    # 2. the re-run resumes and finishes
    started = time.perf_counter()
    second = subprocess.run(_compile_cmd(out), capture_output=True, text=True, env=_env(), cwd=work, timeout=1500)
    seconds = time.perf_counter() - started
    assert second.returncode == 0, second.stderr[-4000:]
    return {
        "out": out,
        "killed_bundle": killed_bundle,
        "log": second.stderr,
        "stdout": second.stdout,
        "seconds": seconds,
    }


def test_killed_compile_leaves_no_bundle_and_the_rerun_resumes(compiled: dict) -> None:
    assert compiled["killed_bundle"] is False
    assert "resuming after stage plan-finetune (cached)" in compiled["log"]
    assert (compiled["out"] / "slmc-manifest.yaml").is_file()
    leftovers = [p.name for p in compiled["out"].parent.iterdir() if ".tmp-" in p.name]
    assert leftovers == []


def test_bundle_holds_manifest_rewritten_agent_report_and_models(compiled: dict) -> None:
    out: Path = compiled["out"]
    manifest = load_manifest(out / "slmc-manifest.yaml")  # the runtime's own validation
    offloaded = {sid for sid, site in manifest.sites.items() if site.decision == "offload"}
    assert "llm:classify@agent.py:58" in offloaded  # a closed label set: the classifier head clears the gate
    assert "llm:draft_reply@agent.py:105" not in offloaded  # free text from a 2M model: kept on the LLM
    rewritten = (out / "agent" / "agent.py").read_text()
    assert "import slmc.runtime as _slmc_runtime" in rewritten
    for sid in offloaded:
        assert f'"{sid}"' in rewritten
    assert "llm:draft_reply@agent.py:105" not in rewritten  # kept sites are not touched
    assert (out / "agent.patch").read_text().startswith("--- a/agent.py")
    report = (out / "report" / "report.md").read_text()
    assert "## Quality gate (compile)" in report and "task:classify" in report
    assert json.loads((out / "report" / "analysis.json").read_text())["compile"]["tasks_offloaded"] >= 1
    raw = yaml.safeload_module((out / "slmc-manifest.yaml").read_text())
    for site in raw["sites"].values():
        if site["decision"] == "offload":
            adapter = site.get("adapter")
            endpoint = raw["endpoints"][site["endpoint"]]
            model = out / (adapter["path"] if adapter else endpoint["base_model"])
            assert model.is_dir() and any(model.iterdir())
    summary = json.loads((out / "compile-summary.json").read_text())["summary"]
    assert 0 < summary["calls_to_slm_share"] <= 1
    assert summary["usd_per_1k_calls_after"] < summary["usd_per_1k_calls_before"]
    assert "share served by SLMs" in compiled["stdout"] + compiled["log"]


def _run_example_tests(env_extra: dict[str, str], log: Path | None = None) -> subprocess.CompletedProcess:
    env = _env() | env_extra
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(EXAMPLE / "test_support_agent.py")],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=900,
    )


def test_example_tests_pass_before_and_after(compiled: dict, tmp_path: Path) -> None:
    before = _run_example_tests({})
    assert before.returncode == 0, before.stdout[-3000:]
    log = tmp_path / "router.jsonl"
    after = _run_example_tests(
        {
            "SUPPORT_AGENT_DIR": str(compiled["out"] / "agent"),
            "SLMC_MANIFEST": str(compiled["out"] / "slmc-manifest.yaml"),
            "SLMC_ROUTER_LOG": str(log),
        }
    )
    assert after.returncode == 0, after.stdout[-3000:]
    routed = [json.loads(line)["meta"]["router"] for line in log.read_text().splitlines()]
    assert sum(r["served_by"] == "slm" for r in routed) > 0  # the tests really ran through the SLMs


def test_replay_run_serves_narrow_calls_from_slms(compiled: dict, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    truth = load_module(EXAMPLE / "teacher.py", "support_agent_teacher_e2e")
    tickets = [t["ticket"] for t in truth.make_tickets(60, seed=0)]  # the traced tickets: every LLM call replays
    fields = ("intent", "order_id", "product", "urgency", "queue", "priority")
    with FakeLLM(replay=[TRACES]) as llm:
        monkeypatch.setenv("SUPPORT_LLM_URL", llm.url)
        original = load_module(EXAMPLE / "agent.py", "support_agent_original")
        expected = [original.handle(t) for t in tickets]
        llm_only_calls = len(llm.requests)
        llm.requests.clear()
        rewritten = load_module(compiled["out"] / "agent" / "agent.py", "support_agent_rewritten")
        runtime.configure(compiled["out"] / "slmc-manifest.yaml")
        try:
            got = [rewritten.handle(t) for t in tickets]
            stats = runtime.stats()
        finally:
            runtime.reset()
        assert llm.misses == 0
        llm_calls = len(llm.requests)
    slm_served = stats["served_by_slm"]
    total = slm_served + llm_calls
    assert total == llm_only_calls  # every call the agent makes is answered, by one side or the other
    share = slm_served / total
    fallback = stats["fallback_total"] / stats["calls"] if stats["calls"] else 0.0
    agree = sum(all(g[k] == e[k] for k in fields) for g, e in zip(got, expected, strict=True)) / len(tickets)
    with capsys.disabled():
        print(
            f"\n[e2e support_agent] compile {compiled['seconds']:.0f}s (resumed); {len(tickets)} tickets, "
            f"{total} LLM calls: {share:.1%} served by SLMs, fallback {fallback:.1%} of routed calls "
            f"({stats['fallbacks']}); answers agreeing with the LLM-only agent: {agree:.1%}"
        )
    assert share >= 0.2
    assert fallback <= 0.2
    assert agree >= 0.9
