"""A message container filled from outside: the code that builds the object assigns its message-list attributes
(``bundle = Bundle()``, ``bundle.opening = [system]``) and the request sends what one of its methods joins
(``return self.opening + self.turns``). The prompt carried to the site is the text put into each part."""

from __future__ import annotations

from pathlib import Path

from tests.frontend.trees import analysed_graph, carried_text, site_at, write_tree

_BUNDLE = """
from dataclasses import dataclass, field


@dataclass
class Bundle:
    opening: list = field(default_factory=list)
    turns: list = field(default_factory=list)

    def flat(self):
        return self.opening + self.turns
"""

_VOICES = '''
class PlainVoice:
    persona = """You are a patient tutor who explains each step of a long division to a ten year old pupil."""
    closing = "End with one practice question for the pupil."


class PirateVoice(PlainVoice):
    persona = """You are a pirate captain who explains each step of a long division in sea shanty slang."""
'''

_TUTOR = """
import openai

from lessons.bundle import Bundle
from lessons.voices import PlainVoice, PirateVoice


class Tutor:
    def assemble(self, question):
        opening = self.voice.persona + "\\n" + self.voice.closing
        bundle = Bundle()
        bundle.opening = [dict(role="system", content=opening)]
        bundle.turns = [dict(role="user", content=question)]
        return bundle

    def answer(self, question):
        bundle = self.assemble(question)
        return openai.OpenAI().chat.completions.create(model="gpt-4o", messages=bundle.flat())


class CalmTutor(Tutor):
    voice = PlainVoice()


class LoudTutor(Tutor):
    voice = PirateVoice()
"""


def test_parts_filled_by_the_builder_reach_the_request(tmp_path: Path) -> None:
    write_tree(tmp_path, {"lessons/bundle.py": _BUNDLE, "lessons/voices.py": _VOICES, "lessons/tutor.py": _TUTOR})
    graph = analysed_graph(tmp_path)
    site = site_at(graph, "lessons/tutor.py", 18)
    text = carried_text(graph, site)
    assert "explains each step of a long division" in text
    assert "End with one practice question" in text
    prompt = graph.prompt_of(site.id)
    assert prompt is not None
    roles = [m.role for m in prompt.messages]
    assert roles[0] == "system" and "user" in roles[1:]  # the joined order: the opening part first


def test_parts_not_filled_from_outside_stay_holes(tmp_path: Path) -> None:
    # the object is handed in, never built here: nothing says what its parts hold
    handed = _TUTOR.replace("bundle = self.assemble(question)", "bundle = question")
    write_tree(tmp_path, {"lessons/bundle.py": _BUNDLE, "lessons/voices.py": _VOICES, "lessons/tutor.py": handed})
    graph = analysed_graph(tmp_path)
    text = carried_text(graph, site_at(graph, "lessons/tutor.py", 18))
    assert "long division" not in text


def test_a_part_filled_from_its_own_join_ends(tmp_path: Path) -> None:
    # the object's method builds another object of the same class from its own parts: read once, no endless loop
    looped = """
import openai


class Pair:
    def __init__(self):
        self.first = []
        self.second = []

    def both(self):
        return self.first + self.second

    def doubled(self):
        copy = Pair()
        copy.first = self.first + self.second
        copy.second = [dict(role="user", content="Say the two lists again, merged into one short list.")]
        return openai.OpenAI().chat.completions.create(model="gpt-4o", messages=copy.both())
"""
    write_tree(tmp_path, {"pairs.py": looped})
    graph = analysed_graph(tmp_path)
    assert "merged into one short list" in carried_text(graph, site_at(graph, "pairs.py", 17))
