"""A public hook with a default body that a family of subclasses overrides (``__call__`` runs ``self.forward``; the
base ``forward`` asks the model, subclasses forward to inner agents): the base hook is part of the family's calling
interface, not a helper folded into the one method of its class that calls it."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, write_tree

FAMILY = """
    import openai


    class Model:
        def __init__(self):
            self.client = openai.OpenAI()

        def chat(self, messages):
            out = self.client.chat.completions.create(model="m", messages=messages)
            return out.choices[0].message.content


    class Unit:
        def __init__(self, model, preamble):
            self.model = model
            self.preamble = preamble

        def __call__(self, text):
            return self.forward(text)

        def forward(self, text):
            turns = [{"role": "system", "content": self.preamble}, {"role": "user", "content": text}]
            return self.model.chat(turns)


    class Loop(Unit):
        def __init__(self, model, preamble, rounds):
            super().__init__(model, preamble)
            self.inner = Unit(model, preamble)
            self.rounds = rounds

        def forward(self, text):
            for _ in range(self.rounds):
                text = self.inner(text)
            return text


    def main():
        unit = Loop(Model(), "Rewrite the text more formally.", 2)
        print(unit("hey there"))
"""


def test_base_hook_overridden_by_wrappers_is_a_wrapper(tmp_path: Path) -> None:
    write_tree(tmp_path, {"fam/units.py": FAMILY})
    graph = analysed_graph(tmp_path)
    wrappers = {s.loc.line for s in graph.sites() if str(s.site) == "wrapper"}
    assert {19, 22, 33}.issubset(wrappers)  # Unit.__call__, Unit.forward, Loop.forward
    calls = {s.loc.line for s in graph.sites() if str(s.site) == "wrapper-call"}
    assert 20 in calls  # __call__ -> self.forward
