"""The trip planner's own tests. Set TRIP_AGENT_DIR to run them on a rewritten copy of the agent."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from slmc.testing.examples import agent_against, load_module

HERE = Path(__file__).resolve().parent
AGENT_DIR = Path(os.environ.get("TRIP_AGENT_DIR", HERE))
truth = load_module(HERE / "teacher.py", "trip_planner_teacher")  # by path: the other example has a teacher.py too


@pytest.fixture(scope="module")
def planner():
    with agent_against(AGENT_DIR, "TRIP_LLM_URL", truth.teacher) as (module, _llm):
        yield module


REQUESTS = truth.make_requests(40, seed=4321)


@pytest.fixture(scope="module")
def run():
    """One event loop for the module: the agent's AsyncOpenAI client is bound to the loop that first used it."""
    loop = asyncio.new_event_loop()
    yield loop.run_until_complete
    loop.close()


def test_dispatch_routes_to_known_specialists(planner, run) -> None:
    routes = run(_gather(planner.dispatch, [r["request"] for r in REQUESTS]))
    assert set(routes) <= set(planner.ROUTES)
    assert sum(a == r["route"] for a, r in zip(routes, REQUESTS, strict=True)) / len(REQUESTS) >= 0.9


def test_plans_extract_the_right_fields(planner, run) -> None:
    results = run(planner.plan_many([r["request"] for r in REQUESTS]))
    good = 0
    for res, req in zip(results, REQUESTS, strict=True):
        assert res["type"] in planner.ROUTES
        if res["type"] == req["route"] and req["route"] != "itinerary":
            good += all(res.get(k) == v for k, v in req["truth"].items())
        elif res["type"] == req["route"]:
            good += len(res["text"]) > 10
    assert good / len(REQUESTS) >= 0.9


async def _gather(fn, items):
    return await asyncio.gather(*(fn(i) for i in items))
