"""Prompt objects kept in module constants: a one-template LangChain ``PromptTemplate`` built once in a prompts module
and ``.format()``-ed like a string where a task hands it to the project's own calling API."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, site_at, write_tree

_PROMPTS = """
    from langchain_core.prompts import ChatPromptTemplate, PromptTemplate

    rename_prompt = PromptTemplate.from_template(
        \"\"\"
    You label support tickets. Give the ticket below one short headline of at most six words.

    Ticket:
    {ticket}
    \"\"\".strip()
    )

    grade_prompt = PromptTemplate(
        template="Score the essay below from 1 to 5 for clarity. Answer with the digit only.\\nEssay: {essay}",
        input_variables=["essay"],
    )

    chat_prompt = ChatPromptTemplate.from_messages([("system", "Be brief."), ("user", "{q}")])
"""

_LLM = """
    from openai import OpenAI

    client = OpenAI()


    def call_model(text, system=""):
        msgs = [{"role": "system", "content": system}, {"role": "user", "content": text}]
        out = client.chat.completions.create(model="gpt-4o-mini", messages=msgs)
        return out.choices[0].message.content
"""


def _text(graph, site) -> str:
    prompt = graph.prompt_of(site.id)
    assert prompt is not None
    return " ".join(m.template() for m in prompt.messages)


def test_module_prompt_template_formatted_at_the_call(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "svc/__init__.py": "",
            "svc/prompts.py": _PROMPTS,
            "svc/llm.py": _LLM,
            "svc/tasks.py": """
                from svc import prompts
                from svc.llm import call_model
                from svc.prompts import grade_prompt


                def headline(ticket):
                    filled = prompts.rename_prompt.format(ticket=ticket)
                    return call_model(filled)


                def grade(essay):
                    return call_model(grade_prompt.format(essay=essay))
            """,
        },
    )
    graph = analysed_graph(tmp_path)
    first = _text(graph, site_at(graph, "svc/tasks.py", 9))
    assert "one short headline of at most six words" in first and "{ticket}" in first
    second = _text(graph, site_at(graph, "svc/tasks.py", 13))
    assert "Score the essay below from 1 to 5" in second
    # the task functions author those prompts: they are no calling API of their own
    wrappers = {(s.loc.path, s.loc.line) for s in graph.sites(SiteKind.WRAPPER)}
    assert wrappers == {("svc/llm.py", 7)}


def test_message_list_template_is_not_read_as_one_text(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "svc/__init__.py": "",
            "svc/prompts.py": _PROMPTS,
            "svc/llm.py": _LLM,
            "svc/tasks.py": """
                from svc.llm import call_model
                from svc.prompts import chat_prompt


                def answer(q):
                    return call_model(chat_prompt.format(q=q))
            """,
        },
    )
    graph = analysed_graph(tmp_path)
    assert "Be brief." not in _text(graph, site_at(graph, "svc/tasks.py", 7))
