"""A compactor method handed a conversation (``compact(messages, budget)``) that hands the model a message list built
by a method of its own class: a system message with the instruction the object holds (a default written in the
module, which a caller may replace) and a user message that renders the picked messages into a transcript inside words of its own
(``f"<conversation>\\n{transcript}\\n</conversation>"``). The handed messages are the data of its own task (summarise
this stretch), not a prompt it forwards: ``compact`` is no wrapper, the hook calling it holds no wrapper-call, and the
model call inside ``compact`` stays a site. Fails before: the builder of its own class counted as keeping what it is
handed, so ``compact`` was reported as a wrapper forwarding its caller's prompt and its callers as wrapper-calls."""

from __future__ import annotations

from pathlib import Path

from tests.frontend.trees import analysed_graph, line_of, write_tree

CHAT = """
import litellm
from dataclasses import dataclass


@dataclass
class Turn:
    role: str
    text: str

    @classmethod
    def from_system(cls, text: str) -> "Turn":
        return cls(role="system", text=text)

    @classmethod
    def from_user(cls, text: str) -> "Turn":
        return cls(role="user", text=text)


class ChatModel:
    def __init__(self, model):
        self.model = model

    def run(self, messages):
        sent = [{"role": m.role, "content": m.text} for m in messages]
        return litellm.completion(model=self.model, messages=sent)
"""

SHRINK = """
from chat import ChatModel, Turn

DIGEST_RULES = '''You are shortening part of a long exchange between a person and an assistant.
Write a digest with the headings GOAL, DONE and OPEN, keeping file names and numbers exactly.'''


def render_lines(messages):
    return "\\n".join(f"[{m.role}] {m.text}" for m in messages)


class Shrinker:
    def __init__(self, model: ChatModel, rules: str = DIGEST_RULES):
        self.model = model
        self.rules = rules

    def compact(self, messages, budget):
        current = messages
        while len(current) > budget:
            picked = self._pick(current)
            if not picked:
                break
            request = self._request(messages=current, picked=picked)
            reply = self.model.run(messages=request)
            current = self._swap(current, picked, reply)
        return current

    def _pick(self, messages):
        return [i for i in range(len(messages) // 2)]

    def _swap(self, messages, picked, reply):
        note = Turn.from_user(text=reply.choices[0].message.content)
        return [note] + [m for i, m in enumerate(messages) if i not in picked]

    def _request(self, messages, picked):
        transcript = render_lines([messages[i] for i in picked])
        return [
            Turn.from_system(text=self.rules),
            Turn.from_user(text=f"<exchange_to_shorten>\\n{transcript}\\n</exchange_to_shorten>"),
        ]
"""

HOOK = """
from chat import ChatModel
from shrink import Shrinker


class ShrinkHook:
    def __init__(self, shrinker: Shrinker, limit: int):
        self.shrinker = shrinker
        self.limit = limit

    def before_step(self, messages):
        shorter = self.shrinker.compact(messages=messages, budget=self.limit)
        return shorter or messages


def paths_only_hook(model: ChatModel) -> ShrinkHook:
    return ShrinkHook(Shrinker(model, rules="Only list the file paths."), limit=40)
"""


def test_compactor_with_its_own_transcript_builder_is_a_task(tmp_path: Path) -> None:
    write_tree(tmp_path, {"chat.py": CHAT, "shrink.py": SHRINK, "hook.py": HOOK})
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): str(s.site) for s in graph.sites()}
    assert found.get(("chat.py", line_of(CHAT, "def run"))) == "wrapper"
    assert found.get(("shrink.py", line_of(SHRINK, "self.model.run(messages=request)"))) == "wrapper-call"
    assert ("shrink.py", line_of(SHRINK, "def compact")) not in found  # a task method, not a wrapper
    assert not [k for k in found if k[0] == "hook.py"]  # its caller hands it data: no wrapper-call


RUNNER = """
import asyncio


async def run_component(component, **kwargs):
    run_async = getattr(component, "run_async", None)
    if callable(run_async):
        return await run_async(**kwargs)
    return await asyncio.to_thread(component.run, **kwargs)
"""

BASE = """
from typing import Protocol


class Compactor(Protocol):
    def compact(self, messages, budget):
        ...

    async def compact_async(self, messages, budget):
        return self.compact(messages, budget)
"""

ASYNC_SHRINK = (
    SHRINK.replace(
        "from chat import ChatModel, Turn",
        "from base import Compactor\nfrom chat import ChatModel, Turn\nfrom runner import run_component",
    )
    .replace("class Shrinker:", "class Shrinker(Compactor):")
    .replace(
        "    def _pick(self, messages):",
        """    async def compact_async(self, messages, budget):
        current = messages
        while len(current) > budget:
            picked = self._pick(current)
            if not picked:
                break
            request = self._request(messages=current, picked=picked)
            reply = await run_component(self.model, messages=request)
            current = self._swap(current, picked, reply)
        return current

    def _pick(self, messages):""",
    )
)

ASYNC_HOOK = (
    HOOK.replace("from shrink import Shrinker", "from base import Compactor\nfrom shrink import Shrinker")
    .replace("shrinker: Shrinker", "shrinker: Compactor")
    .replace(
        "    def before_step(self, messages):",
        """    async def before_step_async(self, messages):
        shorter = await self.shrinker.compact_async(messages=messages, budget=self.limit)
        return shorter or messages

    def before_step(self, messages):""",
    )
)


def test_async_twin_through_a_component_runner_is_a_task(tmp_path: Path) -> None:
    """The same compactor with an async twin handing its own request to a generic component runner
    (``await run_component(self.model, messages=request)``) under a protocol whose async default calls the sync
    method: neither twin is a wrapper. Fails before: the async twin was read as an implementation of a wrapper
    interface (its base a wrapper because its overrides were). (The protocol's own async default, which runs the sync
    method from its class, is still read as an entry of its class's model steps: not covered here.)"""
    files = {"chat.py": CHAT, "shrink.py": ASYNC_SHRINK, "hook.py": ASYNC_HOOK, "base.py": BASE, "runner.py": RUNNER}
    write_tree(tmp_path, files)
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): str(s.site) for s in graph.sites()}
    assert ("shrink.py", line_of(ASYNC_SHRINK, "def compact(")) not in found
    assert ("shrink.py", line_of(ASYNC_SHRINK, "async def compact_async")) not in found
