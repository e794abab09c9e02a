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
