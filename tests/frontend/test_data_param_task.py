"""A function sending a system instruction of its own (``_enough_text``) with its parameter as a whole message beside
it: when the parameter is named as the data the task works on (``diff``, ``source_code``, ``document``), the function
is a task function (it writes the task around its caller's data: no wrapper, its calls no wrapper-calls, the request
is the site); when it is named like a prompt (``question``, ``prompt``), the caller writes what is asked and the
function stays a calling API."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, line_of, write_tree

GRADER = """
    import json

    from openai import OpenAI

    RUBRIC = (
        "Grade the following diff on correctness, readability and style. "
        "Reply with only a JSON object rating each from 1 to 5."
    )
    PERSONA = (
        "You are a patient senior engineer who answers questions about this code base in plain words."
    )


    def evaluate_diff(diff: str) -> dict:
        messages = [
            {"role": "system", "content": RUBRIC},
            {"role": "system", "content": diff},
        ]
        response = OpenAI().chat.completions.create(model="gpt-4o", messages=messages)
        return json.loads(response.choices[0].message.content)


    def ask(question: str) -> str:
        response = OpenAI().chat.completions.create(
            model="gpt-4o",
            messages=[{"role": "system", "content": PERSONA}, {"role": "user", "content": question}],
        )
        return response.choices[0].message.content


    def grade_all(diffs):
        return [evaluate_diff(d) for d in diffs] + [evaluate_diff(diffs[0])]


    def explain(name):
        return ask(f"What does {name} do?") + ask("Where are the tests kept?")
"""


def test_data_parameter_beside_own_instruction_is_a_task(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pkg/grade.py": GRADER})
    graph = analysed_graph(tmp_path)
    found = {s.loc.line: str(s.site) for s in graph.sites() if s.loc.path == "pkg/grade.py"}
    assert found.get(line_of(GRADER, "response = OpenAI().chat.completions.create(model")) == "request"
    assert line_of(GRADER, "def evaluate_diff(") not in found
    assert line_of(GRADER, "return [evaluate_diff(d)") not in found
    assert found.get(line_of(GRADER, "def ask(")) == "wrapper"
    assert found.get(line_of(GRADER, "return ask(f")) == "wrapper-call"
