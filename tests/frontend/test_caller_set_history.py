"""A chat object whose method sends its own message list (``self.messages``, or a view of it) while the caller sets
that list just before handing the object on (``bot.messages = [Msg(role="system", content=RULES)]`` then
``keep_asking(bot, content=...)``): the system turn the caller set is part of what the call sends. A caller that
sets nothing keeps the history hole. Sources written for these tests."""

from __future__ import annotations

from pathlib import Path

from .trees import analysed_graph, site_at, write_tree

_TREE = {
    "desk/__init__.py": "",
    "desk/chat.py": """
        from openai import OpenAI


        class Msg:
            def __init__(self, role, content):
                self.role = role
                self.content = content


        class Bot:
            def __init__(self):
                self.messages = []
                self.client = OpenAI()

            @property
            def messages_dicts(self):
                return [{"role": m.role, "content": m.content} for m in self.messages]

            def chat(self, content, model="m"):
                self.messages.append(Msg(role="user", content=content))
                out = self.client.chat.completions.create(model=model, messages=self.messages_dicts)
                return out.choices[0].message.content


        def keep_asking(bot, content, model="m", tries=3):
            for _ in range(tries):
                answer = bot.chat(content=content, model=model)
                if answer:
                    return answer
            return ""
    """,
    "desk/jobs.py": """
        from desk.chat import Bot, Msg, keep_asking

        RULES = "You repair bicycles by mail. Write the full repair guide the customer asked for, step by step."


        def guide(request):
            bot = Bot()
            bot.messages = [Msg(role="system", content=RULES)]
            return keep_asking(bot, content=f"The customer writes:\\n{request}")


        def echo(note):
            bot = Bot()
            return bot.chat(content=f"Repeat this note back:\\n{note}")
    """,
    "desk/review.py": """
        from desk.chat import Bot, keep_asking


        def verdict(diff):
            return keep_asking(Bot(), content=f"Does this diff change behaviour? Answer yes or no.\\n{diff}")


        def title(diff):
            return keep_asking(Bot(), content=f"Give a title of at most eight words for this diff.\\n{diff}")
    """,
}


def _texts(tmp_path: Path, line: int) -> list[tuple[str, str]]:
    write_tree(tmp_path, _TREE)
    graph = analysed_graph(tmp_path)
    prompt = graph.prompt_of(site_at(graph, "desk/jobs.py", line).id)
    assert prompt is not None
    return [(m.role, m.template()) for m in prompt.messages]


def test_the_system_turn_the_caller_set_is_sent(tmp_path: Path) -> None:
    msgs = _texts(tmp_path, 10)
    assert msgs[0] == (
        "system",
        "You repair bicycles by mail. Write the full repair guide the customer asked for, step by step.",
    ), msgs
    assert not any(text == "{self.messages_dicts}" for _, text in msgs), msgs


def test_a_caller_setting_nothing_keeps_the_history_hole(tmp_path: Path) -> None:
    msgs = _texts(tmp_path, 15)
    assert not any(role == "system" for role, _ in msgs), msgs
