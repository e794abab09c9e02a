"""A private module-level helper that one function of its own module hands the message list it wrote (a retry loop
around the model step, the model object passed in as a parameter): a step of that function's task, not a calling
API. The model steps inside the helper are the sites; the hand-over call is none."""

from __future__ import annotations

from pathlib import Path

from tests.frontend.trees import analysed_graph, carried_text, site_at, write_tree

MODEL = """
    from openai import OpenAI


    class Chat:
        def __init__(self):
            self.client = OpenAI()

        def reply(self, messages):
            out = self.client.chat.completions.create(model="gpt-4o", messages=messages)
            messages.append({"role": "assistant", "content": out.choices[0].message.content})
            return messages
"""

# the system text is a literal (``literal``) or comes from a builder returning text that is all static (``built``)
EDIT = """
    from notes.model import Chat

    TONE = "You are a patient copy editor for a travel magazine."
    RULES = "Rewrite the article below so that it meets the request; return the whole article."


    def system_text():
        return TONE + "\\n" + RULES


    def polish(chat: Chat, article, request):
        messages = [{"role": "system", "content": SYSTEM}]
        messages.append({"role": "user", "content": article})
        messages.append({"role": "user", "content": request})
        return _polish_until_nonempty(chat, messages)


    def _polish_until_nonempty(chat: Chat, messages, tries=2):
        messages = chat.reply(messages)
        while tries and not messages[-1]["content"].strip():
            messages.append({"role": "user", "content": "That was empty. Send the whole rewritten article."})
            messages = chat.reply(messages)
            tries -= 1
        return messages[-1]["content"]
"""

CLI = """
    from notes.edit import polish
    from notes.model import Chat


    def main(article, request):
        print(polish(Chat(), article, request))
"""

# another module calls the helper too: then it is a calling API other code uses
OTHER = """
    from notes.edit import _polish_until_nonempty
    from notes.model import Chat


    def reuse(messages):
        return _polish_until_nonempty(Chat(), messages)
"""


def _graph(root: Path, system: str, shared: bool = False):
    files = {
        "notes/__init__.py": "",
        "notes/model.py": MODEL,
        "notes/edit.py": EDIT.replace("SYSTEM", system),
        "notes/cli.py": CLI,
    }
    if shared:
        files["notes/other.py"] = OTHER
    write_tree(root, files)
    return analysed_graph(root)


def _kinds(graph) -> dict[int, str]:
    return {s.loc.line: str(s.site) for s in graph.sites() if s.loc.path == "notes/edit.py"}


def test_helper_fed_a_written_message_list_is_a_step(tmp_path: Path) -> None:
    graph = _graph(tmp_path, "RULES")
    kinds = _kinds(graph)
    assert 19 not in kinds  # the helper is no wrapper
    assert 16 not in kinds  # handing it the list is no site
    assert kinds.get(20) == "wrapper-call" and kinds.get(23) == "wrapper-call"
    assert "meets the request" in carried_text(graph, site_at(graph, "notes/edit.py", 20))


def test_system_text_from_a_static_builder_counts_as_written(tmp_path: Path) -> None:
    graph = _graph(tmp_path, "system_text()")
    kinds = _kinds(graph)
    assert 19 not in kinds and 16 not in kinds
    assert kinds.get(20) == "wrapper-call"
    assert "patient copy editor" in carried_text(graph, site_at(graph, "notes/edit.py", 20))


def test_helper_called_from_another_module_stays_a_wrapper(tmp_path: Path) -> None:
    graph = _graph(tmp_path, "RULES", shared=True)
    assert _kinds(graph).get(19) == "wrapper"
