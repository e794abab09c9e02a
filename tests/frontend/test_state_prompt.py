"""A prompt an object keeps in its state: ``self.<attr>`` set in ``__init__`` from a parameter whose default is a
long prompt constant (or from the constant itself, or inherited from a base class's constructor), later read to build
the messages a request sends, directly or through a wrapper method. The text is carried to the site's prompt, so
triage reads the agent's own instructions instead of a bare ``{system}`` slot. Small synthetic trees."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import Verdict
from slmc.passes.triage import triage_site

from .trees import analysed_graph as _graph
from .trees import carried_text as _text
from .trees import site_at as _site
from .trees import write_tree as _write

FILES = {
    "desk/wording.py": '''
        SORTER_RULES = """Put the incoming ticket into one of the following queues: billing, outage, other.
        Reply with the queue name only."""
    ''',
    "desk/sorter.py": """
        from openai import OpenAI

        from desk.wording import SORTER_RULES


        class Sorter:
            def __init__(self, rules=SORTER_RULES, model="gpt-4o-mini", notes=None):
                self.rules = rules
                self.model = model
                self.notes = notes
                self.client = OpenAI()

            def _ask(self, messages):
                return self.client.chat.completions.create(model=self.model, messages=messages)

            def sort(self, ticket):
                head = self.rules
                convo = [{"role": "system", "content": head}, {"role": "user", "content": ticket}]
                return self._ask(convo)

            def note(self, ticket):
                convo = [{"role": "system", "content": self.notes}, {"role": "user", "content": ticket}]
                return self.client.chat.completions.create(model=self.model, messages=convo)


        class StrictSorter(Sorter):
            def sort_strictly(self, ticket):
                convo = [{"role": "system", "content": self.rules}, {"role": "user", "content": ticket}]
                return self.client.chat.completions.create(model=self.model, messages=convo)
    """,
}


def test_constructor_default_prompt_reaches_the_wrapper_call(tmp_path: Path) -> None:
    _write(tmp_path, FILES)
    graph = _graph(tmp_path)
    site = _site(graph, "desk/sorter.py", 15)  # _ask, its one caller sort() builds the messages from self.rules
    assert "one of the following queues" in _text(graph, site)
    assert triage_site(graph, site).verdict == Verdict.NARROW


def test_inherited_state_prompt_and_attributes_without_text(tmp_path: Path) -> None:
    _write(tmp_path, FILES)
    graph = _graph(tmp_path)
    strict = _site(graph, "desk/sorter.py", 30)  # self.rules read in a subclass: set by the base's constructor
    assert "one of the following queues" in _text(graph, strict)
    assert triage_site(graph, strict).verdict == Verdict.NARROW
    note = _site(graph, "desk/sorter.py", 24)  # self.notes defaults to None: nothing to carry
    text = _text(graph, note)
    assert "queues" not in text and "gpt-4o-mini" not in text
