"""A LangGraph app often never calls its model: it pipes a message-building function into the (tool-bound) chat model
and hands the result to the graph builder as a node (``graph.add_node("agent", build | llm.bind_tools(tools))``). The
framework runs that runnable on the graph's messages at each step, so the composition is a framework task, reported
where the runnable is composed (or at the argument when it is composed in place). Nodes running a plain function, a
tool executor or a compiled subgraph are no such task; a chain the code invokes itself stays one request."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, line_of, sites_in, write_tree

BUILD = """
    from langchain_core.language_models.base import LanguageModelLike
    from langchain_core.messages import SystemMessage
    from langgraph.graph import END, StateGraph
    from langgraph.graph.message import MessageGraph
    from langgraph.prebuilt import ToolNode


    def build_helper(llm: LanguageModelLike, tools, persona: str):
        def with_persona(messages):
            return [SystemMessage(content=persona)] + messages

        if tools:
            bound = llm.bind_tools(tools)
        else:
            bound = llm
        helper = with_persona | bound

        def route(messages):
            return "tools" if messages[-1].tool_calls else END

        graph = MessageGraph()
        graph.add_node("helper", helper)
        graph.add_node("tools", ToolNode(tools))
        graph.add_node("route", route)
        graph.add_edge("tools", "helper")
        return graph.compile()


    def build_inline(llm: LanguageModelLike, sub):
        graph = StateGraph(list)
        graph.add_node("talk", (lambda m: m) | llm)
        graph.add_node("nested", sub)
        return graph.compile()


    def ask_once(llm: LanguageModelLike, question: str):
        chain = (lambda q: [SystemMessage(content="Answer in one word.")] + [q]) | llm
        return chain.invoke(question)
"""


def test_model_runnable_as_graph_node(tmp_path: Path) -> None:
    write_tree(tmp_path, {"build.py": BUILD})
    found = sites_in(tmp_path, "build.py")
    tasks = {line for line, kind in found if kind == "framework-task"}
    assert tasks == {
        line_of(BUILD, "helper = with_persona | bound"),
        line_of(BUILD, 'graph.add_node("talk"'),
        line_of(BUILD, "return chain.invoke(question)"),
    }
    assert not any(line == line_of(BUILD, 'graph.add_node("helper"') for line, _ in found)
    graph = analysed_graph(tmp_path)
    helper = next(s for s in graph.sites() if s.loc.line == line_of(BUILD, "helper = with_persona | bound"))
    prompt = graph.prompt_of(helper.id)
    assert prompt is not None and any(p.hole for m in prompt.messages for p in m.parts)
