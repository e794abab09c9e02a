"""An internal step (a method only its own class body calls, passing on what it was handed) stays one when its name
shows up elsewhere in ways that are no reference to it: a usage example inside a docstring or a message string, or
``self.<name>(...)`` inside another class that defines a method of that name itself. A real call from other code
still makes it a wrapper."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, write_tree

# ``LLM.generate`` and ``Bot.answer`` are calling APIs; ``dispatch`` (public) and ``_loop`` (private) are steps of
# ``answer``: only ``Bot`` calls them.
LLM = """
    import openai


    class LLM:
        def __init__(self):
            self.client = openai.OpenAI()

        def generate(self, prompt):
            out = self.client.chat.completions.create(model="m", messages=[{"role": "user", "content": prompt}])
            return out.choices[0].message.content
"""

BOT = '''
    from bots.llm import LLM


    class Bot:
        """A chat bot.

        Example:
            >>> bot = Bot()
            >>> bot.dispatch("hello")
        """

        def __init__(self):
            self.llm = LLM()

        def answer(self, question):
            return self._loop(question)

        def _loop(self, question):
            """Runs the turn; ``bot._loop(q)`` is what ``answer`` does."""
            return self.dispatch(question)

        def dispatch(self, question):
            """Send one turn.

            >>> reply = bot.dispatch("What is 2 + 2?")
            """
            return self.llm.generate(question)
'''

# Another module: a docstring that shows ``bot.dispatch``, a log line naming it, and a scheduler with a ``_loop`` and a
# ``dispatch`` of its own that it calls through ``self``.
OTHER = '''
    import logging

    from bots.bot import Bot

    log = logging.getLogger(__name__)


    def usage():
        """How to talk to the bot:

            ...     reply = bot.dispatch(task_prompt)
        """
        log.info("call bot.dispatch(text) to send one turn")
        return Bot().answer("hi")


    class Scheduler:
        def _loop(self, job):
            return job

        def dispatch(self, job):
            return job

        def run(self, job):
            self.dispatch(job)
            return self._loop(job)
'''

CALLER = """
    from bots.bot import Bot


    def direct(text):
        return Bot().dispatch(text)
"""


def _kinds(graph, path: str) -> dict[int, str]:
    return {s.loc.line: str(s.site) for s in graph.sites() if s.loc.path == path}


def test_names_in_strings_and_other_classes_self_calls_keep_internal_steps(tmp_path: Path) -> None:
    write_tree(tmp_path, {"bots/__init__.py": "", "bots/llm.py": LLM, "bots/bot.py": BOT, "app/other.py": OTHER})
    kinds = _kinds(analysed_graph(tmp_path), "bots/bot.py")
    assert kinds.get(16) == "wrapper"  # answer: what other code calls
    assert 19 not in kinds and 23 not in kinds  # _loop and dispatch: internal steps, no wrappers
    assert 17 not in kinds and 21 not in kinds  # their calls: no wrapper-calls
    assert kinds.get(28) == "wrapper-call"  # the call of the model class's wrapper inside the step stays


def test_a_real_call_from_other_code_still_makes_a_wrapper(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "bots/__init__.py": "",
            "bots/llm.py": LLM,
            "bots/bot.py": BOT,
            "app/other.py": OTHER,
            "app/caller.py": CALLER,
        },
    )
    graph = analysed_graph(tmp_path)
    kinds = _kinds(graph, "bots/bot.py")
    assert kinds.get(23) == "wrapper"  # dispatch: another module calls it
    assert _kinds(graph, "app/caller.py").get(6) == "wrapper-call"
