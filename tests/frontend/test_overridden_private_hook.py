"""A provider base whose private hook holds the request (``Base._send(history)``), called by two entry points of the
class (a plain chat and a tool loop), and replaced by a provider subclass's own transport. Only the class's own
methods call the hook, handing on what they were handed: it is an internal step of the family's entry points, which
are the calling API other code uses (bench/corpus/README.md, override families: a private hook the base's own entry
points call is an internal step, overridden or not). Not a wrapper, nor its override; its calls are no wrapper-calls;
``chat`` and ``chat_with_tools`` are the wrappers. A private transport only one method calls is folded the same way."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import line_of, sites_in, write_tree

BASE = """
    import httpx
    from openai import OpenAI


    class Base:
        def __init__(self, model):
            self.model = model
            self.client = OpenAI()

        def _send(self, history, conf):
            out = self.client.chat.completions.create(model=self.model, messages=history, **conf)
            return out.choices[0].message.content

        def chat(self, system, history, conf=None):
            history = [{"role": "system", "content": system}] + history
            for _ in range(3):
                try:
                    return self._send(history, conf or {})
                except TimeoutError:
                    continue
            return ""

        def chat_with_tools(self, system, history, conf=None):
            history = [{"role": "system", "content": system}] + history
            answer = self._send(history, conf or {})
            while answer.startswith("CALL"):
                history.append({"role": "tool", "content": "done"})
                answer = self._send(history, conf or {})
            return answer


    class HostedChat(Base):
        def _post(self, body):
            return httpx.post("https://api.example.com/v1/chat/completions", json=body).json()

        def _send(self, history, conf):
            reply = self._post({"model": self.model, "messages": history, **conf})
            return reply["choices"][0]["message"]["content"]


    class Single:
        def __init__(self):
            self.client = OpenAI()

        def _once(self, history):
            return self.client.chat.completions.create(model="m", messages=history)

        def ask(self, history):
            return self._once(history)
"""

APP = """
    from prov.base import HostedChat, Single


    def answer(question):
        llm = HostedChat("m-large")
        first = llm.chat("Answer briefly.", [{"role": "user", "content": question}])
        second = llm.chat_with_tools("Use the tools.", [{"role": "user", "content": question}])
        return first, second, Single().ask([{"role": "user", "content": question}])
"""


def test_private_hook_of_the_entry_points_is_an_internal_step_though_a_provider_overrides_it(tmp_path: Path) -> None:
    write_tree(tmp_path, {"prov/__init__.py": "", "prov/base.py": BASE, "prov/app.py": APP})
    base = sites_in(tmp_path, "prov/base.py")
    first, second = (i for i, line in enumerate(BASE.splitlines()) if "def _send(" in line)
    hook = line_of(BASE, "def _send(")
    assert (hook, "wrapper") not in base
    assert (hook + second - first, "wrapper") not in base  # the provider's override of the hook
    assert (line_of(BASE, "return self._send(history, conf or {})"), "wrapper-call") not in base
    assert (line_of(BASE, "answer = self._send(history, conf or {})"), "wrapper-call") not in base
    assert (line_of(BASE, "def chat("), "wrapper") in base  # the family's entry points are the calling API
    assert (line_of(BASE, "def chat_with_tools("), "wrapper") in base
    assert (line_of(BASE, "def _once("), "wrapper") not in base  # one caller: folded into it
    assert (line_of(BASE, "def ask("), "wrapper") in base
