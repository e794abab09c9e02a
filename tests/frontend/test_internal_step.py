"""Granularity of methods (bench/corpus/README.md "Granularity decisions", from CALLSITES.md): a method is a wrapper
when code outside its own class body calls it to reach the model (another module, another class, a subclass); a
method, private or public, that only its own class body calls, each call passing on what the calling method was
handed, is an internal step: no wrapper, and its calls no wrapper-calls; the request inside it stays a request."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, write_tree

# ``Session.ask`` / ``Session.ask_stream`` both reach the model through ``_turn`` (a retry loop) and ``flush``
# (public): only ``Session``'s own methods call either of them.
SESSION = """
    import time

    import openai


    class Session:
        def __init__(self):
            self.client = openai.OpenAI()
            self.history = []

        def ask(self, question):
            self.history.append({"role": "user", "content": question})
            return self._turn(self.history, stream=False)

        def ask_stream(self, question):
            self.history.append({"role": "user", "content": question})
            return self._turn(self.history, stream=True)

        def _turn(self, messages, stream):
            for attempt in range(3):
                try:
                    return self.flush(messages, stream)
                except RuntimeError:
                    time.sleep(attempt)
            raise RuntimeError("model unavailable")

        def flush(self, messages, stream):
            out = self.client.chat.completions.create(model="m", messages=messages, stream=stream)
            return out if stream else out.choices[0].message.content
"""

MAIN = """
    from chat.session import Session


    def main(text):
        session = Session()
        print(session.ask(text))
        for part in session.ask_stream(text):
            print(part)
"""


def _kinds(graph, path: str) -> dict[int, str]:
    return {s.loc.line: str(s.site) for s in graph.sites() if s.loc.path == path}


def test_methods_only_their_own_class_calls_are_internal_steps(tmp_path: Path) -> None:
    write_tree(tmp_path, {"chat/__init__.py": "", "chat/session.py": SESSION, "app/main.py": MAIN})
    graph = analysed_graph(tmp_path)
    kinds = _kinds(graph, "chat/session.py")
    assert kinds.get(12) == "wrapper" and kinds.get(16) == "wrapper"  # ask, ask_stream: what other code calls
    assert 20 not in kinds and 28 not in kinds  # _turn (private) and flush (public): internal steps, no wrappers
    assert 14 not in kinds and 18 not in kinds and 23 not in kinds  # their calls: no wrapper-calls
    assert kinds.get(29) == "request"  # the request inside the step stays
    outside = _kinds(graph, "app/main.py")
    assert outside.get(7) == "wrapper-call" and outside.get(8) == "wrapper-call"


BASE = """
    import openai


    class Step:
        def __init__(self):
            self.client = openai.OpenAI()

        def _ask(self, prompt):
            for attempt in range(2):
                out = self.client.chat.completions.create(model="m", messages=[{"role": "user", "content": prompt}])
                if out.choices:
                    return out.choices[0].message.content
            return ""

        def run(self, text):
            return self._ask(text)
"""

SUMMARY = """
    from steps.base import Step

    TEMPLATE = "Summarize the following notes in three bullet points, keeping every number as written:\\n{notes}"


    class Summarize(Step):
        def run(self, text):
            return self._ask(TEMPLATE.format(notes=text))
"""


def test_a_private_method_its_subclasses_call_is_a_wrapper(tmp_path: Path) -> None:
    write_tree(tmp_path, {"steps/__init__.py": "", "steps/base.py": BASE, "steps/summary.py": SUMMARY})
    graph = analysed_graph(tmp_path)
    assert _kinds(graph, "steps/base.py").get(9) == "wrapper"  # Step._ask: a subclass calls it
    assert _kinds(graph, "steps/summary.py").get(9) == "wrapper-call"  # the subclass's call, its prompt written there


def test_the_same_method_called_from_another_module_is_a_wrapper(tmp_path: Path) -> None:
    caller = """
        from chat.session import Session


        def probe(messages):
            return Session().flush(messages, stream=False)
    """
    write_tree(
        tmp_path, {"chat/__init__.py": "", "chat/session.py": SESSION, "app/main.py": MAIN, "app/probe.py": caller}
    )
    graph = analysed_graph(tmp_path)
    kinds = _kinds(graph, "chat/session.py")
    assert kinds.get(28) == "wrapper"  # flush: other code now calls it as its way to the model
    assert _kinds(graph, "app/probe.py").get(6) == "wrapper-call"


# ``Coder.send_message`` (public, a generator) builds the turn from its caller's text and streams it through
# ``Model.complete``; only ``run_stream`` / ``run_once`` of its own class call it, and other code calls those.
MODEL = """
    import litellm


    class Model:
        def __init__(self, name):
            self.name = name

        def complete(self, messages, stream=False):
            return litellm.completion(model=self.name, messages=messages, stream=stream)
"""

CODER = """
    from editor.model import Model


    class Coder:
        def __init__(self):
            self.model = Model("m")
            self.done = []
            self.system = "You edit source files."

        def run_stream(self, text):
            yield from self.send_message(text)

        def run_once(self, text):
            return list(self.send_message(text))

        def send_message(self, inp):
            messages = [{"role": "system", "content": self.system}, *self.done, {"role": "user", "content": inp}]
            reply = ""
            for chunk in self.model.complete(messages, stream=True):
                reply += chunk.choices[0].delta.content or ""
                yield reply
            self.done.append({"role": "assistant", "content": reply})
"""

CLI = """
    from editor.coder import Coder


    def main(text):
        coder = Coder()
        for part in coder.run_stream(text):
            print(part)
        print(coder.run_once(text))
"""


def _coder_tree(root: Path, extra: dict[str, str]) -> None:
    files = {"editor/__init__.py": "", "editor/model.py": MODEL, "editor/coder.py": CODER, "editor/cli.py": CLI}
    write_tree(root, {**files, **extra})


def test_a_public_method_only_its_own_class_calls_is_an_internal_step(tmp_path: Path) -> None:
    _coder_tree(tmp_path, {})
    graph = analysed_graph(tmp_path)
    kinds = _kinds(graph, "editor/coder.py")
    assert kinds.get(11) == "wrapper" and kinds.get(14) == "wrapper"  # run_stream, run_once: other code calls them
    assert 17 not in kinds  # send_message: an internal step of the two
    assert 12 not in kinds and 15 not in kinds  # so its calls are no wrapper-calls
    assert kinds.get(20) == "wrapper-call"  # the call of the model's wrapper inside it stays
    assert _kinds(graph, "editor/cli.py") == {7: "wrapper-call", 9: "wrapper-call"}


def test_a_subclass_calling_it_makes_it_a_wrapper(tmp_path: Path) -> None:
    planner = """
        from editor.coder import Coder


        class Planner(Coder):
            def plan(self, goal):
                return list(self.send_message("List the files to change, one per line, for this goal: " + goal))
    """
    _coder_tree(tmp_path, {"editor/planner.py": planner})
    graph = analysed_graph(tmp_path)
    assert _kinds(graph, "editor/coder.py").get(17) == "wrapper"  # send_message: a subclass calls it
    assert _kinds(graph, "editor/planner.py").get(7) == "wrapper-call"


def test_another_module_calling_it_makes_it_a_wrapper(tmp_path: Path) -> None:
    probe = """
        from editor.coder import Coder


        def probe(text):
            return list(Coder().send_message(text))
    """
    _coder_tree(tmp_path, {"editor/probe.py": probe})
    graph = analysed_graph(tmp_path)
    kinds = _kinds(graph, "editor/coder.py")
    assert kinds.get(17) == "wrapper"  # send_message: other code reaches the model through it
    assert kinds.get(12) == "wrapper-call" and kinds.get(15) == "wrapper-call"
    assert _kinds(graph, "editor/probe.py").get(6) == "wrapper-call"
