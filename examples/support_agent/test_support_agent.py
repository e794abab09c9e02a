"""The support agent's own tests. Set SUPPORT_AGENT_DIR to run them on a rewritten copy of the agent."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from slmc.testing.fake_llm import FakeLLM

HERE = Path(__file__).resolve().parent
AGENT_DIR = Path(os.environ.get("SUPPORT_AGENT_DIR", HERE))
# teacher.py by path under its own name: the other example has a teacher.py too
_spec = importlib.util.spec_from_file_location("support_agent_teacher", HERE / "teacher.py")
truth = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(truth)


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def agent():
    with FakeLLM(teacher=truth.teacher) as llm:
        old = os.environ.get("SUPPORT_LLM_URL")
        os.environ["SUPPORT_LLM_URL"] = llm.url
        try:
            yield _load(AGENT_DIR / "agent.py", f"support_agent_{id(llm)}")
        finally:
            if old is None:
                os.environ.pop("SUPPORT_LLM_URL", None)
            else:
                os.environ["SUPPORT_LLM_URL"] = old


TICKETS = truth.make_tickets(40, seed=1234)


def test_classify_returns_known_labels_matching_truth(agent) -> None:
    labels = [agent.classify(t["ticket"]) for t in TICKETS]
    assert set(labels) <= set(agent.INTENTS)
    accuracy = sum(lab == t["intent"] for lab, t in zip(labels, TICKETS, strict=True)) / len(TICKETS)
    assert accuracy >= 0.9


def test_extract_fields_gives_the_three_fields(agent) -> None:
    rows = [agent.extract_fields(t["ticket"]) for t in TICKETS]
    assert all(set(r) == {"order_id", "product", "urgency"} for r in rows)
    assert all(r["urgency"] in ("low", "medium", "high") for r in rows)
    correct = sum(r == {k: t[k] for k in ("order_id", "product", "urgency")} for r, t in zip(rows, TICKETS, strict=True))
    assert correct / len(TICKETS) >= 0.9


def test_route_calls_the_tool_with_a_valid_queue(agent) -> None:
    results = [agent.route(t["ticket"], t["intent"], t["urgency"]) for t in TICKETS]
    assert all(r["queue"] in agent.QUEUES and r["priority"] in (1, 2, 3) for r in results)
    right = sum(r["queue"] == truth.QUEUE_OF[t["intent"]] for r, t in zip(results, TICKETS, strict=True))
    assert right / len(TICKETS) >= 0.9


def test_handle_runs_every_step(agent) -> None:
    out = agent.handle(TICKETS[0]["ticket"])
    assert {"intent", "order_id", "product", "urgency", "queue", "priority", "reply"} <= set(out)
    assert len(out["reply"]) > 20
