"""Record the trip planner's traces: run it on synthetic requests against the teacher LLM under `slmc.trace`.

python examples/trip_planner/generate_traces.py --n 1000 --out examples/trip_planner/traces.jsonl
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from slmc.testing.examples import generator_main, load_module, record_traces

HERE = Path(__file__).resolve().parent
_truth = load_module(HERE / "teacher.py", "trip_planner_teacher")


def generate(out: Path, n: int, seed: int = 0) -> int:
    make_requests = _truth.make_requests

    def run(agent) -> None:
        asyncio.run(agent.plan_many([r["request"] for r in make_requests(n, seed)]))

    return record_traces(HERE, "TRIP_LLM_URL", _truth.teacher, out, run)


if __name__ == "__main__":
    generator_main(__doc__, generate, HERE / "traces.jsonl")
