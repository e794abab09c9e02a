"""``llm.bind_tools(tools)`` and ``llm.with_structured_output(Schema)`` are methods only a LangChain chat model has:
on a model handed in untyped (an agent factory's ``llm`` parameter, fed from a client factory the analysis cannot
follow), what they return is that chat model, bound. So ``(prompt | llm.bind_tools(tools)).invoke(...)`` and
``structured.invoke(...)`` (also after the binding went through a helper) are model calls (CALLSITES.md: LangChain
``bind_tools``, ``with_structured_output`` and ``prompt | llm | parser`` chains)."""

from __future__ import annotations

from pathlib import Path

from .trees import analysed_graph, line_of, write_tree

_NODES = """
    from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder
    from pydantic import BaseModel

    from .tools import weather


    class Plan(BaseModel):
        steps: list[str]


    def bind_schema(llm, schema):
        try:
            return llm.with_structured_output(schema)
        except NotImplementedError:
            return None


    def make_forecaster(llm):
        def forecaster(state):
            prompt = ChatPromptTemplate.from_messages(
                [("system", "Forecast the weather for {city} with the tools."), MessagesPlaceholder("messages")]
            ).partial(city=state["city"])
            chain = prompt | llm.bind_tools([weather])
            result = chain.invoke(state["messages"])
            return {"messages": [result]}

        return forecaster


    def make_planner(llm):
        planner_llm = llm.with_structured_output(Plan)
        helper_llm = bind_schema(llm, Plan)

        def planner(state):
            plan = planner_llm.invoke(f"List the steps to pack for a trip to {state['city']}.")
            again = helper_llm.invoke(f"List the steps to unpack after a trip to {state['city']}.")
            return {"plan": plan.steps + again.steps}

        return planner
"""

_TOOLS = """
    from langchain_core.tools import tool


    @tool
    def weather(city: str) -> str:
        \"\"\"Today's weather in a city.\"\"\"
        return "sunny"
"""


def test_calls_of_an_untyped_model_bound_to_tools_or_a_schema_are_model_calls(tmp_path: Path) -> None:
    write_tree(tmp_path, {"trip/__init__.py": "", "trip/nodes.py": _NODES, "trip/tools.py": _TOOLS})
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line) for s in graph.sites()}
    path = "trip/nodes.py"
    assert (path, line_of(_NODES, 'result = chain.invoke(state["messages"])')) in found
    assert (path, line_of(_NODES, "plan = planner_llm.invoke(")) in found
    assert (path, line_of(_NODES, "again = helper_llm.invoke(")) in found
