"""Record the support agent's traces: run it on synthetic tickets against the teacher LLM under `slmc.trace`.

    python examples/support_agent/generate_traces.py --n 1000 --out examples/support_agent/traces.jsonl

The agent's code is not changed: capture patches the OpenAI SDK and records each call with its call-site id.
"""

from __future__ import annotations

from pathlib import Path

from slmc.testing.examples import generator_main, load_module, record_traces

HERE = Path(__file__).resolve().parent
_truth = load_module(HERE / "teacher.py", "support_agent_teacher")


def generate(out: Path, n: int, seed: int = 0) -> int:
    make_tickets = _truth.make_tickets

    def run(agent) -> None:
        for t in make_tickets(n, seed):
            agent.handle(t["ticket"])

    return record_traces(HERE, "SUPPORT_LLM_URL", _truth.teacher, out, run)


if __name__ == "__main__":
    generator_main(__doc__, generate, HERE / "traces.jsonl")
