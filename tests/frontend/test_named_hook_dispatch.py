"""A model base class whose public ``ask`` / ``ask_stream`` hand the *name* of a private provider hook to a shared
runner (``self._guarded("_send", layers, ...)``), which looks it up with ``getattr(self, hook_name)`` inside a closure,
wraps it in decorators in a loop and calls it. The hooks are overridden by each provider class. Callers get the model
as parameters the analysis cannot type, and call ``model.ask(model=..., turns=...)``; a second,
unrelated class (an agent) also defines ``ask(question)``, and the tests define stand-ins with ``ask`` too.

Expected: ``ask`` and ``ask_stream`` are wrappers (the name passed reaches the hooks), the private hooks and the runner
are folded (only the class's own API reaches them), and an untyped ``obj.ask(model=..., turns=...)`` is a call of the
model's ``ask`` (only its parameters take those keywords), while ``obj.ask("...")`` with one positional argument is
left unguessed (a count of positional arguments alone fits library objects as well). A test file's fake with the
same method name does not make the name ambiguous."""

from __future__ import annotations

from pathlib import Path

from tests.frontend.trees import analysed_graph, line_of, write_tree

_MODELS = """
    import anthropic


    def counted(fn):
        def inner(self, *args, **kwargs):
            return fn(self, *args, **kwargs)
        return inner


    class Model:
        def ask(self, model, turns, **kwargs):
            layers = [counted]
            return self._guarded("_send", layers, model=model, turns=turns, **kwargs)

        def ask_stream(self, model, turns, *args, **kwargs):
            layers = [counted]
            return self._guarded("_send_stream", layers, model=model, turns=turns, *args, **kwargs)

        def _guarded(self, hook_name, wrappers, *args, **kwargs):
            def run():
                hook = getattr(self, hook_name)
                for w in wrappers:
                    hook = w(hook)
                return hook(self, *args, **kwargs)

            try:
                return run()
            except Exception:
                return None

        def _send(self, model, turns, **kwargs):
            raise NotImplementedError

        def _send_stream(self, model, turns, **kwargs):
            raise NotImplementedError


    class ClaudeModel(Model):
        def __init__(self):
            self.client = anthropic.Anthropic()

        def _send(self, owner, model, turns, **kwargs):
            out = self.client.messages.create(model=model, messages=turns, max_tokens=512)
            return out.content[0].text

        def _send_stream(self, owner, model, turns, **kwargs):
            for event in self.client.messages.create(model=model, messages=turns, max_tokens=512, stream=True):
                yield event
"""

_AGENT = """
    from lib.models import ClaudeModel


    class Agent:
        def __init__(self, model=None):
            self.model = model or ClaudeModel()

        def ask(self, question, history=None):
            turns = [{"role": "user", "content": question}]
            return self.model.ask_stream("claude", turns)
"""

_USES = """
    from lib.agent import Agent
    from lib.models import ClaudeModel

    KINDS = {"claude": ClaudeModel, "agent": Agent}


    def title_for(model, text):
        turns = [{"role": "user", "content": "Give a three-word title for this text:\\n" + text}]
        return model.ask(model="claude", turns=turns)


    def answer(agent):
        return agent.ask("Which file holds the settings?")
"""

_FAKE = """
    class FakeModel:
        def ask(self, question):
            return "ok"

        def ask_stream(self, question):
            yield "ok"
"""


def _sites(tmp_path: Path) -> dict[str, set[tuple[int, str]]]:
    write_tree(
        tmp_path,
        {"lib/models.py": _MODELS, "lib/agent.py": _AGENT, "lib/uses.py": _USES, "tests/test_fake.py": _FAKE},
    )
    graph = analysed_graph(tmp_path)
    out: dict[str, set[tuple[int, str]]] = {}
    for s in graph.sites():
        out.setdefault(s.loc.path, set()).add((s.loc.line, str(s.site)))
    return out


def test_hook_named_by_string_makes_the_public_methods_wrappers(tmp_path: Path) -> None:
    sites = _sites(tmp_path)
    models = sites["lib/models.py"]
    wrappers = {line for line, kind in models if kind == "wrapper"}
    assert line_of(_MODELS, "def ask(self") in wrappers
    assert line_of(_MODELS, "def ask_stream(self") in wrappers
    # the runner and the hooks are only reached through the class's own API: folded, not wrappers
    assert line_of(_MODELS, "def _guarded(") not in wrappers
    assert line_of(_MODELS, "def _send(self, owner") not in wrappers
    assert line_of(_MODELS, "def _send(self, model") not in wrappers
    requests = {line for line, kind in models if kind == "request"}
    assert line_of(_MODELS, "out = self.client.messages.create") in requests


def test_untyped_receiver_is_typed_by_the_call_it_fits(tmp_path: Path) -> None:
    sites = _sites(tmp_path)
    uses = sites.get("lib/uses.py", set())
    assert (line_of(_USES, "return model.ask(model="), "wrapper-call") in uses
    assert line_of(_AGENT, "def ask(self, question") in {
        line for line, kind in sites["lib/agent.py"] if kind == "wrapper"
    }
    # one positional question fits only the agent's ask, but a count of positional arguments alone is no evidence
    # of the receiver (a library object's method of that name takes one too): never the model's, and no guess
    assert line_of(_USES, 'return agent.ask("Which') not in {line for line, _ in uses}


def test_a_fitting_call_needs_a_parameter_for_each_keyword(tmp_path: Path) -> None:
    # ``model.ask(prompt=...)``: no ``ask`` of the tree names ``prompt`` and the agent's takes no ``**kwargs`` --
    # but the model's does, and its required ``model``/``turns`` are missing: no guess at all
    write_tree(
        tmp_path,
        {
            "lib/models.py": _MODELS,
            "lib/agent.py": _AGENT,
            "lib/uses.py": _USES.replace('model.ask(model="claude", turns=turns)', "model.ask(prompt=turns)"),
        },
    )
    graph = analysed_graph(tmp_path)
    line = line_of(_USES, "return model.ask(model=")
    assert not [s for s in graph.sites() if s.loc.path == "lib/uses.py" and s.loc.line == line]


_CONVERTERS = """
    import anthropic


    class Reshaper:
        def __init__(self):
            self.client = anthropic.Anthropic()

        def restate(self, content, schema=None):
            out = self.client.messages.create(model="m", messages=[{"role": "user", "content": content}], max_tokens=64)
            return out.content[0].text


    class Tally:
        def restate(self):
            return {}


    def summary(text):
        return Reshaper().restate(text)
"""

_PICTURES = """
    from lib.convert import Reshaper

    MAKERS = {"reshaper": Reshaper}


    def grey(picture):
        # a library object (an image) whose own ``restate`` takes a mode: one positional argument fits the model
        # class's ``restate(content)`` by count alone, which says nothing about what ``picture`` is
        return picture.restate("L")


    def tidy(reshaper, text):
        return reshaper.restate(content=text)
"""


def test_a_positional_count_alone_does_not_type_the_receiver(tmp_path: Path) -> None:
    write_tree(tmp_path, {"lib/convert.py": _CONVERTERS, "lib/pictures.py": _PICTURES})
    graph = analysed_graph(tmp_path)
    found = {(s.loc.line, str(s.site)) for s in graph.sites() if s.loc.path == "lib/pictures.py"}
    assert line_of(_PICTURES, 'return picture.restate("L")') not in {line for line, _ in found}
    # the keyword the model class's method names itself still tells the call apart
    assert (line_of(_PICTURES, "return reshaper.restate(content="), "wrapper-call") in found
