"""The wrapper rules feed back on each other (a private step is folded into the API that calls it, which forwards
through it only while it is counted): their rounds must reach a fixed point, not swap two answers until a round cap
cuts them at whichever one the count lands on."""

from __future__ import annotations

from pathlib import Path

import pytest

from slmc.frontend.project import Analysis

from .expectations import fixture_cases

AGENT = """
from openai import OpenAI


class Model:
    def generate(self, messages: list) -> str:
        rsp = OpenAI().chat.completions.create(model="gpt-4o-mini", messages=messages)
        return rsp.choices[0].message.content or ""


class Agent:
    def __init__(self, model: Model) -> None:
        self.model = model
        self.task = ""

    def run(self, task: str, steps: int = 3) -> list:
        self.task = task
        return list(self._run_stream(task=self.task, steps=steps))

    def _run_stream(self, task: str, steps: int):
        for i in range(steps):
            yield self._plan(task, i)
        yield self._finish(task)

    def _plan(self, task: str, i: int) -> str:
        return self.model.generate([{"role": "user", "content": task}])

    def _finish(self, task: str) -> str:
        return self.model.generate([{"role": "user", "content": f"Finish: {task}"}])

    def __call__(self, task: str) -> list:
        return self.run(task)


def main() -> None:
    print(Agent(Model())("hello"))
"""


# ``__call__`` adding to what it hands on (no plain alias of ``run``): ``run`` folded into ``__call__`` and
# ``_run_stream`` folded into ``run`` still feed back on each other; ``run`` named outside its class (a handler
# table), so it is no internal step that the rounds would decide up front
AGENT_SETTLED = AGENT.replace("return self.run(task)", "return self.run(task.strip())")
AGENT_CYCLE = AGENT_SETTLED + '\n\nHANDLERS = {"run": Agent.run}\n'


def _analyse(root: Path, files: dict[str, str] | None = None) -> Analysis:
    analysis = Analysis(root)
    if files is None:
        paths = sorted(root.rglob("*.py")) if root.is_dir() else [root]
        base = root if root.is_dir() else root.parent
        for p in paths:
            analysis.add_file(p.relative_to(base).as_posix(), p)
    else:
        for name, text in files.items():
            analysis.add_file(name, None, text)
    analysis.run()
    return analysis


def test_a_cycle_of_the_rules_is_cut_at_its_first_repeat_and_reported(tmp_path: Path) -> None:
    analysis = _analyse(tmp_path, {"agent.py": AGENT_CYCLE})
    assert analysis.unconverged == ["wrappers (cycle)"]
    first = analysis.api_wrappers()
    assert analysis.api_wrappers() == first  # the same answer each time, whatever a round count would land on
    assert {k.rsplit(":", 1)[-1] for k in first} >= {"Model.generate", "Agent.__call__"}


def test_step_folded_into_its_api_reaches_a_fixed_point(tmp_path: Path) -> None:
    # ``__call__`` handing its parameter to ``run`` as it is: still its own class's call, so ``run`` is an internal
    # step of ``__call__`` (bench/corpus/README.md granularity: an alias in the class body is no outside caller) and
    # the rounds settle with ``__call__`` the calling API
    analysis = _analyse(tmp_path, {"agent.py": AGENT})
    assert analysis.unconverged == []
    assert {k.rsplit(":", 1)[-1] for k in analysis.api_wrappers()} == {"Model.generate", "Agent.__call__"}


@pytest.mark.parametrize("case", fixture_cases(), ids=lambda p: p.name)
def test_every_fixture_converges(case: Path) -> None:
    assert _analyse(case).unconverged == []
