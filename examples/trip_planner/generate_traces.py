"""Record the trip planner's traces: run it on synthetic requests against the teacher LLM under `slmc.trace`.

    python examples/trip_planner/generate_traces.py --n 1000 --out examples/trip_planner/traces.jsonl
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import sys
from pathlib import Path

import slmc
from slmc.testing.fake_llm import FakeLLM

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from teacher import make_requests, teacher  # noqa: E402


def generate(out: Path, n: int, seed: int = 0) -> int:
    out.unlink(missing_ok=True)
    with FakeLLM(teacher=teacher) as llm:
        os.environ["TRIP_LLM_URL"] = llm.url
        spec = importlib.util.spec_from_file_location("agent", HERE / "agent.py")
        agent = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(agent)
        with slmc.trace(out, root=HERE):
            asyncio.run(agent.plan_many([r["request"] for r in make_requests(n, seed)]))
    return sum(1 for _ in open(out, encoding="utf-8"))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=HERE / "traces.jsonl")
    args = parser.parse_args()
    print(f"wrote {generate(args.out, args.n, args.seed)} records to {args.out}")
