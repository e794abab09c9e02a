"""Granularity of a private step that a subclass defines again (bench/corpus/README.md "Granularity decisions"):
when each class of the family calls its own copy only from its own methods (the subclass redefines every method that
calls the step), no code outside a class body reaches the step: each copy is an internal step of its class, no
wrapper, and the calls of it no wrapper-calls. A private hook that the base's API calls down into (the subclass keeps
the base's calling method) is reached from the base's body, and stays out of this rule."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, line_of, write_tree

GATEWAY = """
    import openai


    class Gateway:
        def send(self, messages, stream):
            return openai.OpenAI().chat.completions.create(model="m", messages=messages, stream=stream)
"""

# ``Runner.ask`` / ``Runner.ask_stream`` reach the gateway through ``_turn`` (a retry loop); ``FastRunner`` redefines
# all three: each class turns through its own ``_turn``.
RUNNER = """
    from core.gateway import Gateway


    class Runner:
        def __init__(self):
            self.gateway = Gateway()

        def ask(self, messages):
            return self._turn(messages, stream=False)

        def ask_stream(self, messages):
            yield from self._turn(messages, stream=True)

        def _turn(self, messages, stream):
            for attempt in range(3):
                try:
                    return self.gateway.send(messages, stream)
                except RuntimeError:
                    continue
            raise RuntimeError("no answer")
"""

FAST = """
    from core.runner import Runner


    class FastRunner(Runner):
        def ask(self, messages):
            return self._turn(messages[-4:], stream=False)

        def ask_stream(self, messages):
            yield from self._turn(messages[-4:], stream=True)

        def _turn(self, messages, stream):
            try:
                return self.gateway.send(messages, stream)
            except RuntimeError:
                return None
"""

# The look-alike: ``LazyRunner`` keeps the base's ``ask_stream``, so the base's body calls down into its ``_turn``.
LAZY = """
    from core.runner import Runner


    class LazyRunner(Runner):
        def ask(self, messages):
            return self._turn(messages[:1], stream=False)

        def _turn(self, messages, stream):
            try:
                return self.gateway.send(messages, stream)
            except RuntimeError:
                return None
"""

MAIN = """
    from core.fast import FastRunner
    from core.runner import Runner


    def main(text):
        print(Runner().ask([{"role": "user", "content": text}]))
        for part in FastRunner().ask_stream([{"role": "user", "content": text}]):
            print(part)
"""


def _kinds(graph, path: str) -> dict[int, str]:
    return {s.loc.line: str(s.site) for s in graph.sites() if s.loc.path == path}


def test_private_step_each_class_calls_through_its_own_copy_is_internal(tmp_path: Path) -> None:
    files = {"core/__init__.py": "", "core/gateway.py": GATEWAY, "core/runner.py": RUNNER, "core/fast.py": FAST}
    write_tree(tmp_path, {**files, "app/main.py": MAIN})
    graph = analysed_graph(tmp_path)
    runner, fast = _kinds(graph, "core/runner.py"), _kinds(graph, "core/fast.py")
    assert runner.get(line_of(RUNNER, "def ask(")) == "wrapper"  # what other code calls
    assert fast.get(line_of(FAST, "def ask_stream(")) == "wrapper"
    assert line_of(RUNNER, "def _turn(") not in runner and line_of(FAST, "def _turn(") not in fast  # internal steps
    assert line_of(RUNNER, "return self._turn(") not in runner  # their calls: no wrapper-calls
    assert line_of(FAST, "return self._turn(") not in fast
    assert runner.get(line_of(RUNNER, "self.gateway.send(")) == "wrapper-call"  # the call inside the step stays
    assert fast.get(line_of(FAST, "self.gateway.send(")) == "wrapper-call"


def test_private_hook_the_base_calls_down_into_stays_reported(tmp_path: Path) -> None:
    files = {"core/__init__.py": "", "core/gateway.py": GATEWAY, "core/runner.py": RUNNER, "core/lazy.py": LAZY}
    main = MAIN.replace("core.fast import FastRunner", "core.lazy import LazyRunner").replace(
        "FastRunner", "LazyRunner"
    )
    write_tree(tmp_path, {**files, "app/main.py": main})
    graph = analysed_graph(tmp_path)
    runner = _kinds(graph, "core/runner.py")
    # ``Runner.ask_stream`` runs ``LazyRunner._turn`` on a lazy runner: the family is not closed, the step is kept
    assert runner.get(line_of(RUNNER, "def _turn(")) == "wrapper"
    assert runner.get(line_of(RUNNER, "return self._turn(")) == "wrapper-call"
