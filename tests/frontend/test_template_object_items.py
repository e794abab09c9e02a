"""A prompt-template object (its class holds the template texts, a method fills them: ``self.user.format(**slots)``
with ``slots`` built from its parameters) rendered once per item of a batch (``[self.template.render(question=q)
for q in questions]``) writes a prompt per item: the method doing it is a task method, not a wrapper forwarding its
caller's prompt, and its callers' calls are no wrapper-calls (bench/corpus/README.md, task methods). A render
method that also hands ready messages back as they are (``render(messages=m)``) still fills its template for a call
that gives only slot data."""

from __future__ import annotations

from slmc.frontend import analyze_source
from slmc.ir import SiteKind

_SOURCE = """
from openai import OpenAI


class Generator:
    def __init__(self):
        self.client = OpenAI()

    def _one(self, messages):
        reply = self.client.chat.completions.create(model="gpt-4o-mini", messages=messages)
        return reply.choices[0].message.content

    def generate(self, batch):
        return [self._one(m) for m in batch]


class Template:
    system = "Answer from the passages only. Reply with the answer alone.\\\\n{passages}"
    user = "Question: {question}"

    def __init__(self, system="", user=""):
        self.system_text = system or self.system
        self.user_text = user or self.user

    def render(self, question=None, passages="", messages=None, **extra):
        if messages is not None:
            return messages
        slots = {"question": question, "passages": passages}
        slots.update(extra)
        return [
            {"role": "system", "content": self.system_text.format(**slots)},
            {"role": "user", "content": self.user_text.format(**slots)},
        ]


class Reader:
    def __init__(self, generator: Generator, template=None):
        self.generator = generator
        self.template = template or Template()

    def run(self, items):
        prompts = [self.template.render(question=i["q"], passages=i["docs"]) for i in items]
        return self.generator.generate(prompts)


class Router:
    def __init__(self, generator: Generator):
        self.reader = Reader(generator)

    def run(self, items):
        return self.reader.run(items)


def main(items):
    return Router(Generator()).run(items)
"""


def test_rendering_a_template_object_per_item_is_a_task_not_a_wrapper() -> None:
    graph, _ = analyze_source(_SOURCE, path="reader.py")
    wrappers = {s.function for s in graph.sites() if s.site == SiteKind.WRAPPER}
    calls = {s.loc.line for s in graph.sites() if s.site == SiteKind.WRAPPER_CALL}
    assert "Generator.generate" in wrappers
    assert "Reader.run" not in wrappers
    assert "Router.run" not in wrappers
    assert 43 in calls  # the reader's call of the generator: the prompt site
    assert 51 not in calls and 55 not in calls
