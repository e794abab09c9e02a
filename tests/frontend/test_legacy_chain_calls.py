"""LangChain's legacy chains send their prompts through more than ``run``: ``await chain.acall({...})`` on an
``LLMChain``, a chain class built around a model by ``from_llm`` (``SQLDatabaseChain.from_llm(llm, db)``, also from
``langchain_experimental``), and a document chain (``StuffDocumentsChain(llm_chain=...)``) combining documents with
``combine_docs``. Each of those calls is a model call (a chain's: reported as a framework task); ``acall`` on an object that is no chain (a cached coroutine
helper) is none."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, line_of, site_at, write_tree

_APP = """
    from langchain.chains import LLMChain, StuffDocumentsChain
    from langchain.prompts import PromptTemplate
    from langchain_experimental.sql import SQLDatabaseChain
    from langchain_openai import ChatOpenAI

    from .cache import cached

    llm = ChatOpenAI(model="gpt-4o-mini")
    ANSWER = PromptTemplate.from_template("Answer the question in one sentence using the notes.\\n{notes}\\n{question}")
    JOIN = PromptTemplate.from_template("Write one summary of these notes, keeping every number:\\n{context}")


    async def answer(notes, question):
        chain = LLMChain(llm=llm, prompt=ANSWER)
        out = await chain.acall({"notes": notes, "question": question})
        return out["text"]


    def ask_database(db, question):
        db_chain = SQLDatabaseChain.from_llm(llm, db, top_k=5)
        return db_chain.invoke(question)


    def summarize(docs):
        stuff = StuffDocumentsChain(llm_chain=LLMChain(llm=llm, prompt=JOIN), document_variable_name="context")
        text, _ = stuff.combine_docs(docs)
        return text


    async def lookup(key):
        return await cached.acall(key)
"""

_CACHE = """
    class Cached:
        async def acall(self, key):
            return key.upper()


    cached = Cached()
"""


def test_legacy_chain_calls_are_model_calls(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/__init__.py": "", "app/chains.py": _APP, "app/cache.py": _CACHE})
    graph = analysed_graph(tmp_path)
    for text in ("chain.acall(", "db_chain.invoke(", "stuff.combine_docs("):
        assert site_at(graph, "app/chains.py", line_of(_APP, text)).site == SiteKind.FRAMEWORK_TASK, text
    found = {(s.loc.path, s.loc.line) for s in graph.sites()}
    assert ("app/chains.py", line_of(_APP, "cached.acall(")) not in found
