"""LangChain's message templates may wrap a template object instead of a string
(``SystemMessagePromptTemplate(prompt=PromptTemplate(template=...))``): the message's text is that template's.
Sources written for these tests."""

from __future__ import annotations

from pathlib import Path

from .trees import analysed_graph, write_tree

_TREE = {
    "svc/__init__.py": "",
    "svc/plan.py": """
        from langchain.chains import LLMChain
        from langchain.prompts import ChatPromptTemplate, PromptTemplate, SystemMessagePromptTemplate
        from langchain_openai import ChatOpenAI

        steps_prompt = PromptTemplate(
            template="List at most four search queries for the goal {goal}, as a JSON array of strings.",
            input_variables=["goal"],
        )


        async def search_terms(goal):
            chain = LLMChain(
                llm=ChatOpenAI(),
                prompt=ChatPromptTemplate.from_messages([SystemMessagePromptTemplate(prompt=steps_prompt)]),
            )
            return await chain.arun({"goal": goal})
    """,
}


def test_a_message_template_wrapping_a_template_object_carries_its_text(tmp_path: Path) -> None:
    write_tree(tmp_path, _TREE)
    graph = analysed_graph(tmp_path)
    sites = [s for s in graph.sites() if s.loc.path == "svc/plan.py"]
    assert sites, [(s.loc.path, s.loc.line) for s in graph.sites()]
    prompt = graph.prompt_of(sites[0].id)
    assert prompt is not None
    msgs = [(m.role, m.static_text()) for m in prompt.messages]
    assert msgs and msgs[0][0] == "system" and msgs[0][1].startswith("List at most four search queries"), msgs
