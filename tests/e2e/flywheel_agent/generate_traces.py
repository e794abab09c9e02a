"""Record the flywheel agent's traces: its two steps on synthetic traffic against the teacher LLM under `slmc.trace`.

    python tests/e2e/flywheel_agent/generate_traces.py --n 300 --out tests/e2e/flywheel_agent/traces.jsonl

``--n`` messages and ``--n`` reviews (seeds ``seed`` and ``seed + 1``): the traffic before the shift.
"""

from __future__ import annotations

from pathlib import Path

from slmc.testing.examples import generator_main, load_module, record_traces

HERE = Path(__file__).resolve().parent
_truth = load_module(HERE / "teacher.py", "flywheel_teacher")


def generate(out: Path, n: int, seed: int = 0) -> int:
    def run(agent) -> None:
        for message in _truth.messages(n, seed):
            agent.triage(message)
        for review in _truth.reviews(n, seed + 1):
            agent.rate(review)

    return record_traces(HERE, "FLYWHEEL_LLM_URL", _truth.teacher, out, run)


if __name__ == "__main__":
    generator_main(__doc__, generate, HERE / "traces.jsonl")
