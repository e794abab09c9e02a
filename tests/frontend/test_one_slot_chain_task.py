"""A function that builds ``PromptTemplate.from_template(TEXT) | llm`` from a one-slot template it writes and runs the
chain on the one value it is handed (``chain.invoke(request)``): LangChain fills the template's only slot with that
value, so the function writes a task prompt around its caller's data. It is no wrapper, and a tool calling it makes no
wrapper-call; the chain run stays the site. Look-alikes that do forward the caller's text: a chain with no template of
its own (``llm | parser``) and a template that is nothing but the slot."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, write_tree

TOOL = """
    from langchain_core.output_parsers import StrOutputParser
    from langchain_core.prompts import PromptTemplate
    from langchain_openai import ChatOpenAI

    TO_QUERY = (
        "You turn a monitoring question into one metrics query expression. "
        "Answer with the expression only, no prose.\\nQuestion: {request}\\n"
    )


    def to_query(request: str) -> str:
        llm = ChatOpenAI(model="m")
        chain = PromptTemplate.from_template(TO_QUERY) | llm | StrOutputParser()
        return chain.invoke(request)


    def metrics_tool(request: str) -> str:
        expr = to_query(request)
        return "ran " + expr
"""


def _lines(graph, kind: str) -> set[int]:
    return {s.loc.line for s in graph.sites() if str(s.site) == kind}


def _calls(graph) -> set[int]:
    return {s.loc.line for s in graph.sites() if str(s.site) != "wrapper"}


def test_one_slot_template_chain_is_a_task(tmp_path: Path) -> None:
    write_tree(tmp_path, {"tools/metrics.py": TOOL})
    graph = analysed_graph(tmp_path)
    assert 12 not in _lines(graph, "wrapper")  # to_query writes the prompt its chain sends
    assert 19 not in _calls(graph)  # metrics_tool -> to_query(request): a task call
    assert 15 in _calls(graph)  # the chain run is the site


def test_chain_without_template_forwards(tmp_path: Path) -> None:
    tree = TOOL.replace("PromptTemplate.from_template(TO_QUERY) | llm", "llm")
    write_tree(tmp_path, {"tools/metrics.py": tree})
    graph = analysed_graph(tmp_path)
    assert 12 in _lines(graph, "wrapper")
    assert 19 in _calls(graph)


def test_bare_slot_template_forwards(tmp_path: Path) -> None:
    tree = TOOL.replace("from_template(TO_QUERY)", 'from_template("{request}")')
    write_tree(tmp_path, {"tools/metrics.py": tree})
    graph = analysed_graph(tmp_path)
    assert 12 in _lines(graph, "wrapper")
    assert 19 in _calls(graph)
