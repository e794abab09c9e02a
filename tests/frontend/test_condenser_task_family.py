"""A family of condensers: the base declares ``condense(view)``, a rolling base declares the hook
``get_condensation(view)`` without a body and runs it from its ``condense``, and each kind that reaches a model writes
its own instruction around the items it is handed (one through an inline message list, one through a local list it
hands to a converter of the model class first, ``llm.completion(messages=llm.format_messages(messages))``). Each kind
is a task method (bench/corpus/README.md "Task methods are no wrappers"): none of ``get_condensation``, the hook, the
rolling ``condense``, the pipeline's ``condense`` or the declared ``condense`` is a wrapper, their calls are no
wrapper-calls, and the model calls inside the kinds stay sites. Fails before: the converter hid the written list (the
digest kind forwarded its caller's prompt), and a call of the bodiless hook was no task step, so the whole family was
reported as wrappers."""

from __future__ import annotations

from pathlib import Path

from tests.frontend.trees import analysed_graph, write_tree

LLM = """
import litellm


class LLM:
    def __init__(self, model):
        self.model = model

    def completion(self, messages, **kwargs):
        return litellm.completion(model=self.model, messages=messages, **kwargs)

    def format_messages(self, messages):
        return [{"role": m["role"], "content": m["content"]} for m in messages]
"""

CONDENSER = """
from abc import ABC, abstractmethod


class Condenser(ABC):
    @abstractmethod
    def condense(self, view):
        '''Condense the view.'''

    def condensed_history(self, state):
        return self.condense(state.view)


class RollingCondenser(Condenser, ABC):
    @abstractmethod
    def should_condense(self, view) -> bool:
        '''Whether to condense.'''

    @abstractmethod
    def get_condensation(self, view):
        '''The condensation of a view.'''

    def condense(self, view):
        if self.should_condense(view):
            return self.get_condensation(view)
        return view
"""

IMPLS = """
from condenser import Condenser, RollingCondenser
from llm import LLM


class RankingCondenser(RollingCondenser):
    def __init__(self, model):
        self.llm = LLM(model)

    def should_condense(self, view) -> bool:
        return len(view) > 40

    def get_condensation(self, view):
        intro = '''Rank the numbered items below by how much the next step of the task depends on them.
        Answer with the item numbers only, most important first.'''
        reply = self.llm.completion(
            messages=[
                {"role": "user", "content": intro},
                *[{"role": "user", "content": f"<ITEM>{item}</ITEM>"} for item in view],
            ]
        )
        return reply.choices[0].message.content


class DigestCondenser(RollingCondenser):
    def __init__(self, model):
        self.llm = LLM(model)

    def should_condense(self, view) -> bool:
        return len(view) > 20

    def get_condensation(self, view):
        text = "Write a digest of the forgotten items under the headings GOAL, DONE and OPEN.\\n"
        for item in view:
            text += f"<ITEM>{item}</ITEM>\\n"
        messages = [{"role": "user", "content": text}]
        reply = self.llm.completion(messages=self.llm.format_messages(messages))
        return reply.choices[0].message.content


class TailCondenser(RollingCondenser):
    def should_condense(self, view) -> bool:
        return len(view) > 10

    def get_condensation(self, view):
        return view[-10:]


class Pipeline(Condenser):
    def __init__(self, *condensers):
        self.condensers = condensers

    def condense(self, view):
        result = view
        for c in self.condensers:
            result = c.condense(result)
        return result
"""

AGENT = """
from impls import DigestCondenser, Pipeline, RankingCondenser
from llm import LLM


class Agent:
    def __init__(self, model):
        self.llm = LLM(model)
        self.condenser = Pipeline(RankingCondenser(model), DigestCondenser(model))

    def step(self, state):
        view = self.condenser.condensed_history(state)
        return self.llm.completion(messages=[{"role": "user", "content": str(item)} for item in view])
"""


def test_condenser_family_of_tasks_holds_no_wrapper(tmp_path: Path) -> None:
    write_tree(tmp_path, {"llm.py": LLM, "condenser.py": CONDENSER, "impls.py": IMPLS, "agent.py": AGENT})
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): str(s.site) for s in graph.sites()}
    assert found.get(("impls.py", 16)) == "wrapper-call"  # the ranking kind's own prompt
    assert found.get(("impls.py", 37)) == "wrapper-call"  # the digest kind's own prompt
    assert found.get(("llm.py", 9)) == "wrapper"  # LLM.completion: the calling API
    assert found.get(("agent.py", 13)) == "wrapper-call"
    family = {k: v for k, v in found.items() if k[0] == "condenser.py" or k in {("impls.py", 13), ("impls.py", 32)}}
    assert family == {}  # no hook, no declared method, no rolling step is a wrapper or a wrapper-call
    assert ("impls.py", 53) not in found and ("impls.py", 56) not in found  # the pipeline runs its parts: a task
