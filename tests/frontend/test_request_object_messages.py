"""A request object built with ``messages=[...]`` and handed to a wrapper (``service.send(ChatRequest(messages=[
Msg(role="user", content=PROMPT)], temperature=0))``) carries those messages: the call's prompt is the grader text the
function writes. The look-alike: a request object built from what the caller handed in carries no text of its own."""

from __future__ import annotations

from pathlib import Path

from tests.frontend.trees import analysed_graph, line_of, messages_at, write_tree

SERVICE = """\
from dataclasses import dataclass, field

from openai import OpenAI


@dataclass
class Msg:
    role: str
    content: str


@dataclass
class ChatRequest:
    messages: list = field(default_factory=list)
    temperature: float = 0.7


class Service:
    def __init__(self):
        self.client = OpenAI()

    def send(self, request: ChatRequest):
        wire = [{"role": m.role, "content": m.content} for m in request.messages]
        out = self.client.chat.completions.create(model="gpt-4o-mini", messages=wire, temperature=request.temperature)
        return out.choices[0].message.content
"""

GRADER = """\
from pkg.service import ChatRequest, Msg, Service


class Grader:
    def __init__(self, service: Service):
        self.service = service

    def grade(self, question, answer):
        prompt = f"Score the answer from 0 to 10 and reply SCORE: <n> only. Question: {question} Answer: {answer}"
        request = ChatRequest(messages=[Msg(role="user", content=prompt)], temperature=0.0)
        return self.service.send(request)

    def relay(self, text):
        return self.service.send(ChatRequest(messages=[Msg(role="user", content=text)]))


class Other:
    def __init__(self, service: Service):
        self.service = service

    def grade_many(self, pairs):
        return [Grader(self.service).grade(q, a) for q, a in pairs]

    def pass_on(self, text):
        return Grader(self.service).relay(text)
"""


def test_request_object_built_with_messages_carries_them(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pkg/__init__.py": "", "pkg/service.py": SERVICE, "pkg/grader.py": GRADER})
    graph = analysed_graph(tmp_path)
    graded = messages_at(graph, "pkg/grader.py", line_of(GRADER, "return self.service.send(request)"))
    assert any("reply SCORE: <n> only" in text for _, text in graded)
    relayed = messages_at(graph, "pkg/grader.py", line_of(GRADER, "return self.service.send(ChatRequest("))
    assert not "".join(text for _, text in relayed).strip()
