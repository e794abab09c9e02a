"""Templates a function takes from a settings object of its own (``conf = get_settings(settings)``, then
``prompt_templates=(conf.prompts.summary, conf.prompts.system)``, the texts the settings class declares) and hands to
a template-filling wrapper are its task's text: the function writes that task around the question its caller hands
it, so it is no wrapper however many callers it has, and their calls are no wrapper-calls. The wrapper filling the
templates stays one, and its call in the function stays a wrapper-call. Sources written for this test."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, line_of, write_tree

_SETTINGS = """
    from pydantic import BaseModel, Field

    SUMMARY = "Summarise the excerpt below for the question, then rate its relevance from 0 to 10.\\nExcerpt: {text}\\nQuestion: {question}"
    SYSTEM = "You are a careful research assistant who answers only from the given sources."
    QA = "Answer the question from the context below, citing the keys in brackets.\\nContext: {context}\\nQuestion: {question}"


    class Prompts(BaseModel):
        summary: str = SUMMARY
        system: str = SYSTEM
        qa: str = QA


    class Settings(BaseModel):
        prompts: Prompts = Field(default_factory=Prompts)
        k: int = 5

        @classmethod
        def load(cls, name: str) -> "Settings":
            with open(f"{name}.json") as fh:
                return cls.model_validate_json(fh.read())


    MaybeSettings = Settings | dict | str | None


    def get_settings(cfg: MaybeSettings = None) -> Settings:
        if isinstance(cfg, Settings):
            return cfg
        if isinstance(cfg, dict):
            return Settings.model_validate(cfg)
        if cfg is None:
            return Settings()
        return Settings.load(cfg)
"""

_CORE = """
    import litellm

    from kit.llm import LLM


    class TooLong(Exception):
        pass


    async def _summarize(text: str, question: str, summary_llm: LLM, prompt_templates: tuple[str, str], shorten: bool = False, callbacks=None):
        body = text[:2000] if shorten else text
        messages = [
            {"role": "system", "content": prompt_templates[1]},
            {"role": "user", "content": prompt_templates[0].format(text=body, question=question)},
        ]
        out = await litellm.acompletion(model=summary_llm.name, messages=messages, callbacks=callbacks)
        return out.choices[0].message.content


    async def summarize(**kwargs):
        try:
            return await _summarize(**kwargs)
        except TooLong:
            return await _summarize(**kwargs, shorten=True)
"""

_LLM = """
    import litellm


    class LLM:
        def __init__(self, name: str = "gpt-4o-mini"):
            self.name = name

        async def call_single(self, messages, callbacks=None, name: str = ""):
            out = await litellm.acompletion(model=self.name, messages=messages)
            for cb in callbacks or []:
                cb(out)
            return out.choices[0].message.content
"""

_STORE = """
    from kit.core import summarize
    from kit.llm import LLM
    from kit.settings import MaybeSettings, get_settings


    class Store:
        def __init__(self):
            self.texts = []

        async def gather(self, question: str, settings: MaybeSettings = None, llm: LLM | None = None):
            conf = get_settings(settings)
            prompts = conf.prompts
            templates = (prompts.summary, prompts.system)
            return [
                await summarize(text=t, question=question, summary_llm=llm or LLM(), prompt_templates=templates)
                for t in self.texts[: conf.k]
            ]

        async def ask(self, question: str, settings: MaybeSettings = None, llm: LLM | None = None):
            conf = get_settings(settings)
            notes = await self.gather(question, settings=settings, llm=llm)
            prompts = conf.prompts
            messages = [
                {"role": "system", "content": prompts.system},
                {"role": "user", "content": prompts.qa.format(context="\\n".join(notes), question=question)},
            ]
            return await (llm or LLM()).call_single(messages=messages, name="answer")
"""

_TOOLS = """
    from kit.store import Store


    async def evidence_tool(question: str, store: Store):
        return await store.gather(question)


    async def answer_tool(question: str, store: Store):
        return await store.ask(question)
"""

_CLI = """
    import asyncio
    import sys

    from kit.store import Store


    def main():
        store = Store()
        for note in asyncio.run(store.gather(sys.argv[1])):
            print(note)
"""

_TEST = """
    from kit.core import summarize


    async def test_summarize():
        out = await summarize(text="abc", question="q?", prompt_templates=("{text} {question}", "sys"))
        assert out
"""


def test_templates_from_own_settings_make_a_task_method(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "kit/__init__.py": "",
            "kit/settings.py": _SETTINGS,
            "kit/llm.py": _LLM,
            "kit/core.py": _CORE,
            "kit/store.py": _STORE,
            "kit/tools.py": _TOOLS,
            "kit/cli.py": _CLI,
            "tests/__init__.py": "",
            "tests/test_core.py": _TEST,
        },
    )
    graph = analysed_graph(tmp_path)
    wrappers = {s.function for s in graph.sites() if s.site == SiteKind.WRAPPER}
    assert "summarize" in wrappers  # fills the templates it is handed
    assert "Store.gather" not in wrappers
    calls = {(s.loc.path, s.loc.line) for s in graph.sites() if s.site == SiteKind.WRAPPER_CALL}
    assert ("kit/store.py", line_of(_STORE, "await summarize(")) in calls
    assert not {p for p, _ in calls} & {"kit/cli.py", "kit/tools.py"}
    assert ("kit/store.py", line_of(_STORE, "notes = await self.gather(")) not in calls
