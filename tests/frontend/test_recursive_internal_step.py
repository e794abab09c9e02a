"""A private retry step that calls itself again (re-sending with a hint appended after a recoverable error) and is
otherwise called only by its own class's methods is an internal step: the call of itself in its own body is
recursion, not a use of the method by other code. The same retry step reached by a subclass that writes a prompt of
its own stays a wrapper."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import line_of, sites_in, write_tree

ENGINE = """
    class Hint(Exception):
        pass


    class Engine:
        def send(self, **kwargs):
            raise NotImplementedError

        def _send_retrying(self, **kwargs):
            try:
                return self.send(**kwargs)
            except Hint as err:
                kwargs["messages"].append({"role": "user", "content": str(err)})
                return self._send_retrying(**kwargs, hinted=True)

        def _turn(self, messages, tools=None):
            return self._send_retrying(messages=messages, tools=tools)

        def answer(self, messages):
            return self._turn(messages)

        def answer_with_tools(self, messages, tools):
            reply = self._turn(messages, tools=tools)
            return reply
"""

PROVIDER = """
    import openai

    from pkg.engine import Engine


    class OpenAIEngine(Engine):
        def __init__(self):
            self.client = openai.OpenAI()

        def send(self, **kwargs):
            out = self.client.chat.completions.create(model="m", **kwargs)
            return out.choices[0].message.content
"""

USER = """
    from pkg.provider import OpenAIEngine


    def ask(question):
        return OpenAIEngine().answer([{"role": "user", "content": question}])
"""

# The same retry step, but a subclass reaches it with a prompt of its own: it is part of what other code calls.
POKED = """
    from pkg.provider import OpenAIEngine


    def ask(question):
        return OpenAIEngine().answer([{"role": "user", "content": question}])


    class Careful(OpenAIEngine):
        def check(self, text):
            return self._send_retrying(messages=[{"role": "user", "content": "Is this polite? " + text}])
"""


FILES = {"pkg/__init__.py": "", "pkg/engine.py": ENGINE, "pkg/provider.py": PROVIDER}


def test_recursive_retry_step_is_internal(tmp_path: Path) -> None:
    write_tree(tmp_path, {**FILES, "pkg/user.py": USER})
    found = sites_in(tmp_path, "pkg/engine.py")
    assert (line_of(ENGINE, "def answer(self, messages)"), "wrapper") in found
    retry = line_of(ENGINE, "def _send_retrying")
    again = line_of(ENGINE, "return self._send_retrying(**kwargs")
    turn = line_of(ENGINE, "return self._send_retrying(messages=messages")
    # no wrapper at the retry step; neither its recursive call nor the class's own call of it is a wrapper-call
    assert not {(retry, "wrapper"), (again, "wrapper-call"), (turn, "wrapper-call")} & found
    # the provider call inside it stays (an inner call of the interface its providers implement)
    assert (line_of(ENGINE, "return self.send(**kwargs)"), "wrapper-call") in found


def test_retry_step_called_from_elsewhere_stays_wrapper(tmp_path: Path) -> None:
    write_tree(tmp_path, {**FILES, "pkg/user.py": POKED})
    assert (line_of(ENGINE, "def _send_retrying"), "wrapper") in sites_in(tmp_path, "pkg/engine.py")


# A public step re-calling itself after switching to a fallback model: an entry of the class's API (its own ``step``
# and other code may call it), so the recursion rule for private retry steps leaves it as it was.
PUBLIC = ENGINE.replace("_send_retrying", "send_retrying")


def test_public_method_calling_itself_keeps_its_own_rules(tmp_path: Path) -> None:
    write_tree(tmp_path, {**FILES, "pkg/engine.py": PUBLIC, "pkg/user.py": USER})
    assert (line_of(PUBLIC, "def send_retrying"), "wrapper") in sites_in(tmp_path, "pkg/engine.py")
