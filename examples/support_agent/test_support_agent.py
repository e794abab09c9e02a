"""The support agent's own tests. Set SUPPORT_AGENT_DIR to run them on a rewritten copy of the agent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from slmc.testing.examples import agent_against, load_module

HERE = Path(__file__).resolve().parent
AGENT_DIR = Path(os.environ.get("SUPPORT_AGENT_DIR", HERE))
truth = load_module(HERE / "teacher.py", "support_agent_teacher")  # by path: the other example has a teacher.py too


@pytest.fixture(scope="module")
def agent():
    with agent_against(AGENT_DIR, "SUPPORT_LLM_URL", truth.teacher) as (module, _llm):
        yield module


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
