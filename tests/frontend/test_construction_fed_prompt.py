"""An object built with the prompt it will send (``Shaper(text=note, instructions=RULES).to_dict()``): a public method
taking no prompt that sends its object's attributes as they are (a message list of ``self.instructions`` and
``self.text``), filled by its constructions elsewhere, forwards its caller's prompt through the object. It is a
wrapper and its calls are wrapper-calls carrying what the construction handed over. A method writing its own text
around what its object holds (``f"Summarise ...{self.text}"``), or reading fields of an object it was handed
(``self.ticket.title``), is a task method: no wrapper. Sources written for these
tests."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, line_of, write_tree

_MODEL = """
    from openai import OpenAI


    class Model:
        def __init__(self, name):
            self.name = name
            self.client = OpenAI()

        def call(self, messages):
            out = self.client.chat.completions.create(model=self.name, messages=messages)
            return out.choices[0].message.content
"""

_SHAPE = """
    import json
    from dataclasses import dataclass

    from kit.model import Model


    @dataclass
    class Shaper:
        text: str
        instructions: str
        llm: Model
        tries: int = 3

        def _messages(self):
            return [{"role": "system", "content": self.instructions}, {"role": "user", "content": self.text}]

        def to_dict(self, attempt=1):
            try:
                return json.loads(self.llm.call(self._messages()))
            except ValueError:
                if attempt < self.tries:
                    return self.to_dict(attempt + 1)
                raise


    class Structurer:
        def __init__(self, content: str, llm: Model):
            self.content = content
            self.llm = llm

        def run(self):
            messages = [{"role": "user", "content": self.content}]
            return self.llm.call(messages)


    class Planner:
        def __init__(self, ticket, llm: Model, texts: dict):
            self.ticket = ticket
            self.llm = llm
            self.texts = texts

        def plan(self):
            messages = [{"role": "user", "content": self.texts["plan"].format(title=self.ticket.title)}]
            return self.llm.call(messages)


    class Pipeline:
        def __init__(self, idea: str, llm: Model):
            self.idea = idea
            self.llm = llm

        def run(self):
            outline = self.expand(self.idea)
            return self.expand(outline)

        def expand(self, idea):
            return self.llm.call([{"role": "user", "content": f"Expand this idea into a full article:\\n{idea}"}])


    def load_history(conversation_name, language):
        with open(f"history/{conversation_name}.{language}.json") as fh:
            return json.load(fh)


    class Recorder:
        def __init__(self, conversation_name: str, language: str, llm: Model):
            self.conversation_name = conversation_name
            self.language = language
            self.llm = llm

        def reply(self):
            return self.llm.call(load_history(self.conversation_name, self.language))


    class Summary:
        def __init__(self, text: str, llm: Model):
            self.text = text
            self.llm = llm

        def summarize(self):
            return self.llm.call([{"role": "user", "content": f"Summarise this text in three bullet points:\\n{self.text}"}])
"""

_JOBS = """
    from kit.model import Model
    import json

    from kit.shape import Pipeline, Planner, Recorder, Shaper, Structurer, Summary


    def tags(note, llm: Model):
        shaper = Shaper(text=note, instructions="Return the note's tags as a JSON list of lowercase words.", llm=llm)
        return shaper.to_dict()


    def short(note, llm: Model):
        return Structurer(content=f"Give this note a title of at most six words:\\n{note}", llm=llm).run()


    def steps(ticket, llm: Model):
        return Planner(ticket, llm, json.load(open("texts.json"))).plan()


    def article(idea, llm: Model):
        return Pipeline(idea, llm).run()


    def answer(llm: Model):
        return Recorder(conversation_name="support-42", language="en", llm=llm).reply()


    def digest(doc, llm: Model):
        return Summary(doc, llm).summarize()
"""


def _tree(tmp_path: Path):
    write_tree(tmp_path, {"kit/__init__.py": "", "kit/model.py": _MODEL, "kit/shape.py": _SHAPE, "kit/jobs.py": _JOBS})
    return analysed_graph(tmp_path)


def test_methods_sending_what_their_construction_was_handed_are_wrappers(tmp_path: Path) -> None:
    graph = _tree(tmp_path)
    wrappers = {s.function for s in graph.sites() if s.site == SiteKind.WRAPPER}
    assert {"Shaper.to_dict", "Structurer.run"} <= wrappers
    assert "Summary.summarize" not in wrappers  # writes its own text around the object's data: a task method
    assert "Pipeline.run" not in wrappers  # hands its idea to a task step of its own class
    assert "Planner.plan" not in wrappers  # the object handed over is read for its fields: no text handed over
    assert "Recorder.reply" not in wrappers  # a name and a setting handed over (conversation_name, language): no text
    calls = {(s.loc.line, s.function) for s in graph.sites() if s.loc.path == "kit/jobs.py"}
    assert (line_of(_JOBS, "shaper.to_dict()"), "tags") in calls
    assert (line_of(_JOBS, "Structurer(content="), "short") in calls
    assert not any(f in ("digest", "steps", "article") for _, f in calls)
    inner = {(s.loc.line, str(s.site)) for s in graph.sites() if s.loc.path == "kit/shape.py"}
    assert (line_of(_SHAPE, "return self.to_dict(attempt + 1)"), "wrapper-call") in inner  # the retry re-sends it


_ANALYST = """
    from abc import ABC, abstractmethod
    from pathlib import Path

    from kit.model import Model


    class Analyst(ABC):
        @abstractmethod
        def review(self, code: str, extra_instructions: str = ""):
            ...


    class FileAnalyst(Analyst):
        def __init__(self, llm: Model):
            self.llm = llm

        def review(self, code: str, extra_instructions: str = ""):
            text = (Path(__file__).parent / "templates" / "review.txt").read_text()
            messages = [{"role": "user", "content": text.format(code=code, extra=extra_instructions)}]
            return self.llm.call(messages)


    class Checker:
        def __init__(self, code: str, instructions: str, analyst: Analyst):
            self.code = code
            self.instructions = instructions
            self.analyst = analyst

        def check(self):
            return self.analyst.review(code=self.code, extra_instructions=self.instructions)
"""

_CHECK_JOB = """
    from kit.analyst import Checker, FileAnalyst
    from kit.model import Model


    def main(llm: Model):
        return Checker(code=open("a.py").read(), instructions="Be brief.", analyst=FileAnalyst(llm)).check()
"""

_STAND_IN = """
    from kit.analyst import Analyst


    class FakeAnalyst(Analyst):
        def review(self, code: str, extra_instructions: str = ""):
            return self.reply(code)

        def reply(self, code):
            return "ok"
"""


def test_attributes_handed_to_a_task_method_writing_its_own_prompt_are_no_prompt(tmp_path: Path) -> None:
    """``Checker.check`` hands what its construction set (``self.instructions``) to ``Analyst.review``, an abstract
    method whose one implementation writes its prompt from a template file it loads (a test's stand-in aside): the
    attributes are data of that task, the method forwards no prompt (no wrapper, its callers no wrapper-calls)."""
    write_tree(
        tmp_path,
        {
            "kit/__init__.py": "",
            "kit/model.py": _MODEL,
            "kit/analyst.py": _ANALYST,
            "kit/templates/review.txt": "Review this code and list its bugs:\n{code}\n{extra}\n",
            "kit/jobs.py": _CHECK_JOB,
            "tests/__init__.py": "",
            "tests/test_analyst.py": _STAND_IN,
        },
    )
    graph = analysed_graph(tmp_path)
    wrappers = {s.function for s in graph.sites() if s.site == SiteKind.WRAPPER}
    assert "Checker.check" not in wrappers
    assert not [s for s in graph.sites() if s.loc.path == "kit/jobs.py"]
    inner = {(s.loc.line, str(s.site)) for s in graph.sites() if s.loc.path == "kit/analyst.py"}
    assert (line_of(_ANALYST, "return self.llm.call(messages)"), "wrapper-call") in inner
