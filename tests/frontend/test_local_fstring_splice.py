"""A prompt put together from locals that hold text written in the same function -- ``head = f"Plan ...: {task}"``
then ``prompt = f"{history}\\n{head}"`` -- carries the words of those locals: the instructions live in the inner
f-string, and a hole in their place would leave the site with no evidence to triage it by. What a local holds from
outside (a parameter, a call's result) stays a hole."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, carried_text, site_at, write_tree

PLANNER = """
    import openai

    client = openai.OpenAI()


    def plan(task, history, notes):
        head = f"Write a numbered step-by-step plan for this task: {task}"
        tail = "Answer with the plan only. " + notes
        if history:
            prompt = f"{history}\\n\\n{head}\\n{tail}"
        else:
            prompt = f"{head}\\n{tail}"
        out = client.chat.completions.create(model="m", messages=[{"role": "user", "content": prompt}])
        return out.choices[0].message.content


    def echo(task, history):
        prompt = f"{history}\\n{task}"
        out = client.chat.completions.create(model="m", messages=[{"role": "user", "content": prompt}])
        return out.choices[0].message.content
"""


def test_locals_holding_written_text_are_spliced_into_the_fstring(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/planner.py": PLANNER})
    graph = analysed_graph(tmp_path)
    text = carried_text(graph, site_at(graph, "app/planner.py", 14))
    assert "Write a numbered step-by-step plan for this task:" in text
    assert "Answer with the plan only." in text
    other = carried_text(graph, site_at(graph, "app/planner.py", 20))
    assert other.strip() == ""  # parameters only: no words of the function's own
