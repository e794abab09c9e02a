"""Incremental recompile (S6): `slmc compile --from BUNDLE` with one changed task vs a full compile of the same data.

    python bench/incremental_recompile.py [--train-budget 20] [--keep DIR]

1. compiles examples/support_agent on its traces (the deployed bundle);
2. changes one task's data: new phrasing on a share of the classify site's calls (same labels);
3. times a full compile of the new traces and `slmc compile --from` the deployed bundle on them, each with a fresh
   stage cache, and prints both, their ratio (target <= 25 %), the tasks reused and the decisions that changed.
CPU only, offline. Several minutes: it trains every task once for the bundle and once for the full compile.

Measured (2026-12-03, 2 shared CPU cores under heavy, varying load from other jobs, --train-budget 10, scratch:tiny;
the runs before the last paragraph were made with --cpu-only forcing scratch:tiny on every task):
before: full 757.7 s, --from 303.1 s (40 %); the passes every compile runs dominated (the cluster map embedded
  every sampled text with MiniLM, plan-finetune built each task's scratch base and tokenised its rows).
after (--from seeds the map's embeddings from the deployed compile's cache, reuses the token lengths of unchanged
  rows, warm-starts the retrained task; MiniLM runs without importing sentence-transformers in every compile):
  run 1: full 362.4 s, --from 121.3 s (33 %); run 2 (full and --from again on the same deployed bundle): full
  298.5 s, --from 62.9 s (21 %). classify trained (warm-started from the deployed model), the 3 other tasks' models
  and evaluations reused, no decision changed. The spread is the machine's load; what remains in --from is the
  process's imports, MiniLM for the ~390 new texts on the map, classify's training (budget + model load) and its
  evaluation.
On this session's final main (2026-12-03, default --train-budget 20, 2 cores shared with the test suite): deployed
bundle 148.2 s, full compile of the new traces 145.5 s, --from 61.7 s (42 %): classify retrained (warm start), the
other tasks reused. The full compile itself got faster (encoder heads train in seconds, open-ended draft_reply is not
trained, extract_fields is stopped by its pilot), so the fixed cost of --from now weighs more: target not met.
Later session (2026-12-03, --train-budget 20; the 2 cores under load average 12-14 before, 25 after; one run each):
with --cpu-only every task is scratch:tiny (full): classify retrains a decoder here, not a classifier head.
before: full 343.9 s, --from 137.3 s (40 %). --from stages: cluster-tasks 72.4 s (MiniLM load + the 392 new texts of
  the changed site on the map), train 27.4 s (classify: 20 s budget + trl's dataset preparation), plan-finetune 4.3 s,
  evaluate 5.8 s, ~20 s outside the passes (imports, stage cache, report); full: cluster-tasks 161.8 s (1971 texts),
  train 88.5 s (3 tasks), evaluate 52.0 s.
after (the map's MiniLM on one intra-op thread, as every small model; --from keeps the deployed hashed drift profile
  of each unchanged site; one MiniLM cache per compile shared by the map, classifier-head training and the monitor's
  encoder-space profile, which this bench does not exercise): full 277.2 s, --from 133.3 s (48 %). --from
  cluster-tasks 60.6 s, train 32.3 s; full cluster-tasks 99.9 s: one thread sped up the full compile's 1971 texts more
  than --from's 392, so the ratio rose. What --from still pays is needed: the same imports (torch, transformers, trl,
  scikit-learn), MiniLM for the genuinely new texts, and one of the three trained tasks trained with the same per-task
  budget (its training alone is about a third of the full compile's): 25 % needs a shorter budget for a warm-started
  retrain (a training decision, not a cache).
Final main of that session (2026-12-03, --train-budget 20, 2 cores with little else running; one run each):
--cpu-only no longer forces scratch:tiny on every task (it was applied as a base-model override), so classify is the
MiniLM classifier head, extract_fields the span head and route_ticket the tool-call head, as in the README job; the
map embeds at most the 1,500 items it draws.
  run A: deployed 99.9 s, full 109.0 s, --from 31.6 s (29 %); --from stages: cluster-tasks 10.4 s, plan-finetune
  10.1 s (the classify pilot embedded its 1,000 sampled texts again), train 4.0 s (classify, warm start).
  run B (the pilot reads the compile's MiniLM cache too): deployed 92.3 s, full 97.3 s, --from 22.0 s (23 %): target
  met; --from stages: cluster-tasks 9.7 s (MiniLM load + the new texts the map draws), plan-finetune 4.6 s, train
  2.0 s; full: cluster-tasks 15.3 s, plan-finetune 5.4 s, train 43.2 s (3 heads), evaluate 16.5 s. classify retrained
  (warm start), extract_fields and route_ticket reused, no decision changed.
  run C (final main: the span head's null-key schema reverted, so extract_fields is again a scratch stand-in stopped
  by its pilot): deployed 96.9 s, full 99.0 s, --from 20.8 s (21 %): target met; same reuse, no decision changed.
Next session's final main (2026-12-03, span head back, inputs PII-masked alike in training and serving, the tool
head's folds sharing one frozen pass; 2 cores with little else running; one run): deployed 115.5 s, full 119.5 s,
--from 28.8 s (24 %): target met; classify retrained (warm start), extract_fields and route_ticket reused, no decision
changed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "support_agent"
SITE = "llm:classify@agent.py:58"


def compile_(agent: Path, traces: Path, out: Path, budget: str, *extra: str) -> tuple[float, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLMC_")}
    env.update(PYTHONPATH=str(ROOT), HF_HUB_OFFLINE="1")
    cmd = [sys.executable, "-m", "slmc", "compile", str(agent), "--traces", str(traces), "--out", str(out)]
    cmd += ["--target", "hf", "--cpu-only", "--train-budget", budget, "--no-progress", "--fresh", *extra]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=agent.parent)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"compile failed ({' '.join(cmd)}):\n{proc.stderr[-3000:]}")
    return seconds, proc.stdout + proc.stderr


def shifted_traces(src: Path, dst: Path, share: float = 0.3, seed: int = 7) -> int:
    """The traces with new phrasing on ``share`` of the classify site's calls (answers unchanged)."""
    rng = random.Random(seed)
    changed = 0
    with src.open(encoding="utf-8") as fin, dst.open("w", encoding="utf-8") as fout:
        for line in fin:
            rec = json.loads(line)
            if rec.get("site_id") == SITE and rng.random() < share:
                rec["messages"][-1]["content"] = "Hi team, quick question. " + rec["messages"][-1]["content"]
                rec["id"] = rec.get("id", "") + "-v2"
                changed += 1
            fout.write(json.dumps(rec) + "\n")
    return changed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train-budget", default="20", help="seconds of training per task (default 20)")
    parser.add_argument("--keep", type=Path, default=None, help="work in this folder and keep it")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="slmc-incremental-"))
    work.mkdir(parents=True, exist_ok=True)
    agent = work / "agent" / "agent.py"
    agent.parent.mkdir(exist_ok=True)
    shutil.copy(EXAMPLE / "agent.py", agent)
    traces2 = work / "traces-v2.jsonl"
    changed = shifted_traces(EXAMPLE / "traces.jsonl", traces2)
    deployed, _ = compile_(agent, EXAMPLE / "traces.jsonl", work / "bundle-v1", args.train_budget)
    full, _ = compile_(agent, traces2, work / "bundle-full", args.train_budget)
    incremental, _ = compile_(agent, traces2, work / "bundle-v2", args.train_budget, "--from", str(work / "bundle-v1"))
    infos = sorted((work / ".bundle-v2.slmc-cache" / "work" / "models").glob("*/slmc-train.json"))
    reused = [p.parent.name for p in infos if json.loads(p.read_text()).get("reused_from") == "bundle"]
    trained = [p.parent.name for p in infos if p.parent.name not in reused]
    warm = {p.parent.name: (json.loads(p.read_text()).get("warm_start") or {}).get("reason") for p in infos}
    diff = json.loads((work / "bundle-v2" / "report" / "decision-diff.json").read_text(encoding="utf-8"))
    print(f"changed classify calls: {changed}")
    print(f"deployed bundle compile: {deployed:.1f} s")
    print(f"full compile of the new traces: {full:.1f} s")
    print(f"compile --from the bundle: {incremental:.1f} s ({100 * incremental / full:.0f} % of full; target <= 25 %)")
    print(f"reused from the bundle: {reused}; trained: {trained}")
    print("trained from: " + "; ".join(f"{name}: {warm.get(name)}" for name in trained))
    print(f"decisions changed: {len(diff['changed'])}, unchanged: {diff['unchanged']}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
