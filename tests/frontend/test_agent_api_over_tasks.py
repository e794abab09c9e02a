"""An agent class whose public methods hand the caller's prompt to task functions (step functions that write their own
system text around it and call the model through the agent's model object): ``agent.create(prompt)`` is how other
code reaches the model with its prompt, so the agent's methods are wrappers (CALLSITES.md ``ChatAgent.step``), the
abstract base's methods are the interface they implement, and a function handing its prompt on to the agent is one
too. The step functions stay task functions (no wrappers), and an agent method handing the steps no prompt of its
caller's (only files to review) is no wrapper either."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import line_of, sites_in, write_tree

MODEL = """
    from openai import OpenAI


    class Model:
        def __init__(self):
            self.client = OpenAI()

        def ask(self, system, user):
            out = self.client.chat.completions.create(
                model="gpt-4o",
                messages=[{"role": "system", "content": system}, {"role": "user", "content": user}],
            )
            return out.choices[0].message.content
"""

STEPS = """
    def draft(model, prompt, store):
        text = model.ask("You write whole programs. Answer with every file in full, fenced.", prompt)
        store["draft"] = text
        return text


    def revise(model, prompt, files, store):
        listing = "\\n".join(files)
        return model.ask("You edit programs. Answer with unified diffs only.", listing + "\\n\\n" + prompt)


    def critique(model, files):
        return model.ask("You review code. List the defects you see.", "\\n".join(files))
"""

BASE = """
    from abc import ABC, abstractmethod


    class CodeAgent(ABC):
        @abstractmethod
        def create(self, prompt):
            pass

        @abstractmethod
        def edit(self, files, prompt):
            pass
"""

PLAIN = """
    from coder.base import CodeAgent
    from coder.model import Model
    from coder.steps import critique, draft, revise


    class Grader:
        def __init__(self, model):
            self.model = model

        def grade(self, request):
            return self.model.ask("Score the request from 1 to 5 for clarity. Answer with the digit.", request)


    class PlainCoder(CodeAgent):
        def __init__(self):
            self.model = Model()
            self.store = {}
            self.grader = Grader(self.model)

        def judge(self, prompt):
            return self.grader.grade(prompt)

        def create(self, prompt):
            return draft(self.model, prompt, self.store)

        def edit(self, files, prompt):
            return revise(self.model, prompt, files, self.store)

        def review(self, files):
            return critique(self.model, files)
"""

MODES = """
    def edit_mode(prompt, agent, files):
        print("editing")
        result = agent.edit(files, prompt)
        print("done")
        return result
"""

MAIN = """
    from coder.modes import edit_mode
    from coder.plain import PlainCoder


    def main(prompt, files):
        agent = PlainCoder()
        if files:
            return edit_mode(prompt, agent, files)
        notes = agent.review(["a.py"]), agent.judge(prompt)
        print(notes)
        return agent.create(prompt)
"""


def test_agent_methods_handing_the_prompt_to_task_functions_are_wrappers(tmp_path: Path) -> None:
    files = {"coder/__init__.py": "", "coder/model.py": MODEL, "coder/steps.py": STEPS, "coder/base.py": BASE}
    files |= {"coder/plain.py": PLAIN, "coder/modes.py": MODES, "coder/main.py": MAIN}
    write_tree(tmp_path, files)
    plain = sites_in(tmp_path, "coder/plain.py")
    assert (line_of(PLAIN, "def create"), "wrapper") in plain
    assert (line_of(PLAIN, "def edit"), "wrapper") in plain
    assert (line_of(PLAIN, "def review"), "wrapper") not in plain  # no prompt of its caller's: it runs a task
    assert (line_of(PLAIN, "def judge"), "wrapper") not in plain  # another object's task method: its task
    base = sites_in(tmp_path, "coder/base.py")
    assert {(line_of(BASE, "def create"), "wrapper"), (line_of(BASE, "def edit"), "wrapper")} <= base
    modes = sites_in(tmp_path, "coder/modes.py")
    assert {(line_of(MODES, "def edit_mode"), "wrapper"), (line_of(MODES, "agent.edit("), "wrapper-call")} <= modes
    main = sites_in(tmp_path, "coder/main.py")
    assert (line_of(MAIN, "edit_mode(prompt, agent, files)"), "wrapper-call") in main
    assert (line_of(MAIN, "agent.create(prompt)"), "wrapper-call") in main
    assert (line_of(MAIN, "agent.review("), "wrapper-call") not in main
    steps = sites_in(tmp_path, "coder/steps.py")
    assert not {kind for _, kind in steps} & {"wrapper"}  # the step functions write their own system text: tasks
