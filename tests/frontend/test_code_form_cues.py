"""A prompt that asks for a whole program often says how the program must look: only code, with no explanations;
read and parse the input; functions of at most ten lines. Those words describe the code written, not a closed answer,
so such a site stays open-ended; the same cues in a prompt that asks for no code still pull towards narrow."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, line_of, site_at, write_tree
from slmc.passes.triage import triage_site

AGENT = '''
    from openai import OpenAI

    client = OpenAI()

    SOLVE = """You are given a programming puzzle: {puzzle}

    Your goal is to generate a valid Python program that correctly solves the puzzle.
    - Generate only code, without any additional explanations or comments.
    - Read the input from standard input and make sure to parse the input properly.
    - Each function should be no longer than 10 lines of code.
    """

    LABEL = """Here is a log line: {line}
    Answer with only the severity, one of: info, warning, error. No more than 1 words, without any explanations.
    """


    def solve(puzzle):
        reply = client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": SOLVE.format(puzzle=puzzle)}]
        )
        return reply.choices[0].message.content


    def label(line):
        reply = client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": LABEL.format(line=line)}]
        )
        return reply.choices[0].message.content
'''


def test_form_of_the_code_asked_for_does_not_close_it(tmp_path: Path) -> None:
    write_tree(tmp_path, {"agent.py": AGENT})
    graph = analysed_graph(tmp_path)
    line = line_of(AGENT, "reply = client.chat.completions.create(")
    solve = site_at(graph, "agent.py", line)
    assert triage_site(graph, solve).verdict.value == "open-ended"
    label = site_at(graph, "agent.py", line_of(AGENT, "def label(line):") + 1)
    assert triage_site(graph, label).verdict.value == "narrow"
