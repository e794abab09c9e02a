"""Shared fixtures for the training tests: a narrow synthetic task recorded as teacher traces."""

from __future__ import annotations

import json
import os
import random

import pytest

from slmc.ir.graph import AgentGraph
from slmc.ir.nodes import Contract, EdgeKind, LLMCall, Loc, SLMChoice, Task
from slmc.traces.record import TraceRecord

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

CITIES = ["Paris", "Berlin", "Rome", "Madrid", "Oslo", "Lima", "Tokyo", "Cairo", "Quito", "Delhi", "Dakar", "Perth"]
DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
FORMS = [
    "What's the weather in {c} on {d}?",
    "Will it rain in {c} {d}?",
    "forecast for {c}, {d} please",
    "Is {d} sunny in {c}?",
]
MOODS = {"great service, thanks": "positive", "this is awful": "negative", "love it": "positive", "so bad": "negative"}


def split_of(i: int, n: int) -> str:
    if i < 0.6 * n:
        return "train"
    return "validation" if i < 0.8 * n else "test"


def weather_records(n: int = 250, seed: int = 0) -> list[TraceRecord]:
    """A JSON slot-extraction task: the teacher answers {"city", "day"}."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        city, day, form = rng.choice(CITIES), rng.choice(DAYS), rng.choice(FORMS)
        answer = {"city": city, "day": day}
        out.append(
            TraceRecord(
                id=f"w{i}",
                messages=[
                    {"role": "system", "content": "Extract the city and the day as JSON."},
                    {"role": "user", "content": form.format(c=city, d=day)},
                ],
                output=json.dumps(answer),
                split=split_of(i, n),
                task="task:weather",
                label=answer,
                site_id="llm:extract@agent.py:10",
            )
        )
    return out


def mood_records(n: int = 200, seed: int = 1) -> list[TraceRecord]:
    """A two-label classification task with small variations of four phrases."""
    rng = random.Random(seed)
    phrases = list(MOODS)
    out = []
    for i in range(n):
        phrase = rng.choice(phrases)
        text = f"{rng.choice(['', 'hey, ', 'well '])}{phrase}{rng.choice(['', '!', ' :)', '.'])}"
        out.append(
            TraceRecord(
                id=f"m{i}",
                messages=[
                    {"role": "system", "content": "Label the sentiment: positive or negative."},
                    {"role": "user", "content": text},
                ],
                output=MOODS[phrase],
                split=split_of(i, n),
                task="task:mood",
                label=MOODS[phrase],
                site_id="llm:mood@agent.py:20",
            )
        )
    return out


def make_graph(tasks: list[Task]) -> AgentGraph:
    """Sites and tasks as the upstream passes leave them (facts up to slm-choices)."""
    graph = AgentGraph()
    for task in tasks:
        for site in task.sites:
            if site not in graph:
                graph.add(LLMCall(id=site, loc=Loc("agent.py", int(site.rsplit(":", 1)[1]))))
        graph.add(task)
        for site in task.sites:
            graph.add_edge(task.id, site, EdgeKind.SERVES)
    graph.meta.facts = ["sites", "traces-linked", "curated", "tasks", "contracts", "offload-scores", "slm-choices"]
    return graph


def weather_task(source: str = "scratch:tiny", method: str = "full") -> Task:
    return Task(
        id="task:weather",
        name="weather",
        sites=("llm:extract@agent.py:10",),
        calls=250,
        contract=Contract(kind="json", schema={"type": "object"}),
        slm=SLMChoice(model=source, source=source, params_b=0.002, method=method),
    )


def mood_task() -> Task:
    return Task(
        id="task:mood",
        name="mood",
        sites=("llm:mood@agent.py:20",),
        calls=200,
        contract=Contract(kind="label", labels=("positive", "negative")),
        slm=SLMChoice(model="classifier:tfidf", source="tfidf", params_b=0.0, method="classifier-head"),
    )


@pytest.fixture
def weather() -> list[TraceRecord]:
    return weather_records()
