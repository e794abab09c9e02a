"""A message factory whose name says the role it makes (``Note.user_note_message(text)`` style: ``user_message``,
``system_message``, ``make_user_message``) takes the message's text as its first argument, also when the message
is built into a local first and the local is put in the list. A call named for fetching a stored message
(``get_message("intro")``) is no such factory: its argument is a key, not the text sent. Sources written for these
tests."""

from __future__ import annotations

from pathlib import Path

from .trees import analysed_graph, site_at, write_tree

_TREE = {
    "app/__init__.py": "",
    "app/chat.py": """
        from openai import OpenAI


        class Turn:
            def __init__(self, role, content):
                self.role = role
                self.content = content

            @classmethod
            def user_message(cls, content):
                return cls(role="user", content=content)

            @classmethod
            def system_message(cls, content):
                return cls(role="system", content=content)


        class Store:
            def get_message(self, key):
                return {"role": "user", "content": open(key).read()}


        client = OpenAI()
        store = Store()


        def tidy(report):
            head = Turn.system_message("You proofread weather reports.")
            body = Turn.user_message(f"Fix the spelling in this report and change nothing else:\\n{report}")
            out = client.chat.completions.create(model="m", messages=[head, body])
            return out.choices[0].message.content


        def replay():
            out = client.chat.completions.create(model="m", messages=[store.get_message("intro.txt")])
            return out.choices[0].message.content
    """,
}


def _messages(tmp_path: Path, line: int) -> list[tuple[str, str]]:
    write_tree(tmp_path, _TREE)
    graph = analysed_graph(tmp_path)
    prompt = graph.prompt_of(site_at(graph, "app/chat.py", line).id)
    assert prompt is not None
    return [(m.role, m.template()) for m in prompt.messages]


def test_role_named_factories_carry_their_text(tmp_path: Path) -> None:
    msgs = _messages(tmp_path, 31)
    assert msgs[0] == ("system", "You proofread weather reports."), msgs
    assert msgs[1][0] == "user" and msgs[1][1].startswith("Fix the spelling in this report"), msgs


def test_a_stored_message_fetched_by_key_is_not_its_text(tmp_path: Path) -> None:
    msgs = _messages(tmp_path, 36)
    assert not any(text == "intro.txt" for _, text in msgs), msgs
