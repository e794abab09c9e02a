"""A function handed the conversation as a list of the project's own message objects, which rebinds that parameter
to a list sum of its own messages around it (``msgs = [Message("system", TASK)] + msgs + [Message("user", ASK)]``),
perhaps after filtering it (``msgs = [m for m in msgs if m.role != "system"]``), then sends it through a wrapper: the
call sends the function's own instructions, with the caller's messages in their place as data. Without the rule the
sum's own mention of the name was followed back to the sum (a recursion that dropped the prompt) or left a hole."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, carried_text, line_of, site_at, write_tree
from slmc.passes.triage import triage_site

MESSAGE = """
    from dataclasses import dataclass


    @dataclass(frozen=True)
    class Message:
        role: str
        content: str
        hide: bool = False

        def to_dict(self):
            return {"role": self.role, "content": self.content}
"""

LLM = """
    from openai import OpenAI

    from pkg.message import Message

    client = OpenAI()


    def chat(messages: list[Message], model: str) -> str:
        messages_dicts = [m.to_dict() for m in messages]
        reply = client.chat.completions.create(model=model, messages=messages_dicts)
        return reply.choices[0].message.content


    def name_conversation(msgs: list[Message]) -> str:
        msgs = [m for m in msgs if m.role != "system"]
        msgs = (
            [Message("system", "Give the conversation below a title of 3-6 words joined by dashes. Output only the title.")]
            + msgs
            + [Message("user", "Now answer with the title for this conversation.")]
        )
        return chat(msgs, "small").strip()


    def tag_conversation(msgs: list[Message]) -> str:
        msgs = [Message("system", "Label the conversation below as one of: question, bug, chat. Output only the label.")] + msgs
        return chat(msgs, "small").strip()
"""


def _tree(root: Path) -> None:
    write_tree(root, {"pkg/__init__.py": "", "pkg/message.py": MESSAGE, "pkg/llm.py": LLM})


def test_filtered_then_wrapped_conversation(tmp_path: Path) -> None:
    _tree(tmp_path)
    graph = analysed_graph(tmp_path)
    site = site_at(graph, "pkg/llm.py", line_of(LLM, 'return chat(msgs, "small").strip()'))
    text = carried_text(graph, site)
    assert "title of 3-6 words" in text and "Now answer with the title" in text
    assert triage_site(graph, site).verdict.value == "narrow"


def test_parameter_rebound_to_sum_with_itself(tmp_path: Path) -> None:
    _tree(tmp_path)
    graph = analysed_graph(tmp_path)
    line = line_of(LLM, "def tag_conversation(msgs") + 2
    site = site_at(graph, "pkg/llm.py", line)
    assert "one of: question, bug, chat" in carried_text(graph, site)
    assert triage_site(graph, site).verdict.value == "narrow"
