"""An answer cut at a fixed worded marker (``reply.split("VERDICT:")``) has a fixed form around that marker; a split on
a newline, a comma or a code fence says nothing about the answer."""

from __future__ import annotations

from slmc.frontend.project import analyze_source
from slmc.ir import SiteKind
from slmc.passes.triage import triage_site

CODE = """
import openai

client = openai.OpenAI()


def grade(essay):
    reply = client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "Read the essay and give it a mark. " + essay}]
    ).choices[0].message.content
    return reply.split("MARK:")[-1].strip()


def lines(topic):
    reply = client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "Talk about " + topic}]
    ).choices[0].message.content
    return reply.split("\\n")
"""


def test_a_split_at_a_worded_marker_is_a_consumer_of_the_answer() -> None:
    graph, _ = analyze_source(CODE, "grading.py")
    sites = {s.function: s for s in graph.sites(SiteKind.REQUEST)}
    assert "marker-split" in sites["grade"].consumers
    assert "marker-split" not in sites["lines"].consumers
    assert "answer cut at a fixed marker" in triage_site(graph, sites["grade"]).reasons
