"""The run of a LangChain agent (a chain an agent builder made: ``initialize_agent``, ``create_*_agent``,
``AgentExecutor(...)`` / ``AgentExecutor.from_agent_and_tools``) is the agent's loop over its tools: open-ended, like
the other frameworks' agent runs, whatever words it is handed. A factory returning either an agent or a plain chain,
and a parameter typed ``LLMChain | AgentExecutor``, may hold the agent. A plain ``prompt | llm | parser`` chain is
read by its prompt."""

from __future__ import annotations

from pathlib import Path

from slmc.ir.nodes import Verdict
from slmc.passes.triage import multi_task_wrappers, triage_site

from .trees import analysed_graph, line_of, site_at, write_tree

_TOOLS = """
    from langchain.agents import AgentExecutor, AgentType, create_react_agent, initialize_agent
    from langchain.chains import LLMChain
    from langchain_core.output_parsers import StrOutputParser
    from langchain_core.prompts import PromptTemplate
    from langchain_experimental.agents import create_pandas_dataframe_agent
    from langchain_openai import ChatOpenAI

    STEER = "Summarize the text below in one sentence. {input}"


    def table_answer(frame, question):
        agent = create_pandas_dataframe_agent(ChatOpenAI(model="gpt-4o", temperature=0), frame)
        return agent.run(question)


    async def helper_answer(tools, question):
        agent = initialize_agent(tools, llm=ChatOpenAI(model="gpt-4o"), agent=AgentType.OPENAI_FUNCTIONS)
        return await agent.arun(question)


    def react_answer(tools, question):
        llm = ChatOpenAI(model="gpt-4o")
        runnable = create_react_agent(llm, tools, PromptTemplate.from_template(STEER))
        executor = AgentExecutor(agent=runnable, tools=tools)
        return executor.invoke({"input": question})


    def pick(tools, prompt):
        llm = ChatOpenAI(model="gpt-4o")
        if tools:
            return initialize_agent(tools, llm, agent=AgentType.OPENAI_FUNCTIONS)
        return LLMChain(llm=llm, prompt=prompt)


    async def configured_answer(tools, question):
        runner = pick(tools, PromptTemplate.from_template(STEER))
        return await runner.ainvoke({"input": question})


    async def typed_answer(runner: LLMChain | AgentExecutor, question):
        return await runner.ainvoke({"input": question})


    def summary(text):
        chain = PromptTemplate.from_template(STEER) | ChatOpenAI(model="gpt-4o") | StrOutputParser()
        return chain.invoke({"input": text})
"""


def test_a_langchain_agent_built_and_run_is_its_loop_and_a_plain_chain_its_prompt(tmp_path: Path) -> None:
    write_tree(tmp_path, {"tools.py": _TOOLS})
    graph = analysed_graph(tmp_path)
    multi = multi_task_wrappers(graph)
    for run in ("agent.run(question)", "await agent.arun(question)", "executor.invoke("):
        t = triage_site(graph, site_at(graph, "tools.py", line_of(_TOOLS, run)), multi)
        assert t.verdict == Verdict.OPEN_ENDED and any("an agent loop over tools" in r for r in t.reasons), (run, t)
    for fn in ("configured_answer", "typed_answer"):
        site = next(s for s in graph.sites() if s.function == fn)
        t = triage_site(graph, site, multi)
        assert t.verdict == Verdict.OPEN_ENDED and any("an agent loop over tools" in r for r in t.reasons), (fn, t)
    chain = next(s for s in graph.sites() if s.function == "summary")
    t = triage_site(graph, chain, multi)
    assert t.verdict == Verdict.NARROW and not any("agent loop" in r for r in t.reasons), t
