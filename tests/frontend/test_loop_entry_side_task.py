"""An agent's public ``run`` that other code calls, whose model step is reached through private steps of its own class
handing on locals computed without any text (a loop counter, a step-info object, ``messages =
self.memory.messages()``) until a wrapper gets the object's state as it is: ``run`` is the agent's calling API (a
wrapper) even though a step on the way also runs a side task of another class that writes its own prompt (a memory
compaction, whose model call stays a site of its own). An entry whose step writes the text it sends, or fills a
template the module keeps, is no wrapper: that call is the site."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, write_tree

MODEL = """
    from openai import OpenAI


    class Model:
        def __init__(self, name):
            self.name = name
            self.client = OpenAI()

        def complete(self, messages):
            reply = self.client.chat.completions.create(model=self.name, messages=messages)
            return reply.choices[0].message.content
"""

MEMORY = """
    from model import Model


    class Memory:
        def __init__(self):
            self.items = []
            self.summary = ""

        def messages(self):
            return [{"role": "system", "content": self.summary}] + list(self.items)

        def compact(self, llm: Model, every: int):
            if len(self.items) < every:
                return
            text = " | ".join(m["content"] for m in self.items)
            self.summary = llm.complete([{"role": "user", "content": "Summarise these notes briefly: " + text}])
            self.items = []
"""

AGENT = """
    from memory import Memory
    from model import Model


    class StepInfo:
        def __init__(self, number, limit):
            self.number = number
            self.limit = limit


    class Agent:
        def __init__(self, task, model: Model):
            self.model = model
            self.memory = Memory()
            self.memory.items.append({"role": "user", "content": task})
            self.every = 8
            self.done = False

        def _decide(self, messages):
            answer = self.model.complete(messages)
            if not answer:
                answer = self.model.complete(messages + [{"role": "user", "content": "Reply with one action."}])
            return answer

        def _prepare(self, info):
            self.memory.compact(llm=self.model, every=self.every)
            return info.number

        def _next(self, number):
            messages = self.memory.messages()
            action = self._decide(messages)
            self.memory.items.append({"role": "assistant", "content": action})
            self.done = action.startswith("done")

        def _one_step(self, info):
            number = self._prepare(info)
            self._next(number)

        def run(self, limit=20):
            for n in range(limit):
                info = StepInfo(n, limit)
                self._one_step(info)
                if self.done:
                    break
            return self.memory.items
"""

REPORTER = """
    from model import Model


    class Reporter:
        def __init__(self, model: Model):
            self.model = model
            self.drafts = []

        def _draft(self, count):
            messages = [{"role": "user", "content": "Write a short report."}]
            for _ in range(count):
                self.drafts.append(self.model.complete(messages))

        def write(self, count=2):
            total = count * 2
            self._draft(total)
            return self.drafts
"""

BRIEF = """
    from model import Model


    class Briefer:
        def __init__(self, model: Model):
            self.model = model

        def _ask(self, topic):
            messages = BRIEF_PROMPT.format(topic=topic)
            return self.model.complete(messages)

        def brief(self, topic):
            return self._ask(topic)


    BRIEF_PROMPT = "Write a one-paragraph brief on {topic}."
"""

MAIN = """
    from agent import Agent
    from model import Model


    def solve(task):
        return Agent(task, Model("small")).run(limit=5)


    def report(model: Model):
        from reporter import Reporter

        return Reporter(model).write(3)


    def brief(model: Model, topic):
        from brief import Briefer

        return Briefer(model).brief(topic)
"""


def _sites(tmp_path: Path) -> set[tuple[str, int, str]]:
    files = {"model.py": MODEL, "memory.py": MEMORY, "agent.py": AGENT, "reporter.py": REPORTER, "main.py": MAIN}
    files["brief.py"] = BRIEF
    write_tree(tmp_path, files)
    return {(s.loc.path, s.loc.line, str(s.site)) for s in analysed_graph(tmp_path).sites()}


def test_run_reaching_the_model_through_textless_steps_is_a_wrapper(tmp_path: Path) -> None:
    sites = _sites(tmp_path)
    assert ("agent.py", 40, "wrapper") in sites  # Agent.run
    assert ("main.py", 7, "wrapper-call") in sites  # solve -> run
    assert ("memory.py", 17, "wrapper-call") in sites  # the side task's own call stays a site


def test_entry_whose_step_writes_its_prompt_is_no_wrapper(tmp_path: Path) -> None:
    sites = _sites(tmp_path)
    assert ("reporter.py", 15, "wrapper") not in sites  # Reporter.write
    assert ("reporter.py", 13, "wrapper-call") in sites  # the step's own call is the site


def test_entry_whose_step_fills_a_module_template_is_no_wrapper(tmp_path: Path) -> None:
    sites = _sites(tmp_path)
    assert ("brief.py", 13, "wrapper") not in sites  # Briefer.brief
    assert ("brief.py", 11, "wrapper-call") in sites  # the step filling the template holds the site
