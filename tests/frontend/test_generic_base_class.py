"""A class of the tree deriving from a parameterised generic base of the tree (``class Summary(Prompt[str, str])``)
inherits its methods: ``summary.ask(messages)`` on an instance of the subclass is a call of the base's method, a
wrapper-call when that reaches a model. A subclass of a parameterised base whose method of the same name reaches no
model stays silent."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, line_of, messages_at, sites_in, write_tree

BASE = """
    import typing as t

    from openai import OpenAI

    In = t.TypeVar("In")
    Out = t.TypeVar("Out")


    class Prompt(t.Generic[In, Out]):
        def __init__(self):
            self.client = OpenAI()

        def ask(self, messages):
            reply = self.client.chat.completions.create(model="m-1", messages=messages)
            return reply.choices[0].message.content


    class Store(t.Generic[In]):
        def __init__(self):
            self.items = {}

        def ask(self, key):
            return self.items.get(key)
"""

USE = """
    from base import Prompt, Store


    class Summary(Prompt[str, str]):
        pass


    class Notes(Store[str]):
        pass


    summary = Summary()
    notes = Notes()


    def summarise(messages):
        return summary.ask(messages)


    def recall(key):
        return notes.ask(key)
"""


def test_parameterised_base_class_methods_are_inherited(tmp_path: Path) -> None:
    write_tree(tmp_path, {"base.py": BASE, "use.py": USE})
    use = sites_in(tmp_path, "use.py")
    assert (line_of(USE, "summary.ask(messages)"), "wrapper-call") in use
    assert not {s for s in use if s[0] == line_of(USE, "notes.ask(key)")}


DECLARING = """
    import typing as t

    from openai import OpenAI

    In = t.TypeVar("In")


    class Prompt(t.Generic[In]):
        instruction: str
        label = "plain"

        def __init__(self):
            self.client = OpenAI()

        def ask(self, data):
            text = self.instruction + "\\n" + str(data)
            reply = self.client.chat.completions.create(model="m-1", messages=[{"role": "user", "content": text}])
            return reply.choices[0].message.content


    class Translate(Prompt[str]):
        instruction = "Translate each of the given statements into the target language, keeping their number."


    class Labelled(Prompt[str]):
        label = "A label that only names this prompt class in reports, no instruction to any model."


    translate = Translate()
    labelled = Labelled()


    def to_french(statements):
        return translate.ask({"language": "french", "statements": statements})


    def plain(data):
        return labelled.ask(data)
"""


def test_instruction_a_subclass_declares_is_the_calls_prompt(tmp_path: Path) -> None:
    write_tree(tmp_path, {"prompts.py": DECLARING})
    graph = analysed_graph(tmp_path)
    texts = " ".join(t for _, t in messages_at(graph, "prompts.py", line_of(DECLARING, "translate.ask(")))
    assert "Translate each of the given statements" in texts
    # a literal the base gives a value of its own is no declared instruction
    plain = " ".join(t for _, t in messages_at(graph, "prompts.py", line_of(DECLARING, "labelled.ask(")))
    assert "A label that only names" not in plain
    # ``to_french`` writes its task (the subclass's instruction around the data it is handed): no wrapper
    found = {(s.loc.line, str(s.site)) for s in graph.sites() if s.loc.path == "prompts.py"}
    assert (line_of(DECLARING, "def to_french("), "wrapper") not in found
