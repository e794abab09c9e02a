"""An object handed to a wrapper, built with its own value for a field whose class default the wrapper's prompt
reads (``Bot(persona="...")`` where the class declares ``persona: str = "You are a helpful bot."``): the call sends
what the object was built with, not the class default. Look-alikes: an object built without that field keeps the
default, and one built with another field only keeps it too."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, write_tree

LIB = """
    import openai
    from pydantic import BaseModel


    class Bot(BaseModel):
        name: str = "bot"
        persona: str = "You are a helpful bot."


    class Runner:
        def __init__(self):
            self.client = openai.OpenAI()

        def run(self, bot: Bot, messages):
            sent = [{"role": "system", "content": bot.persona}] + messages
            out = self.client.chat.completions.create(model="m", messages=sent)
            return out.choices[0].message.content
"""

BOTS = """
    from lib.core import Bot


    def sorting_rules():
        return "Sort the message into billing or shipping. Reply with one word only."


    sorter = Bot(name="sorter", persona=sorting_rules)
    speller = Bot(persona="Fix the spelling of the text you are given and return it unchanged otherwise.")
"""

APP = """
    from lib.core import Bot, Runner
    from app.bots import sorter, speller

    plain = Bot()
    named = Bot(name="quiet")


    def route(text):
        return Runner().run(bot=sorter, messages=[{"role": "user", "content": text}])


    def spell(text):
        return Runner().run(speller, [{"role": "user", "content": text}])


    def chat(text):
        return Runner().run(bot=plain, messages=[{"role": "user", "content": text}])


    def chat_named(text):
        return Runner().run(bot=named, messages=[{"role": "user", "content": text}])
"""


def _system_text(graph, line: int) -> str:
    site = next(s for s in graph.sites() if s.loc.path == "app/main.py" and s.loc.line == line)
    prompt = graph.prompt_of(site.id)
    assert prompt is not None
    return " ".join(m.static_text() for m in prompt.messages if m.role == "system")


def test_the_field_the_object_was_built_with_is_sent(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {"lib/__init__.py": "", "lib/core.py": LIB, "app/__init__.py": "", "app/bots.py": BOTS, "app/main.py": APP},
    )
    graph = analysed_graph(tmp_path)
    routed = _system_text(graph, 10)
    assert "Sort the message into billing or shipping" in routed and "helpful bot" not in routed, routed
    spelled = _system_text(graph, 14)
    assert "Fix the spelling" in spelled and "helpful bot" not in spelled, spelled


def test_objects_built_without_the_field_keep_the_default(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {"lib/__init__.py": "", "lib/core.py": LIB, "app/__init__.py": "", "app/bots.py": BOTS, "app/main.py": APP},
    )
    graph = analysed_graph(tmp_path)
    assert "You are a helpful bot." in _system_text(graph, 18)
    assert "You are a helpful bot." in _system_text(graph, 22)
