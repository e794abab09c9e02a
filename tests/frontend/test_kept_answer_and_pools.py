"""Three shapes of a document-search assistant.

1. A lookup interface (``Finder.lookup(question)``) whose implementations first have the model rewrite the question
   (a private step writing its own instruction around the stored question, the answer kept as the object's state)
   and then return the hits of their own lookup. The parameter is named like a request, but the caller gets hits, not
   the model's answer: ``lookup`` is a task, no wrapper, and its calls are no sites; the rewrite call is the site.
   Look-alike: an agent's ``respond(question)`` storing the question and returning ``self._turn()``, whose answer is
   the model's: a wrapper.
2. A public ``answer(question)`` of an agent base handing the question to a private hook its subclasses implement,
   called from that one method, whose implementations reach the model through the base's private ``_complete``:
   ``answer`` is the calling API (a wrapper), the subclasses' ``_complete`` calls are wrapper-calls.
3. A local model object kept in a class-level dict by a classmethod (``cls._engines[path] = Llama(...)``) and fetched
   by key, then called inside a locked helper: that call is a request. Look-alike: a parser kept the same way.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from tests.frontend.trees import analysed_graph, line_of, write_tree

_FINDERS = """
    from openai import OpenAI

    client = OpenAI()


    def ask_model(messages):
        return client.chat.completions.create(model="m", messages=messages).choices[0].message.content


    class Finder:
        def lookup(self, question=""):
            raise NotImplementedError


    class IndexFinder(Finder):
        def __init__(self, index, notes):
            self.index = index
            self.notes = notes
            self.asked = ""
            self.rewritten = ""

        def _rewrite(self):
            instruction = f"Earlier notes: {self.notes}. Turn the next question into a short keyword query."
            turns = [{"role": "system", "content": instruction}, {"role": "user", "content": self.asked}]
            return ask_model(turns)

        def _hits(self):
            return [doc for doc in self.index if self.rewritten in doc]

        def lookup(self, question=""):
            if question:
                self.asked = question
                self.rewritten = self._rewrite()
            return self._hits()


    class MergedFinder(Finder):
        def __init__(self, parts):
            self.parts = parts

        def lookup(self, question=""):
            merged = []
            for part in self.parts:
                found = part.lookup(question)
                merged.extend(found)
            return merged


    class Helper:
        def respond(self, question):
            raise NotImplementedError


    class NotesHelper(Helper):
        def __init__(self, notes):
            self.notes = notes
            self.question = ""

        def _turn(self):
            turns = [{"role": "system", "content": f"Answer from these notes: {self.notes}"}]
            turns += [{"role": "user", "content": self.question}]
            return ask_model(turns)

        def respond(self, question):
            self.question = question
            return self._turn()


    def serve(finder: Finder, helper: Helper, text):
        hits = finder.lookup(text)
        return helper.respond(text), hits
"""

_AGENTS = """
    from openai import OpenAI

    client = OpenAI()


    class BaseAgent:
        def __init__(self, persona):
            self.persona = persona

        def answer(self, question):
            question = question.strip()
            yield from self._answer(question)

        def _answer(self, question):
            raise NotImplementedError

        def _complete(self, messages):
            params = {"model": "m", "messages": messages, "temperature": 0.2}
            reply = client.chat.completions.create(**params)
            return reply.choices[0].message.content

        def describe(self):
            return self._describe()

        def _describe(self):
            raise NotImplementedError


    class PlainAgent(BaseAgent):
        def _answer(self, question):
            messages = [{"role": "system", "content": self.persona}, {"role": "user", "content": question}]
            yield self._complete(messages)

        def _describe(self):
            return "plain"


    class ShortAgent(BaseAgent):
        def _answer(self, question):
            messages = [{"role": "system", "content": self.persona + " Be brief."}, {"role": "user", "content": question}]
            yield self._complete(messages)

        def _describe(self):
            return "short"


    def run_agent(agent: BaseAgent, text):
        print(agent.describe())
        return list(agent.answer(text))
"""

_POOLS = """
    import threading


    class EnginePool:
        _engines = {}
        _guard = threading.Lock()

        @classmethod
        def fetch(cls, path):
            if path not in cls._engines:
                from llama_cpp import Llama

                cls._engines[path] = Llama(model_path=path)
            return cls._engines[path]

        @classmethod
        def ask(cls, engine, text, **kw):
            with cls._guard:
                return engine(text, **kw)


    class ParserPool:
        _parsers = {}

        @classmethod
        def fetch(cls, name):
            if name not in cls._parsers:
                from html.parser import HTMLParser

                cls._parsers[name] = HTMLParser()
            return cls._parsers[name]

        @classmethod
        def feed(cls, parser, text):
            return parser.feed(text)


    class LocalModel:
        def __init__(self, path):
            self.engine = EnginePool.fetch(path)
            self.parser = ParserPool.fetch("html")

        def reply(self, question):
            ParserPool.feed(self.parser, question)
            return EnginePool.ask(self.engine, f"Q: {question}\\nA:", max_tokens=50)


    def main():
        print(LocalModel("m.gguf").reply("hi"))
"""


def _sites(tmp_path: Path, files: dict[str, str]) -> set[tuple[str, int, str]]:
    write_tree(tmp_path, files)
    return {(s.loc.path, s.loc.line, str(s.site)) for s in analysed_graph(tmp_path).sites()}


def test_lookup_keeping_the_rewrite_is_no_wrapper(tmp_path: Path) -> None:
    sites = _sites(tmp_path, {"finders.py": _FINDERS})
    at = lambda text: line_of(_FINDERS, text)  # noqa: E731
    assert ("finders.py", at("return ask_model(turns)"), "wrapper-call") in sites  # the rewrite: the site
    lines = textwrap.dedent(_FINDERS).splitlines()
    assert not {s for s in sites if "lookup" in lines[s[1] - 1]}, sorted(sites)  # defs and calls alike
    # the look-alike hands back the model's own answer: its caller reaches the model through it
    assert ("finders.py", at("def respond(self, question)"), "wrapper") in sites  # the interface
    assert ("finders.py", at("helper.respond(text)"), "wrapper-call") in sites


def test_public_method_over_a_private_hook_is_the_api(tmp_path: Path) -> None:
    sites = _sites(tmp_path, {"agents.py": _AGENTS})
    at = lambda text: line_of(_AGENTS, text)  # noqa: E731
    assert ("agents.py", at("def answer(self, question)"), "wrapper") in sites
    assert ("agents.py", at("list(agent.answer(text))"), "wrapper-call") in sites
    assert ("agents.py", at("yield self._complete(messages)"), "wrapper-call") in sites
    # a hook reaching no model is no site, nor is the method calling it
    assert not {s for s in sites if s[1] in {at("def describe"), at("agent.describe()")}}, sorted(sites)


def test_model_kept_in_a_class_level_dict(tmp_path: Path) -> None:
    sites = _sites(tmp_path, {"pool.py": _POOLS})
    assert ("pool.py", line_of(_POOLS, "return engine(text, **kw)"), "request") in sites
    assert not {s for s in sites if s[1] == line_of(_POOLS, "return parser.feed(text)")}, sorted(sites)


_SUMMARISERS = """
    from llama_index.core.base.base_query_engine import BaseQueryEngine
    from llama_index.core.llms import LLM
    from llama_index.core.postprocessor.types import BaseNodePostprocessor
    from llama_index.core.response_synthesizers import BaseSynthesizer


    class StepwiseSynth(BaseSynthesizer):
        def __init__(self, llm: LLM, template):
            self.model = llm
            self.template = template

        def get_response(self, query_str, text_chunks, **kwargs):
            joined = "\\n".join(text_chunks)
            return self.model.predict(self.template, context=joined, question=query_str)


    class PerNodeEngine(BaseQueryEngine):
        def __init__(self, retriever, synth: BaseSynthesizer):
            self.retriever = retriever
            self.synth = synth

        def _query(self, query_bundle):
            nodes = self.retriever.retrieve(query_bundle)
            return self.synth.synthesize(query=query_bundle, nodes=nodes)


    class KeepLong(BaseNodePostprocessor):
        def _postprocess_nodes(self, nodes, query_bundle=None):
            return [n for n in nodes if len(n.get_content()) > 40]
"""


def test_framework_synthesizer_and_engine_overrides_are_wrappers(tmp_path: Path) -> None:
    sites = _sites(tmp_path, {"summarise.py": _SUMMARISERS})
    at = lambda text: line_of(_SUMMARISERS, text)  # noqa: E731
    assert ("summarise.py", at("def get_response"), "wrapper") in sites  # the framework's synthesize runs it
    assert ("summarise.py", at("def _query"), "wrapper") in sites  # the hook the engine's public query runs
    # a node postprocessor of the same framework reaches no model
    assert not {s for s in sites if s[1] == at("def _postprocess_nodes")}, sorted(sites)


_ACTORS = """
    from dataclasses import dataclass

    from openai import OpenAI

    client = OpenAI()


    @dataclass
    class Screen:
        text: str


    class Actor:
        def act(self, screen: Screen):
            raise NotImplementedError


    class Pointer:
        def point(self, step: str, screen: Screen):
            asked = f"On this screen: {screen.text}. Where to click for: {step}?"
            reply = client.chat.completions.create(model="m", messages=[{"role": "user", "content": asked}])
            message = reply.choices[0].message
            spot, moves = self._read(message)
            return spot, moves

        def _read(self, message):
            return message.content, message.content.split()


    class TwoStageActor(Actor):
        def __init__(self):
            self.pointer = Pointer()

        def _plan(self, screen: Screen):
            rules = "You steer a browser toward the user's goal. Name the single next step in plain words."
            shown = f"Screen now: {screen.text}"
            turns = [{"role": "system", "content": rules}, {"role": "user", "content": shown}]
            reply = client.chat.completions.create(model="m", messages=turns)
            return reply.choices[0].message.content

        def _ground(self, step: str, screen: Screen):
            moves = []
            spot, moves = self.pointer.point(step, screen)
            shown = f"at {spot}"
            return {"moves": moves, "shown": shown}

        def act(self, screen: Screen):
            step = self._plan(screen)
            return self._ground(step, screen)


    def drive(actor: Actor, screen: Screen):
        return actor.act(screen)
"""


def test_answer_reached_through_a_chain_of_locals_is_not_kept(tmp_path: Path) -> None:
    """A grounding step whose model answer reaches its return through several locals (reply -> message -> parsed
    pair) hands the answer back: the two-stage ``act`` returning it is the calling API, not a lookup keeping a
    rewrite. The look-alike is the finder above, whose rewrite never reaches what ``lookup`` returns."""
    sites = _sites(tmp_path, {"actors.py": _ACTORS})
    at = lambda text: line_of(_ACTORS, text)  # noqa: E731
    assert ("actors.py", at("def act(self, screen: Screen)"), "wrapper") in sites, sorted(sites)
    assert ("actors.py", at("return actor.act(screen)"), "wrapper-call") in sites, sorted(sites)
