"""End to end, the S6 flywheel on a small agent (``tests/e2e/flywheel_agent``): the deployed agent keeps learning.

1. ``slmc compile`` the agent on its traces (two closed-label steps: both offloaded to MiniLM classifier heads);
2. the REWRITTEN agent runs under the real runtime router, with shadow sampling (``SLMC_SAMPLE_RATE``), against the
   replaying fake LLM (traced inputs replay; new ones are answered by the teacher). Halfway its message traffic
   shifts: half of it now asks to cancel a subscription, a topic the traces never saw; the review traffic does not;
3. ``slmc monitor`` on the bundle and the router log flags the triage site (exit 1; drift and the new label named)
   and not the review site;
4. ``slmc compile --from BUNDLE`` on the traces plus the router log retrains only the triage task (the review task's
   model and evaluation are reused from the bundle); no decision changes (report/decision-diff.json);
5. the new bundle's rewritten agent serves the new label from its SLM (router log: route slm, answer ``cancel``).

Clustering runs on TF-IDF (``cluster-tasks{embedder=tfidf}``: it only draws the report's cluster map) and the gate
target is 0.85 (held-out splits of ~30 rows) to keep the compiles short; the heads are MiniLM.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from slmc import runtime
from slmc.testing.examples import load_module
from slmc.testing.fake_llm import FakeLLM
from slmc.training.embed import minilm_available

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
AGENT = Path(__file__).resolve().parent / "flywheel_agent"
TRIAGE = "llm:triage@agent.py:26"
RATE = "llm:rate@agent.py:36"
PIPELINE = (
    "triage,link-traces,scrub-pii,curate,cluster-tasks{embedder=tfidf},infer-contracts,score-offload,select-slm,"
    "plan-finetune,train,evaluate,gate,plan-serving"
)
BEFORE, AFTER = 60, 100  # calls of each stream before the shift, after it


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLMC_")}
    return env | {"HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT), "TOKENIZERS_PARALLELISM": "false"}


def _slmc(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "slmc", *args], capture_output=True, text=True, env=_env(), cwd=cwd, timeout=900
    )


def _compile(work: Path, out: str, traces: list[Path], *extra: str) -> subprocess.CompletedProcess:
    done = _slmc(
        *("compile", "agent/agent.py", "--traces", *map(str, traces), "--target", "hf", "--out", out),
        *("--pipeline", PIPELINE, "--gate-target", "0.85", "--train-budget", "30", "--no-progress", *extra),
        cwd=work,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return done


def _serve(bundle: Path, llm: FakeLLM, log: Path, messages: list[str], reviews: list[str]) -> list[str]:
    """The bundle's rewritten agent on the two streams, routed by the real runtime; its triage answers."""
    agent = load_module(bundle / "agent" / "agent.py", f"flywheel_rewritten_{bundle.name}")
    runtime.configure(bundle / "slmc-manifest.yaml", log=log, warm=True)
    try:
        topics = [agent.triage(m) for m in messages]
        for review in reviews:
            agent.rate(review)
        assert runtime.drain(120)  # the sampled calls' LLM runs
    finally:
        runtime.reset()
    return topics


def _routed(log: Path) -> list[dict]:
    """Per logged call: the router's record, with ``answer``, the answer the agent got."""
    records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    return [r["meta"]["router"] | {"answer": r.get("output")} for r in records]


def test_drift_is_flagged_and_only_the_drifted_task_is_retrained(tmp_path, monkeypatch, capsys):
    started = time.perf_counter()
    truth = load_module(AGENT / "teacher.py", "flywheel_teacher_e2e")
    work = tmp_path / "work"
    (work / "agent").mkdir(parents=True)
    (work / "agent" / "agent.py").write_bytes((AGENT / "agent.py").read_bytes())
    traces = AGENT / "traces.jsonl"

    # 1. the deployed bundle
    _compile(work, "bundle", [traces])
    bundle = work / "bundle"
    compiled = time.perf_counter()

    # 2. live traffic with shadow sampling; the message stream shifts halfway, the review stream does not
    traced_messages, traced_reviews = truth.messages(300, 0), truth.reviews(300, 1)
    shifted = truth.messages(AFTER, 11, drifted=True)
    log = tmp_path / "router.jsonl"
    monkeypatch.setenv("SLMC_SAMPLE_RATE", "0.5")
    with FakeLLM(teacher=truth.teacher, replay=[traces]) as llm:
        monkeypatch.setenv("FLYWHEEL_LLM_URL", llm.url)
        _serve(
            bundle,
            llm,
            log,
            traced_messages[:BEFORE] + shifted,
            traced_reviews[:BEFORE] + traced_reviews[BEFORE : BEFORE + AFTER],
        )
    routed = _routed(log)
    assert len(routed) == 2 * (BEFORE + AFTER)
    assert sum(r.get("sampled", False) for r in routed) >= 0.4 * len(routed)  # shadow sampling reached the LLM
    assert sum(r["route"] == "slm" for r in routed) >= 0.8 * len(routed)

    # 3. the monitor flags the triage site: drift and the new label named, exit non-zero
    watched = _slmc("monitor", str(bundle), "--traces", str(log), "--json", "--fail-on-drift", cwd=work)
    assert watched.returncode == 1, watched.stderr[-3000:]
    findings = json.loads(watched.stdout)
    sites = {s["site"]: s for s in findings["sites"]}
    assert findings["drifted"] == [TRIAGE]
    triage = sites[TRIAGE]
    assert "label 'cancel'" in " ".join(triage["drift"]["reasons"])
    assert triage["new_answers"].get("label 'cancel'", 0) >= 10
    assert sites[RATE]["status"] == "ok" and not sites[RATE]["drift"]["flagged"]
    space = "minilm" if minilm_available() else "hash-ngram-v1"  # the heads' encoder, where it is installed
    assert triage["drift"]["space"] == space and sites[RATE]["drift"]["space"] == space
    monitored = time.perf_counter()

    # 4. recompile from the deployed bundle with the router log: only the triage task is trained again
    second = _compile(work, "bundle-v2", [traces, log], "--from", str(bundle))
    new = work / "bundle-v2"
    models = work / ".bundle-v2.slmc-cache" / "work" / "models"
    infos = {p.parent.name: json.loads(p.read_text()) for p in models.glob("*/slmc-train.json")}
    assert set(infos) == {"triage", "rate"}
    assert infos["rate"].get("reused_from") == "bundle"
    assert "reused_from" not in infos["triage"]
    assert "task:rate: unchanged since the deployed bundle" in second.stderr
    assert "task:triage: training" in second.stderr and "task:rate: training" not in second.stderr
    diff = json.loads((new / "report" / "decision-diff.json").read_text(encoding="utf-8"))
    assert diff == {"changed": [], "unchanged": 2}
    assert (new / "adapters" / "rate" / "head.safetensors").read_bytes() == (
        bundle / "adapters" / "rate" / "head.safetensors"
    ).read_bytes()
    assert (new / "adapters" / "triage" / "head.safetensors").read_bytes() != (
        bundle / "adapters" / "triage" / "head.safetensors"
    ).read_bytes()
    assert (new / "agent" / "agent.py").read_text() == (bundle / "agent" / "agent.py").read_text()
    recompiled = time.perf_counter()

    # 5. the new bundle serves the new label from the SLM
    cancels = [m for m in truth.messages(60, 23, drifted=True) if truth.topic_of(m) == "cancel"]
    log2 = tmp_path / "router-v2.jsonl"
    monkeypatch.setenv("SLMC_SAMPLE_RATE", "0")
    with FakeLLM(teacher=truth.teacher, replay=[traces]) as llm:
        monkeypatch.setenv("FLYWHEEL_LLM_URL", llm.url)
        topics = _serve(new, llm, log2, cancels, [])
    served = [r for r in _routed(log2) if r["route"] == "slm"]
    assert len(served) >= 0.8 * len(cancels)
    assert Counter(r["answer"] for r in served).most_common(1)[0] == ("cancel", len(served))
    assert Counter(topics)["cancel"] >= 0.9 * len(cancels)

    line = (
        f"[e2e flywheel] compile {compiled - started:.0f}s, run + monitor {monitored - compiled:.0f}s, "
        f"compile --from {recompiled - monitored:.0f}s, serve {time.perf_counter() - recompiled:.0f}s; "
        f"triage drift: {triage['drift']}"
    )
    with capsys.disabled():
        print("\n" + line)
