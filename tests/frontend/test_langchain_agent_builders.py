"""LangChain agents and chains built by the framework's constructors named by its convention (``initialize_agent``,
``create_<kind>_agent``, ``create_<kind>_chain``) around a chat model handed to them answer through that model: their
``run`` / ``arun`` / ``invoke`` calls are requests. So are calls of a model class taken from LangChain's model packages
(``langchain.llms.<provider>``, ``langchain_community.chat_models.<provider>``) whatever its name. Look-alikes: a
search utility of LangChain's ``utilities`` package, and a builder handed no model."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, line_of, site_at, write_tree

_TOOLS = """
    from langchain.agents import AgentType, initialize_agent
    from langchain.llms.hosted import Hosted as HostedModel
    from langchain_community.chat_models.localchat import LocalChat
    from langchain_community.utilities.websearch import WebSearchWrapper
    from langchain_experimental.agents.agent_toolkits import create_table_agent
    from langchain_openai import ChatOpenAI
    from langchain.chains.summaries import create_summary_chain
    from langchain.agents.catalog import create_catalog_agent


    class Mailer:
        def run(self, text, key):
            agent = initialize_agent(
                [],
                llm=ChatOpenAI(openai_api_key=key, model="gpt-4"),
                agent=AgentType.ZERO_SHOT_REACT_DESCRIPTION,
            )
            return agent.run(text)


    class Tables:
        async def ask(self, table, question):
            agent = create_table_agent(ChatOpenAI(temperature=0, model="gpt-4"), table, verbose=True)
            return await agent.arun(question)


    class Hosted:
        def query(self, prompt, name, token):
            model = HostedModel(model=name, api_token=token)
            return model.predict(prompt)

        def local(self, prompt):
            return LocalChat(model="small").invoke(prompt)


    class Search:
        def find(self, query, key):
            search = WebSearchWrapper(api_key=key)
            return search.run(query)


    class Catalog:
        def answer(self, question, shelf):
            agent = create_catalog_agent(shelf=shelf)
            return agent.run(question)


    def digest(text):
        chain = create_summary_chain(ChatOpenAI(model="gpt-4o-mini"))
        return chain.invoke({"text": text})
"""


def test_framework_built_agents_and_model_package_classes_are_requests(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/__init__.py": "", "app/tools.py": _TOOLS})
    graph = analysed_graph(tmp_path)
    for text in (
        "return agent.run(text)",
        "return await agent.arun(question)",
        "return model.predict(prompt)",
        'return LocalChat(model="small").invoke(prompt)',
        'return chain.invoke({"text": text})',
    ):
        site = site_at(graph, "app/tools.py", line_of(_TOOLS, text))
        assert site.site in (SiteKind.REQUEST, SiteKind.FRAMEWORK_TASK), text


def test_search_utility_and_modelless_builder_are_not_reported(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/__init__.py": "", "app/tools.py": _TOOLS})
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line) for s in graph.sites()}
    assert ("app/tools.py", line_of(_TOOLS, "return search.run(query)")) not in found
    assert ("app/tools.py", line_of(_TOOLS, "return agent.run(question)")) not in found
