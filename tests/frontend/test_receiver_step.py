"""A sub-agent object calling the ``run`` it inherits: the graph links the call to the step its own class overrides,
and triage reads that step's prompt, not the base's generic agent loop. Also prompts extended in place with
``prompt = prompt + tail``. Small synthetic trees."""

from __future__ import annotations

import textwrap
from pathlib import Path

from slmc.ir import AgentGraph, LLMCall, Verdict
from slmc.ir.nodes import EdgeKind
from slmc.passes.triage import triage_site, wording_evidence

from .trees import analysed_graph as _graph
from .trees import site_at as _site
from .trees import write_tree as _write

BASE = """
    from abc import ABC, abstractmethod

    from openai import OpenAI

    class Agent(ABC):
        def run(self, messages):
            return self._run(messages)

        def ask_model(self, messages):
            out = OpenAI().chat.completions.create(model="m", messages=messages)
            return out.choices[0].message.content

        @abstractmethod
        def _run(self, messages): ...


    class Chat(Agent):
        def _run(self, messages):
            return self.ask_model(messages)
"""

LABELLER = """
    from pkg.base import Agent

    LABEL_PROMPT = (
        "Classify the support ticket the user sends into exactly one of: billing, outage, account. "
        "Answer with only the label."
    )

    class TicketLabeller(Agent):
        def _run(self, messages):
            messages = [{"role": "system", "content": LABEL_PROMPT}, *messages]
            return self.ask_model(messages)
"""

CALLER = """
    from pkg.labeller import TicketLabeller

    class Desk:
        def __init__(self):
            self.labeller = TicketLabeller()

        def triage_ticket(self, ticket):
            return self.labeller.run([{"role": "user", "content": ticket}])

        def local_one(self, ticket):
            helper = TicketLabeller()
            return helper.run([{"role": "user", "content": ticket}])

        def direct(self, ticket):
            return self.labeller.ask_model([{"role": "user", "content": ticket}])
"""


def _line(text: str, needle: str) -> int:
    return next(i for i, ln in enumerate(textwrap.dedent(text).splitlines(), 1) if needle in ln)


def _steps(graph: AgentGraph, site: LLMCall) -> list[str]:
    return [n.id for n in graph.succs(site.id, EdgeKind.STEP)]


def test_subclass_object_calling_inherited_run_links_its_own_step(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/base.py": BASE,
            "pkg/labeller.py": LABELLER,
            "pkg/desk.py": CALLER,
        },
    )
    graph = _graph(tmp_path)
    step = _site(graph, "pkg/labeller.py", _line(LABELLER, "return self.ask_model"))
    for needle in ("self.labeller.run", "helper.run"):
        call = _site(graph, "pkg/desk.py", _line(CALLER, needle))
        assert _steps(graph, call) == [step.id], needle
        result = triage_site(graph, call)
        assert result.verdict == Verdict.NARROW, (needle, result)
        assert not any("agent loop" in r for r in result.reasons)
    # a method that is no hook dispatch (``ask_model`` sends what it is given): no step link
    direct = _site(graph, "pkg/desk.py", _line(CALLER, "ask_model"))
    assert _steps(graph, direct) == []


def test_prompt_extended_with_plus_keeps_the_base_text(tmp_path: Path) -> None:
    src = """
        from openai import OpenAI

        client = OpenAI()
        TEMPLATES = {"en": "Summarise section {n} of the report in three sentences.", "fr": "Resume la section {n}."}

        def summarise(n, stop_at, lang="en"):
            prompt = TEMPLATES[lang].format(n=n)
            if stop_at:
                prompt = prompt + " Stop before " + stop_at + "."
            r = client.chat.completions.create(model="m", messages=[{"role": "user", "content": prompt}])
            return r.choices[0].message.content
    """
    _write(tmp_path, {"app.py": src})
    graph = _graph(tmp_path)
    site = _site(graph, "app.py", _line(src, "client.chat.completions.create"))
    prompt = graph.prompt_of(site.id)
    assert prompt is not None
    text = prompt.messages[0].static_text()
    assert "in three sentences." in text and "Stop before" in text
    assert text.index("in three sentences.") < text.index("Stop before")


def test_fixing_or_improving_code_reads_as_writing_code() -> None:
    reasons = [e.reason for e in wording_evidence(["You are tasked with fixing the broken function below."])]
    assert any("writes code" in r for r in reasons)
    reasons = [e.reason for e in wording_evidence(["Improve the given code so that it runs faster."])]
    assert any("writes code" in r for r in reasons)
    reasons = [e.reason for e in wording_evidence(["Fill the function parameters from the user's request."])]
    assert not any("writes code" in r for r in reasons)
