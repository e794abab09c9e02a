"""Messages built by a project's role-named factory methods (``Message.user_message(text)``,
``Message.system_message(text)``) and bound to a local before they are handed to a wrapper in a list: the text the
factory is handed is the message's content, so the prompt a wrapper-call sends is read, not left as one hole."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, carried_text, site_at, write_tree

SCHEMA = """
    from pydantic import BaseModel


    class Message(BaseModel):
        role: str
        content: str

        @classmethod
        def user_message(cls, content):
            return cls(role="user", content=content)

        @classmethod
        def system_message(cls, content):
            return cls(role="system", content=content)
"""

LLM = """
    import openai


    class Chat:
        def __init__(self):
            self.client = openai.OpenAI()

        def ask(self, messages, system_msgs=None):
            sent = [m.model_dump() for m in (system_msgs or []) + messages]
            out = self.client.chat.completions.create(model="m", messages=sent)
            return out.choices[0].message.content
"""

USE = """
    from grading.llm import Chat
    from grading.schema import Message


    def grade(essay):
        rules = Message.system_message("You grade essays for spelling only.")
        asked = Message.user_message(f"Give the number of misspelled words in this essay: {essay}")
        return Chat().ask(messages=[asked], system_msgs=[rules])


    def grade_inline(essay):
        return Chat().ask([Message.user_message(f"Count the sentences of this essay: {essay}")])
"""


def test_role_factory_messages_carry_their_text(tmp_path: Path) -> None:
    write_tree(tmp_path, {"grading/schema.py": SCHEMA, "grading/llm.py": LLM, "grading/use.py": USE})
    graph = analysed_graph(tmp_path)
    lines = USE.splitlines()
    at = next(i for i, line in enumerate(lines, 1) if "Chat().ask(messages=[asked]" in line)
    text = carried_text(graph, site_at(graph, "grading/use.py", at))
    assert "number of misspelled words" in text
    assert "grade essays for spelling only" in text
    inline = next(i for i, line in enumerate(lines, 1) if "Count the sentences" in line)
    assert "Count the sentences" in carried_text(graph, site_at(graph, "grading/use.py", inline))
