"""A model class whose public methods reach the SDK through two private steps, the last handing the SDK method itself
to a retry helper (``self._with_backoff(litellm.completion, **params)``): the SDK method handed over is no prompt, the
``**params`` it is called with are, so the public methods stay the calling API (wrappers) and the agent classes that
mix a chat method in reach it. A message builder of the class returning a tuple (``messages, first = self._compose(
question, persona)``) carries what it is handed into the unpacked messages like a builder bound whole. Look-alikes: a
public method that writes its own fixed prompt around the data (a task method: no wrapper) and a tuple unpacked from
a helper of another object (``rows, count = self.store.load(query)``) that is no message builder."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, write_tree

ENGINE = """
    import time


    class Engine:
        def __init__(self, model):
            self.model = model

        def _with_backoff(self, fn, *args, **kwargs):
            for attempt in range(4):
                try:
                    return fn(*args, **kwargs)
                except Exception:
                    time.sleep(2 ** attempt)
            raise RuntimeError("gave up")

        def _send(self, **params):
            import litellm
            return self._with_backoff(litellm.completion, **params)

        def _compose(self, question, persona=None):
            messages = [{"role": "system", "content": persona or "You are terse."}]
            messages.append({"role": "user", "content": question})
            return messages, question

        def ask(self, question, persona=None):
            messages, _ = self._compose(question, persona)
            reply = self._send(model=self.model, messages=messages)
            return reply.choices[0].message.content

        def reply(self, history):
            reply = self._send(model=self.model, messages=history)
            return reply.choices[0].message.content

        def title_for(self, text):
            reply = self._send(model=self.model, messages=[{"role": "user", "content": "Give a five-word title: " + text}])
            return reply.choices[0].message.content
"""

TALK = """
    class TalkMixin:
        def talk(self, question):
            return self.engine.ask(question, persona=self.persona)
"""

BOT = """
    from engine import Engine
    from talk import TalkMixin


    class Bot(TalkMixin):
        def __init__(self, persona):
            self.persona = persona
            self.engine = Engine("small-model")
"""

MAIN = """
    from bot import Bot
    from engine import Engine


    class Archive:
        def load(self, query):
            return [query], 1


    def main(question, notes):
        bot = Bot("You answer about gardening.")
        print(bot.talk(question))
        print(Engine("small-model").reply([{"role": "user", "content": question}]))
        print(Engine("small-model").title_for(notes))
        rows, count = Archive().load(question)
        return rows, count
"""


def _sites(tmp_path: Path) -> set[tuple[str, int, str]]:
    write_tree(tmp_path, {"engine.py": ENGINE, "talk.py": TALK, "bot.py": BOT, "main.py": MAIN})
    graph = analysed_graph(tmp_path)
    return {(s.loc.path, s.loc.line, str(s.site)) for s in graph.sites()}


def test_sdk_method_handed_to_a_retry_helper_keeps_the_public_methods_wrappers(tmp_path: Path) -> None:
    sites = _sites(tmp_path)
    assert ("engine.py", 19, "request") in sites  # the line handing litellm.completion over
    assert ("engine.py", 31, "wrapper") in sites  # reply(history): forwards its caller's messages
    assert ("main.py", 14, "wrapper-call") in sites  # Engine(...).reply([...])


def test_messages_unpacked_from_an_own_builder_carry_the_question(tmp_path: Path) -> None:
    sites = _sites(tmp_path)
    assert ("engine.py", 26, "wrapper") in sites  # ask(question): messages, _ = self._compose(question, ...)
    assert ("talk.py", 3, "wrapper") in sites  # the mixed-in talk forwards to it
    assert ("main.py", 13, "wrapper-call") in sites  # bot.talk(question)


def test_task_method_and_foreign_tuple_are_no_wrappers(tmp_path: Path) -> None:
    sites = _sites(tmp_path)
    assert ("engine.py", 35, "wrapper") not in sites  # title_for writes its own prompt around the text
    assert ("main.py", 15, "wrapper-call") not in sites  # its call is no wrapper-call
    assert not any(path == "main.py" and line == 16 for path, line, _ in sites)  # Archive().load: no model
