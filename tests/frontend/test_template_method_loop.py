"""A template-method agent loop: the base class's public ``run(task)`` stores the task in the object's memory and
loops over an abstract ``self.turn()``; a subclass writes ``turn`` as a call of another abstract hook,
``self.decide()``, which a further subclass implements by handing the object's state to the model wrapper (the
system note wrapped into a message object, the tool schemas taken from an object it holds); the subclasses below
extend ``decide`` with ``super().decide()``. ``run`` is the calling API of the whole family, so scripts calling it
on any of the agents are wrapper-calls, even though the steps it reaches are declared in one class and written in
others. When the step writes a prompt of its own (through a builder method of its class), that call is the site and
``run`` stays no wrapper."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, write_tree

MODEL = """
    import openai


    class Model:
        def __init__(self):
            self.client = openai.OpenAI()

        def complete(self, messages, system=None, tools=None):
            sent = (system or []) + messages
            out = self.client.chat.completions.create(model="m", messages=sent, tools=tools)
            return out.choices[0].message
"""

LOOP = """
    from abc import ABC, abstractmethod

    from crew.model import Model


    class Note:
        @staticmethod
        def system(text):
            return {"role": "system", "content": text}


    class Runner(ABC):
        def __init__(self):
            self.history = []
            self.model = Model()
            self.done = False

        def remember(self, text):
            self.history.append({"role": "user", "content": text})

        def run(self, task):
            self.remember(task)
            out = []
            while not self.done and len(out) < 5:
                out.append(self.turn())
            return out

        @abstractmethod
        def turn(self):
            ...


    class Thinker(Runner, ABC):
        def turn(self):
            again = self.decide()
            if not again:
                self.done = True
            return again

        @abstractmethod
        def decide(self):
            ...


    class ToolUser(Thinker):
        persona = ""

        def __init__(self, toolbox):
            super().__init__()
            self.toolbox = toolbox

        def decide(self):
            reply = self.model.complete(
                messages=self.history,
                system=[Note.system(self.persona)] if self.persona else None,
                tools=self.toolbox.schema(),
            )
            return reply.tool_calls


    class Browser(ToolUser):
        def decide(self):
            self.persona = self.toolbox.page_state()
            return super().decide()
"""

SCRIPT = """
    from crew.loop import Browser


    def main(toolbox, task):
        return Browser(toolbox).run(task)
"""

BUILDER_LOOP = """
    from abc import ABC, abstractmethod

    from crew.model import Model


    class Runner(ABC):
        def __init__(self):
            self.history = []
            self.model = Model()

        def run(self, task):
            self.history.append(task)
            return [self.turn() for _ in range(3)]

        @abstractmethod
        def turn(self):
            ...


    class Critic(Runner):
        def compose(self):
            return [{"role": "user", "content": "Point out one flaw in this plan: " + str(self.history)}]

        def turn(self):
            return self.model.complete(messages=self.compose())
"""

BUILDER_SCRIPT = """
    from crew.loop import Critic


    def main(task):
        return Critic().run(task)
"""


def _line(text: str, needle: str) -> int:
    lines = text.splitlines()  # the leading newline is line 1 of the written file
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def test_run_over_hooks_written_in_subclasses_is_a_wrapper(tmp_path: Path) -> None:
    write_tree(tmp_path, {"crew/model.py": MODEL, "crew/loop.py": LOOP, "crew/main.py": SCRIPT})
    graph = analysed_graph(tmp_path)
    wrappers = {(s.loc.path, s.loc.line) for s in graph.sites() if str(s.site) == "wrapper"}
    calls = {(s.loc.path, s.loc.line) for s in graph.sites() if str(s.site) != "wrapper"}
    assert ("crew/loop.py", _line(LOOP, "def run(self, task)")) in wrappers
    assert ("crew/main.py", _line(SCRIPT, ".run(task)")) in calls
    assert ("crew/loop.py", _line(LOOP, "reply = self.model.complete(")) in calls


def test_step_writing_its_own_prompt_keeps_run_out(tmp_path: Path) -> None:
    write_tree(tmp_path, {"crew/model.py": MODEL, "crew/loop.py": BUILDER_LOOP, "crew/main.py": BUILDER_SCRIPT})
    graph = analysed_graph(tmp_path)
    wrappers = {(s.loc.path, s.loc.line) for s in graph.sites() if str(s.site) == "wrapper"}
    calls = {(s.loc.path, s.loc.line) for s in graph.sites() if str(s.site) != "wrapper"}
    assert ("crew/loop.py", _line(BUILDER_LOOP, "def run(self, task)")) not in wrappers
    assert ("crew/loop.py", _line(BUILDER_LOOP, "return self.model.complete(")) in calls
    assert not any(path == "crew/main.py" for path, _ in calls)
