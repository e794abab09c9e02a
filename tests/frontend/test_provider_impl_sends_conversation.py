"""A provider interface (``Backend.complete(messages)``) whose implementations each reach a model. One implementation
converts the conversation it is handed into its vendor's shape and adds a fixed line of its own before sending it; the
text it writes does not make it a task: it still sends its caller's exchange, so it stays a wrapper. Likewise a step
implementation that sends the conversation its object keeps (``self.history``) beside an instruction it writes."""

from __future__ import annotations

from pathlib import Path

from .trees import analysed_graph, write_tree

BACKENDS = """
    from abc import abstractmethod

    import openai

    client = openai.OpenAI()
    PREAMBLE = "You are a careful assistant. Keep every reply short and polite, and never invent facts."


    def reshape(messages):
        return [{"role": m["role"], "content": str(m["content"])} for m in messages]


    class Backend:
        @abstractmethod
        def complete(self, messages: list) -> str: ...


    class PlainBackend(Backend):
        def complete(self, messages: list) -> str:
            out = client.chat.completions.create(model="m", messages=messages)
            return out.choices[0].message.content


    class VendorBackend(Backend):
        def complete(self, messages: list) -> str:
            turns = reshape(messages)
            out = client.chat.completions.create(
                model="m", messages=[{"role": "system", "content": PREAMBLE}] + turns
            )
            return out.choices[0].message.content


    def run(backend: Backend, turns):
        return backend.complete(turns)
"""


def _wrappers(graph) -> set[int]:
    return {s.loc.line for s in graph.sites() if str(s.site) == "wrapper"}


def _line(tree: str, text: str) -> int:
    lines = tree.splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


def test_vendor_backend_converting_the_handed_messages_stays_a_wrapper(tmp_path: Path) -> None:
    write_tree(tmp_path, {"backends.py": BACKENDS})
    wrappers = _wrappers(analysed_graph(tmp_path))
    plain = _line(BACKENDS, "class PlainBackend") + 1
    vendor = _line(BACKENDS, "class VendorBackend") + 1
    assert plain in wrappers
    assert vendor in wrappers  # adds a line of its own, but sends its caller's conversation


STEPS = """
    from abc import abstractmethod

    import openai

    client = openai.OpenAI()
    GUIDE = "Look at the screen state below and pick the single next action that moves the task forward."


    class Operator:
        def __init__(self, goal: str):
            self.history = [{"role": "user", "content": goal}]

        @abstractmethod
        def step(self, state: str) -> str: ...


    class PlainOperator(Operator):
        def step(self, state: str) -> str:
            out = client.chat.completions.create(model="m", messages=self.history)
            return out.choices[0].message.content


    class GuidedOperator(Operator):
        def step(self, state: str) -> str:
            brief = GUIDE + "\\n" + state
            out = client.chat.completions.create(
                model="m", messages=[{"role": "system", "content": brief}] + self.history
            )
            return out.choices[0].message.content


    def drive(op: Operator, states):
        return [op.step(s) for s in states]
"""


def test_step_sending_the_kept_conversation_stays_a_wrapper(tmp_path: Path) -> None:
    write_tree(tmp_path, {"steps.py": STEPS})
    wrappers = _wrappers(analysed_graph(tmp_path))
    assert _line(STEPS, "class PlainOperator") + 1 in wrappers
    assert _line(STEPS, "class GuidedOperator") + 1 in wrappers  # its own brief beside the goal the object keeps
