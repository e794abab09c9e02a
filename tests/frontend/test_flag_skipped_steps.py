"""Two shapes of a shared send helper.

(1) A helper that sends either a chat request or something that is no model call, picked by a flag parameter
(``if embed: return self._embed(...)`` before ``if chat: return client...create(...)``): a call setting
``embed=True``, or leaving ``chat`` at its ``False`` default, runs no model step, so the function making it is no
wrapper and the call is no wrapper-call. A call handing the flag on as a variable may run the request.

(2) A private send helper that a companion class of the same module calls on the backend it holds
(``self.backend._send(history)``) is used by two classes: it is the module's calling API (a wrapper, its calls
wrapper-calls). The same call from a class in another module is still a poke at a private method."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, line_of, write_tree

FLAGGED = """
    from openai import OpenAI

    client = OpenAI()


    class Store:
        def _vectors_for(self, texts):
            return [[float(len(t))] for t in texts]

        def _send(self, tries=3, chat=False, embed=False, **kw):
            for _ in range(tries):
                try:
                    if embed:
                        return self._vectors_for(kw["texts"])
                    if chat:
                        return client.chat.completions.create(model="m-1", messages=kw["messages"])
                except Exception:
                    continue
            raise RuntimeError("no answer")

        def ask(self, question):
            return self._send(messages=[{"role": "user", "content": question}], chat=True)

        def vectors(self, texts):
            return self._send(texts=texts, embed=True)

        def count(self, texts):
            return self._send(texts=texts)

        def either(self, question, as_chat):
            return self._send(messages=[{"role": "user", "content": question}], chat=as_chat)


    def closeness(a, b):
        va, vb = Store().vectors([a, b])
        return sum(x * y for x, y in zip(va, vb))


    def answer(q):
        return Store().ask(q)


    def maybe(q, flag):
        return Store().either(q, flag)
"""

BACKEND = """
    from openai import OpenAI


    class Backend:
        def __init__(self):
            self.client = OpenAI()

        def _send(self, messages):
            for _ in range(3):
                try:
                    return self.client.chat.completions.create(model="m-1", messages=messages)
                except Exception:
                    continue
            return None

        def ask(self, question):
            return self._send([{"role": "user", "content": question}])
"""

SESSION = """
    class Session:
        def __init__(self, backend):
            self.backend = backend
            self.history = []

        def say(self, text):
            self.history.append({"role": "user", "content": text})
            return self.backend._send(self.history)
"""

USE = """
    from backend import Backend, Session


    def chat(q):
        b = Backend()
        return b.ask(q), Session(b).say(q)
"""


def _kinds(graph, path: str) -> dict[int, str]:
    return {s.loc.line: str(s.site) for s in graph.sites() if s.loc.path == path}


def test_a_flag_that_skips_the_model_step_reaches_no_model(tmp_path: Path) -> None:
    write_tree(tmp_path, {"agent.py": FLAGGED})
    kinds = _kinds(analysed_graph(tmp_path), "agent.py")
    assert kinds.get(line_of(FLAGGED, "def ask(")) == "wrapper"
    assert kinds.get(line_of(FLAGGED, "return Store().ask(q)")) == "wrapper-call"
    assert kinds.get(line_of(FLAGGED, "def vectors(")) is None  # ``embed=True`` returns before the request
    assert kinds.get(line_of(FLAGGED, "va, vb = Store().vectors")) is None
    assert kinds.get(line_of(FLAGGED, "return self._send(texts=texts, embed=True)")) is None
    assert kinds.get(line_of(FLAGGED, "def count(")) is None  # ``chat`` left at its False default
    # the look-alike: the flag handed on as a variable may open the request
    assert kinds.get(line_of(FLAGGED, "def either(")) == "wrapper"
    assert kinds.get(line_of(FLAGGED, "return Store().either(q, flag)")) == "wrapper-call"


def test_a_companion_class_of_the_module_uses_the_private_send(tmp_path: Path) -> None:
    write_tree(tmp_path, {"backend.py": BACKEND + SESSION, "use.py": USE})
    source = BACKEND + SESSION
    kinds = _kinds(analysed_graph(tmp_path), "backend.py")
    assert kinds.get(line_of(source, "def _send(")) == "wrapper"
    assert kinds.get(line_of(source, "return self.backend._send(self.history)")) == "wrapper-call"
    assert kinds.get(line_of(source, 'return self._send([{"role": "user"')) == "wrapper-call"


def test_a_class_of_another_module_pokes_at_it(tmp_path: Path) -> None:
    use = USE.replace(
        "from backend import Backend, Session", "from backend import Backend\n    from session import Session"
    )
    write_tree(tmp_path, {"backend.py": BACKEND, "session.py": SESSION, "use.py": use})
    graph = analysed_graph(tmp_path)
    kinds = _kinds(graph, "backend.py")
    assert kinds.get(line_of(BACKEND, "def _send(")) is None
    assert kinds.get(line_of(BACKEND, "def ask(")) == "wrapper"
    assert _kinds(graph, "session.py").get(line_of(SESSION, "def say(")) == "wrapper"
