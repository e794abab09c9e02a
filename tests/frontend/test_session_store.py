"""A UI app keeps its agent or client in the framework's per-user session store between reruns
(``st.session_state.agent = build_agent()``, ``st.session_state["client"] = OpenAI()``, an async factory run through
``loop.run_until_complete(make_agent())``) and calls it from there later: that call is a model call. What else the
store holds (the chat history list, a text, an embeddings object) gives no site."""

from __future__ import annotations

from pathlib import Path

from .trees import analysed_graph, line_of, write_tree

_APP = """
    import asyncio

    import streamlit as st
    from agno.agent import Agent
    from langchain_openai import OpenAIEmbeddings
    from openai import OpenAI


    async def make_planner():
        return Agent(description="You plan weekly meals.")


    def make_client():
        return OpenAI()


    if "planner" not in st.session_state:
        loop = asyncio.new_event_loop()
        st.session_state.planner = loop.run_until_complete(make_planner())
        st.session_state["client"] = make_client()
        st.session_state.embedder = OpenAIEmbeddings()
        st.session_state.history = []
        st.session_state.greeting = "Ask me about meals."

    question = st.chat_input("Ask")
    if question:
        st.session_state.history.append(question)
        vector = st.session_state.embedder.embed_query(question)
        plan = asyncio.new_event_loop().run_until_complete(st.session_state.planner.arun(question))
        title = st.session_state["client"].chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": f"Title for: {question}"}]
        )
        st.write(st.session_state.greeting.upper())
"""


def test_agents_and_clients_kept_in_the_session_store_are_called_from_it(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app.py": _APP})
    graph = analysed_graph(tmp_path)
    lines = {s.loc.line for s in graph.sites() if s.loc.path == "app.py"}
    assert line_of(_APP, "st.session_state.planner.arun(question)") in lines
    assert line_of(_APP, 'st.session_state["client"].chat.completions.create(') in lines
    for other in ("history.append(", "embedder.embed_query(", "greeting.upper()"):
        assert line_of(_APP, other) not in lines, other
