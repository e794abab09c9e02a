"""The legacy LangChain chain API: ``LLMChain(llm=chat, prompt=template)`` imported from the package top level
(``from langchain import LLMChain``), its prompt a ``ChatPromptTemplate.from_messages`` over message templates bound
to names first, run with ``chain.run(slot=value, ...)``. The chain's run is the model request, the prompt is the
message templates' text, and a step function that fills its own template's slots from its parameters is no
calling API (its callers pass data, not a prompt)."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, site_at, write_tree
from slmc.ir import SiteKind

STEPS = """
    from langchain import LLMChain
    from langchain.chat_models import ChatOpenAI
    from langchain.prompts import ChatPromptTemplate, HumanMessagePromptTemplate, SystemMessagePromptTemplate


    def route_ticket(ticket, queues, model_name):
        chat = ChatOpenAI(model_name=model_name)
        system = SystemMessagePromptTemplate.from_template("You triage incoming support tickets.")
        human = HumanMessagePromptTemplate.from_template(
            "Ticket text: {ticket}\\n"
            "Queues: {queues}\\n"
            "Reply with the name of exactly one queue from the list and nothing else."
        )
        chain = LLMChain(llm=chat, prompt=ChatPromptTemplate.from_messages([system, human]))
        return chain.run(ticket=ticket, queues=queues, attempt=1)


    def main(tickets):
        for t in tickets:
            print(route_ticket(t, ["billing", "bugs", "other"], "gpt-x"))
"""


def test_legacy_chain_run_is_a_request_with_the_message_templates(tmp_path: Path) -> None:
    write_tree(tmp_path, {"desk/steps.py": STEPS})
    graph = analysed_graph(tmp_path)
    site = site_at(graph, "desk/steps.py", 16)
    assert site.client == "langchain"
    prompt = graph.prompt_of(site.id)
    assert prompt is not None
    roles = [m.role for m in prompt.messages]
    texts = [m.static_text() for m in prompt.messages]
    assert roles[:2] == ["system", "user"]
    assert "triage incoming support tickets" in texts[0]
    assert "exactly one queue" in texts[1]


def test_step_filling_its_own_chain_template_is_no_wrapper(tmp_path: Path) -> None:
    write_tree(tmp_path, {"desk/steps.py": STEPS})
    graph = analysed_graph(tmp_path)
    assert str(site_at(graph, "desk/steps.py", 16).site) == "framework-task"
    found = [(s.loc.line, s.site) for s in graph.sites() if s.loc.path == "desk/steps.py"]
    assert (7, SiteKind.WRAPPER) not in found  # route_ticket
    assert not [line for line, kind in found if kind == SiteKind.WRAPPER_CALL]


def test_other_module_paths_of_the_same_classes(tmp_path: Path) -> None:
    src = """
        from langchain.chains.llm import LLMChain
        from langchain_openai import ChatOpenAI
        from langchain.prompts.prompt import PromptTemplate

        TEMPLATE = PromptTemplate.from_template("Give one keyword for this headline: {headline}")


        def keyword(headline):
            chain = LLMChain(prompt=TEMPLATE, llm=ChatOpenAI())
            return chain.run(headline=headline)
    """
    write_tree(tmp_path, {"kw/one.py": src})
    graph = analysed_graph(tmp_path)
    site = site_at(graph, "kw/one.py", 11)
    prompt = graph.prompt_of(site.id)
    assert prompt is not None
    assert "Give one keyword" in " ".join(m.static_text() for m in prompt.messages)


def test_message_template_classes_alone_are_no_prompt_object(tmp_path: Path) -> None:
    src = """
        from langchain.prompts import HumanMessagePromptTemplate
        from langchain_openai import ChatOpenAI


        def note(text):
            human = HumanMessagePromptTemplate.from_template("Note: {text}")
            return human.format(text=text)
    """
    write_tree(tmp_path, {"kw/note.py": src})
    graph = analysed_graph(tmp_path)
    assert not [s for s in graph.sites() if s.loc.path == "kw/note.py"]
