"""A helper that takes a system prompt and a user prompt, builds a chat object from the system prompt and sends only
the user prompt through it (``ask(system_prompt, user_prompt)``): the caller's system prompt reaches the model too, so
a call of the helper carries both; a parameter the helper never reads is no message."""

from __future__ import annotations

from pathlib import Path

from tests.frontend.trees import analysed_graph, messages_at, write_tree

CHAT = """
    from openai import OpenAI


    class Bot:
        def __init__(self, history):
            self.history = history
            self.client = OpenAI()

        @classmethod
        def seeded(cls, text):
            return cls([{"role": "system", "content": text}])

        def say(self, content):
            out = self.client.chat.completions.create(
                model="gpt-4o", messages=self.history + [{"role": "user", "content": content}]
            )
            return out.choices[0].message.content


    def ask(system_prompt, user_prompt, fields=None):
        bot = Bot.seeded(system_prompt)
        if fields:
            user_prompt = user_prompt.format(**fields)
        return bot.say(user_prompt)


    def ask_plain(user_prompt, system_instruction=None):
        bot = Bot.seeded("You sort mail.")
        return bot.say(user_prompt)
"""

USE = """
    from app.chat import ask, ask_plain

    PICK = "Reply with one search phrase for the question, nothing else."


    def phrase_for(question):
        return ask(PICK, "Question: {q}", fields={"q": question})


    def sort_one(mail):
        return ask_plain("Mail: " + mail, system_instruction="Unused words that never reach the model.")
"""


def _texts(tmp_path: Path, line: int) -> list[tuple[str, str]]:
    write_tree(tmp_path, {"app/__init__.py": "", "app/chat.py": CHAT, "app/use.py": USE})
    return messages_at(analysed_graph(tmp_path), "app/chat.py", line)


def test_system_prompt_set_on_the_bot_reaches_the_call(tmp_path: Path) -> None:
    msgs = _texts(tmp_path, 25)  # ``bot.say(user_prompt)`` in ``ask``, sent for its caller
    assert ("system", "Reply with one search phrase for the question, nothing else.") in msgs
    assert any("Question:" in text for _, text in msgs)


def test_a_system_parameter_the_helper_never_reads_is_no_message(tmp_path: Path) -> None:
    msgs = _texts(tmp_path, 30)  # ``bot.say(user_prompt)`` in ``ask_plain``
    assert not any("never reach the model" in text for _, text in msgs)
    assert any("Mail:" in text for _, text in msgs)
