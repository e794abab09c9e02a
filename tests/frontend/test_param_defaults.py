"""A prompt slot filled from a parameter whose default is text (``def run(self, req, rules=RULES)``) sends that
default when the caller does not pass it; a caller's own argument still wins."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, write_tree
from slmc.ir import AgentGraph, LLMCall, Verdict
from slmc.passes.triage import triage_site

AGENT = '''
    from openai import OpenAI

    client = OpenAI()

    TEMPLATE = """## Ticket
    {ticket}

    ## What to do
    {steps}
    """

    STEPS = "Sort the ticket into one of the following queues: billing, outage, other. Reply with the queue name only."


    def route(ticket, steps=STEPS):
        prompt = TEMPLATE.format(ticket=ticket, steps=steps)
        return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": prompt}])


    def handle(ticket):
        return route(ticket)


    def answer(ticket, steps=STEPS):
        prompt = TEMPLATE.format(ticket=ticket, steps=steps)
        return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": prompt}])


    def handle_custom(ticket):
        return answer(ticket, steps="Write a long, friendly reply to the customer about their issue.")
'''


def _graph(root: Path) -> AgentGraph:
    write_tree(root, {"agent.py": AGENT})
    return analysed_graph(root)


def _text(graph: AgentGraph, site: LLMCall) -> str:
    prompt = graph.prompt_of(site.id)
    return "\n".join(m.static_text() for m in prompt.messages) if prompt is not None else ""


def test_unpassed_text_default_fills_the_slot(tmp_path: Path) -> None:
    graph = _graph(tmp_path)
    (site,) = [s for s in graph.sites() if s.function == "route"]
    text = _text(graph, site)
    assert "one of the following queues" in text, text
    assert triage_site(graph, site).verdict == Verdict.NARROW


def test_a_passed_argument_is_not_replaced_by_the_default(tmp_path: Path) -> None:
    graph = _graph(tmp_path)
    (site,) = [s for s in graph.sites() if s.function == "answer"]
    text = _text(graph, site)  # its one caller passes ``steps``: that text, not the default
    assert "friendly reply" in text, text
    assert "one of the following" not in text, text
