"""A prompt assembled by a builder object from sections (``sheet.add_part(name="intro", template="...")`` several
times, each step returning the builder, ``render()`` joining the parts), built by a helper that returns it, and
handed to a structured-output wrapper: the site's prompt is every section written at the builder's own level, in
source order, so triage reads the task statement (the first section) and the answer format (the last), not the
last section alone or nothing. A section's name, a short identifier, is no text of the prompt."""

from __future__ import annotations

from pathlib import Path

import pytest

from slmc.ir import SiteKind
from slmc.passes.triage import multi_task_wrappers, triage_site
from tests.frontend.trees import analysed_graph, carried_text, wrapper_call_in, write_tree

SHAPER = """
    from abc import ABC, abstractmethod
    from io import StringIO
    from typing import Any, Generic, Mapping, TypeVar

    from openai import AsyncOpenAI

    T = TypeVar("T")


    class Sheet:
        def __init__(self) -> None:
            self.parts: dict[str, str] = {}

        def add_part(self, name: str, template: str, props: dict[str, Any] = {}) -> "Sheet":
            self.parts[name] = template.format(**props)
            return self

        def render(self) -> str:
            out = StringIO()
            for part in self.parts.values():
                out.write(part)
                out.write("\\n\\n")
            return out.getvalue().strip()


    class Shaper(ABC, Generic[T]):
        @abstractmethod
        async def shape(self, prompt: "str | Sheet", hints: Mapping[str, Any] = {}) -> T: ...


    class RemoteShaper(Shaper[T]):
        def __init__(self) -> None:
            self._client = AsyncOpenAI()

        async def shape(self, prompt: "str | Sheet", hints: Mapping[str, Any] = {}) -> T:
            if isinstance(prompt, Sheet):
                prompt = prompt.render()
            reply = await self._client.chat.completions.create(
                messages=[{"role": "developer", "content": prompt}], model="m"
            )
            return reply.choices[0].message.content
"""

JUDGE = '''
    from pydantic import BaseModel

    from kit.shaper import Shaper, Sheet


    class LastingVerdict(BaseModel):
        rationale: str
        is_lasting: bool


    class LastingJudge:
        def __init__(self, shaper: Shaper[LastingVerdict]) -> None:
            self._shaper = shaper

        async def judge_rule(self, rule: str) -> bool:
            verdict = await self._judge(rule, temperature=0.1)
            return verdict.is_lasting

        {ASYNC}def _build_sheet(self, rule: str) -> Sheet:
            sheet = Sheet()
            sheet.add_part(
                name="lasting-judge-intro",
                template="""
    Our assistant follows rules. Each rule holds a condition and an action the assistant takes when it holds.
    """,
            )
            sheet.add_part(
                name="lasting-judge-task",
                template="""
    Your task is to decide whether the action of the rule below goes on over several turns or is done in one reply.
    Rule: {rule}
    """,
                props={"rule": rule},
            )
            sheet.add_part(
                name="lasting-judge-format",
                template="""
    Reply with a JSON object: {{"rationale": "<one sentence>", "is_lasting": <true or false>}}
    """,
            )
            return sheet

        async def _judge(self, rule: str, temperature: float) -> LastingVerdict:
            sheet = {AWAIT}self._build_sheet(rule)
            return await self._shaper.shape(prompt=sheet, hints={"temperature": temperature})
'''


def _sync_judge(old: str, new: str) -> str:
    """The sync judge with one passage of its source changed (the change must apply)."""
    judge = JUDGE.replace("{ASYNC}", "").replace("{AWAIT}", "")
    assert old in judge
    return judge.replace(old, new)


def _judged(tmp_path: Path, judge: str):
    """The analysed graph of the kit with ``judge`` as its judge module, and the judge's one wrapper-call."""
    write_tree(tmp_path, {"kit/__init__.py": "", "kit/shaper.py": SHAPER, "kit/judge.py": judge})
    graph = analysed_graph(tmp_path)  # asserts no internal error
    return graph, wrapper_call_in(graph, "LastingJudge._judge")


@pytest.mark.parametrize("is_async", [False, True])
def test_sections_of_a_built_sheet_are_the_prompt(tmp_path: Path, is_async: bool) -> None:
    judge = JUDGE.replace("{ASYNC}", "async " if is_async else "").replace("{AWAIT}", "await " if is_async else "")
    graph, site = _judged(tmp_path, judge)
    assert site.site == SiteKind.WRAPPER_CALL
    text = carried_text(graph, site)
    assert "Our assistant follows rules" in text
    assert "Your task is to decide whether" in text
    assert "Reply with a JSON object" in text
    assert text.index("Our assistant") < text.index("Your task") < text.index("Reply with")
    assert "lasting-judge-intro" not in text
    verdict = triage_site(graph, site, multi_task_wrappers(graph))
    assert verdict.verdict.value == "narrow", verdict


def test_the_reply_a_rule_judge_describes_is_no_conversation(tmp_path: Path) -> None:
    """The sheet's intro names the reply the assistant will write (``the next reply to the user``) to say what the
    rules shape; the task is still a yes/no decision about one rule, not a reply to write: no "conversation" cue."""
    judge = _sync_judge(
        "and an action the assistant takes when it holds.",
        "and an action; a rule whose condition holds takes part in generating the next reply to the user.",
    )
    graph, site = _judged(tmp_path, judge)
    assert "the next reply to the user" in carried_text(graph, site)
    verdict = triage_site(graph, site, multi_task_wrappers(graph))
    assert verdict.verdict.value == "narrow", verdict
    assert 'prompt says "conversation"' not in verdict.reasons


def test_a_builder_name_bound_by_a_tuple_loop_before(tmp_path: Path) -> None:
    """``for sheet, _ in earlier: ...`` (a binding with no expression of its own) above ``sheet =
    self._build_sheet(...)``: the steps are still read from the assignment, and the loop's binding is no step. Failed
    before with an internal error in wrapper discovery (the loop's binding read as if it held an expression), which
    cost that whole phase on a real tree (PraisonAI's call recall 156/166 -> 78/166 on the merged tree)."""
    judge = _sync_judge(
        "            sheet = self._build_sheet(rule)",
        "            for sheet, _ in zip([], []):\n                pass\n            sheet = self._build_sheet(rule)",
    )
    graph, site = _judged(tmp_path, judge)
    text = carried_text(graph, site)
    assert "Our assistant follows rules" in text and "Reply with a JSON object" in text


DOUBLE = """
    from typing import Any, Mapping

    from kit.shaper import Shaper, Sheet


    class RememberingShaper(Shaper):
        def __init__(self, base: Shaper) -> None:
            self._base = base
            self._seen: dict[str, Any] = {}

        async def shape(self, prompt: "str | Sheet", hints: Mapping[str, Any] = {}):
            if isinstance(prompt, Sheet):
                rendered = prompt.render()
            key = rendered + repr(sorted(hints.items()))
            if key not in self._seen:
                self._seen[key] = await self._base.shape(rendered, hints)
            return self._seen[key]
"""


def test_a_test_double_of_the_interface_does_not_stand_for_the_running_code(tmp_path: Path) -> None:
    """A caching stand-in in the tests (``RememberingShaper``, a direct subclass of the interface) renders the sheet
    itself (``rendered = prompt.render()``) before it forwards it; the running code's implementation sits one class
    further down. What the interface sends is read from the running code's implementation, so the site's prompt is
    still the sheet's sections. Failed before: the double, met first, made the interface's prompt the render
    method's ``{out.getvalue()}`` and the site had no text to triage (emcie-co/parlant: 17 narrow sites unclear)."""
    shaper = SHAPER.replace(
        "class RemoteShaper(Shaper[T]):",
        "class TracedShaper(Shaper[T]):\n        pass\n\n\n    class RemoteShaper(TracedShaper[T]):",
    )
    assert "class RemoteShaper(TracedShaper[T])" in shaper
    write_tree(
        tmp_path,
        {
            "kit/__init__.py": "",
            "kit/shaper.py": shaper,
            "kit/judge.py": JUDGE.replace("{ASYNC}", "").replace("{AWAIT}", ""),
            "tests/__init__.py": "",
            "tests/doubles.py": DOUBLE,
        },
    )
    graph = analysed_graph(tmp_path)
    site = wrapper_call_in(graph, "LastingJudge._judge")
    text = carried_text(graph, site)
    assert "Your task is to decide whether" in text and "getvalue" not in text
    verdict = triage_site(graph, site, multi_task_wrappers(graph))
    assert verdict.verdict.value == "narrow", verdict
