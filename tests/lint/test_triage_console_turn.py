"""A user turn that is nothing but a line a person types at the console (``input()`` in a REPL, ``typer.prompt``):
the person asks whatever they like, so the model answers a free request. The frontend keeps the reading call as the
hole's text; triage reads it as open. A closed task wrapped around the typed text (a CLI labeller) keeps its verdict,
and so does text typed into a template of the program's own. Sources written for these tests."""

from __future__ import annotations

from slmc.frontend import analyze_source
from slmc.ir import Verdict
from slmc.passes.triage import TYPED, triage_site

SOURCE = """
from openai import OpenAI
import typer

client = OpenAI()


def companion():
    history = [{"role": "system", "content": "You keep a lighthouse keeper company on long nights."}]
    while True:
        said = input("you> ")
        history.append({"role": "user", "content": said})
        reply = client.chat.completions.create(model="gpt-4o", messages=history)
        print(reply.choices[0].message.content)


def ask_once():
    question = typer.prompt("question")
    reply = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": question}])
    print(reply.choices[0].message.content)


def tag_lines():
    while True:
        line = input("line> ")
        reply = client.chat.completions.create(
            model="gpt-4o",
            messages=[
                {"role": "system", "content": "Classify the mood of the user's line as calm, tense or cheerful. "
                 "Answer with only the label."},
                {"role": "user", "content": line},
            ],
        )
        print(reply.choices[0].message.content)


def headline():
    topic = input("topic> ")
    reply = client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": f"Give a five-word headline for a news item about {topic}."}],
    )
    print(reply.choices[0].message.content)
"""


def _triaged() -> dict[str, tuple]:
    graph, _ = analyze_source(SOURCE)
    out = {}
    for site in graph.sites():
        prompt = graph.prompt_of(site.id)
        holes = [p.text for m in prompt.messages for p in m.parts if p.hole] if prompt is not None else []
        out[site.function] = (triage_site(graph, site), holes)
    return out


def test_a_console_chat_loop_is_open() -> None:
    result, holes = _triaged()["companion"]
    assert 'input("you> ")' in holes  # the hole keeps the console read, not the local's name
    assert result.verdict == Verdict.OPEN_ENDED and TYPED in result.reasons, result


def test_a_cli_question_typed_once_is_open() -> None:
    result, _ = _triaged()["ask_once"]
    assert result.verdict == Verdict.OPEN_ENDED and TYPED in result.reasons, result


def test_a_cli_labeller_reading_the_console_stays_narrow() -> None:
    result, _ = _triaged()["tag_lines"]
    assert result.verdict == Verdict.NARROW and TYPED not in result.reasons, result


def test_typed_text_inside_the_programs_own_template_is_not_a_free_turn() -> None:
    result, _ = _triaged()["headline"]
    assert TYPED not in result.reasons, result
