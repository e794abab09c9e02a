"""A base method that returns nothing the evaluator knows itself (``return await runner.build()`` on a local bound to
one of several subclasses in if/elif branches, each imported inside its branch, which is a call of this same method)
returns what its overrides return: ``runner = await Runner(kind).build(); await runner.ainvoke(...)`` runs the chat
model one of the subclasses builds, so that line is a model call. The look-alike: the same shape whose overrides
build the tree's own toolbox objects (no model behind their ``ainvoke``) stays silent."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, carried_text, line_of, site_at, sites_in, write_tree

BASE = """
    class Toolbox:
        async def ainvoke(self, text):
            return text.upper()


    class Runner:
        def __init__(self, kind):
            self.kind = kind

        async def build(self):
            if self.kind == "fast":
                from app.fast import FastRunner

                runner = FastRunner(self.kind)
            elif self.kind == "careful":
                from app.careful import CarefulRunner

                runner = CarefulRunner(self.kind)
            else:
                from app.fast import LocalRunner

                runner = LocalRunner(self.kind)
            return await runner.build()

        async def tools(self):
            if self.kind == "fast":
                from app.fast import FastRunner

                runner = FastRunner(self.kind)
            else:
                from app.careful import CarefulRunner

                runner = CarefulRunner(self.kind)
            return await runner.tools()
"""

FAST = """
    from langchain_openai import ChatOpenAI

    from app.base import Runner, Toolbox


    class FastRunner(Runner):
        async def build(self):
            return ChatOpenAI(model="gpt-4o-mini", temperature=0)

        async def tools(self):
            return Toolbox()


    class LocalRunner(Runner):
        async def build(self):
            return ChatOpenAI(model="llama3", base_url="http://localhost:11434/v1")

        async def tools(self):
            return Toolbox()
"""

CAREFUL = """
    from langchain_anthropic import ChatAnthropic

    from app.base import Runner, Toolbox


    class CarefulRunner(Runner):
        async def build(self):
            return ChatAnthropic(model="claude-3-5-sonnet-latest")

        async def tools(self):
            return Toolbox()
"""

API = """
    from langchain_core.messages import HumanMessage

    from app.base import Runner


    async def answer(kind, text):
        base = Runner(kind)
        runner = await base.build()
        return await runner.ainvoke(input=text, config={"tags": [kind]})


    async def shout(kind, text):
        box = await Runner(kind).tools()
        return await box.ainvoke(input=HumanMessage(content=text), config={"tags": [kind]})
"""


def test_call_on_what_the_overrides_build_reaches_the_model(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {"app/__init__.py": "", "app/base.py": BASE, "app/fast.py": FAST, "app/careful.py": CAREFUL, "app/api.py": API},
    )
    found = {line for line, _ in sites_in(tmp_path, "app/api.py")}
    assert line_of(API, "return await runner.ainvoke(") in found
    assert line_of(API, "return await box.ainvoke(") not in found


PICKED = """
    from langchain.chains import LLMChain
    from langchain_core.prompts import PromptTemplate
    from langchain_openai import ChatOpenAI


    class Maker:
        def __init__(self, kind):
            self.kind = kind

        def make(self):
            maker = ChainMaker(self.kind) if self.kind == "chain" else ModelMaker(self.kind)
            return maker.make()


    class ChainMaker(Maker):
        def make(self):
            prompt = PromptTemplate.from_template("Translate into French: {text}")
            return LLMChain(llm=ChatOpenAI(model="gpt-4o-mini"), prompt=prompt)


    class ModelMaker(Maker):
        def make(self):
            return ChatOpenAI(model="gpt-4o")


    def run(kind, text):
        made = Maker(kind).make()
        return made.invoke({"text": text})
"""


def test_one_of_several_built_objects_carries_no_one_prompt(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/__init__.py": "", "app/picked.py": PICKED})
    graph = analysed_graph(tmp_path)
    site = site_at(graph, "app/picked.py", line_of(PICKED, "return made.invoke("))
    assert "Translate into French" not in carried_text(graph, site)
