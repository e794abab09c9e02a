"""A ``typing.Protocol`` declaring a common method name (``execute``) is met structurally only by classes naming no
base. A family of steps deriving from an abstract base of its own that declares the same method is typed by that base:
neither the base nor its subclasses become implementations (subclasses) of the protocol, so the protocol neither joins
their lineage nor gathers every ``execute`` of the family as its overrides. A base-less class defining the method still
implements it (a value typed by the protocol reaches it: ``test_protocol_typed_engine``)."""

from __future__ import annotations

from pathlib import Path

from slmc.frontend.project import Analysis, source_files

from .trees import write_tree

STEPS = """
    from abc import ABC, abstractmethod
    from typing import Protocol

    from openai import AsyncOpenAI

    client = AsyncOpenAI()


    class Step(Protocol):
        async def execute(self, job, state): ...


    class StepBase(ABC):
        @abstractmethod
        async def execute(self, job, state):
            pass


    class AskStep(StepBase):
        async def execute(self, job, state):
            reply = await client.chat.completions.create(model="gpt-4o-mini", messages=state["messages"])
            return reply.choices[0].message.content


    class LooseStep:
        async def execute(self, job, state):
            return state


    def describe(step: Step) -> str:
        return type(step).__name__
"""


def test_protocol_is_met_only_by_classes_naming_no_base(tmp_path: Path) -> None:
    write_tree(tmp_path, {"steps.py": STEPS})
    analysis = Analysis(tmp_path)
    for f in source_files([tmp_path], tmp_path):
        analysis.add_file(f.relpath, f.path)
    analysis.run()
    ev = analysis.ev
    assert ev.protocols_met("steps:LooseStep") == ["steps:Step"]
    assert ev.protocols_met("steps:StepBase") == []
    assert ev.protocols_met("steps:AskStep") == []
    assert ev.subclasses("steps:Step") == ["steps:LooseStep"]
    assert ev.overrides("steps:Step.execute") == ["steps:LooseStep.execute"]
    assert "steps:Step" not in ev.lineage("steps:AskStep")
