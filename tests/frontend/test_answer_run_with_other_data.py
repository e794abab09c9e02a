"""What a call computes from the answer together with other data of the program (generated code run against its
tests: ``passed = checker.run(code, cases)``) is no form of the answer: a cast of that result
(``int(passed)``) says nothing about the answer's shape. A parse of the answer alone, or with constant options,
still does (``int(re.search(DIGITS, reply).group())``), and a prompt built from the answer with other data still
feeds the answer to the next model call."""

from __future__ import annotations

from slmc.frontend import analyze_source

_SOURCE = """
import re

import openai

DIGITS = r"[0-9]+"


def ask(text):
    out = openai.ChatCompletion.create(model="gpt-4", messages=[{"role": "user", "content": text}])
    return out.choices[0].message.content


def solve_all(problems, checker):
    solved = 0
    for p in problems:
        code = ask("Write a Python function for: " + p["spec"])
        cases = p["cases"]
        passed = checker.run(code, cases)
        solved += int(passed)
    return solved


def rate(review):
    reply = ask("Rate this review from 1 to 5, digits only: " + review)
    return int(re.search(DIGITS, reply).group())


def refine(spec, notes):
    draft = ask("Write a short plan for: " + spec)
    prompt = with_notes(draft, notes)
    return ask(prompt)


def with_notes(draft, notes):
    return "Improve this plan: " + draft + " Reviewer notes: " + notes
"""


def test_cast_of_a_result_computed_with_other_data_is_no_answer_cast() -> None:
    graph, _ = analyze_source(_SOURCE, path="runs.py")
    by_line = {s.loc.line: s for s in graph.sites()}
    assert "int" not in by_line[17].consumers  # the code is run against its cases; the count is cast, not the code
    assert "int" in by_line[25].consumers  # the rating parsed out of the reply is the answer cast
    assert "llm-input" in by_line[30].consumers  # a prompt built from the answer and other data still feeds a call
