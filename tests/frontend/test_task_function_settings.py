"""A module function that writes its own task prompt around the data it is handed (a long system instruction, the
data filled into a short user line) is a task function, not a calling API, even when its caller picks the model
(``create(model=model, ...)``): a request setting carries no prompt of the caller's. So is one whose optional
``extra_messages`` slot, spliced into the messages it writes, no caller ever fills. The look-alikes stay wrappers: a
helper sending its caller's prompt as it is, and the task-shaped helper whose extra messages a caller does give."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, line_of, site_at, write_tree

_STEPS = """
    import openai

    GUIDE = "You are a senior engineer planning a small web app. Keep every answer practical and short."


    def outline(idea, model="gpt-4o"):
        reply = openai.ChatCompletion.create(
            model=model,
            temperature=0.2,
            messages=[
                {"role": "system", "content": f"{GUIDE} List the files the app needs, one path per line, nothing else."},
                {"role": "user", "content": f"The idea: {idea}"},
            ],
        )
        return reply["choices"][0]["message"]["content"]


    def design(idea, model="gpt-4o", extra_messages=[]):
        reply = openai.ChatCompletion.create(
            model=model,
            messages=[
                {"role": "system", "content": f"{GUIDE} Describe the data each file exports and the names it uses."},
                {"role": "user", "content": f"The idea: {idea}"},
                *extra_messages,
            ],
        )
        return reply["choices"][0]["message"]["content"]


    def ask(prompt, model="gpt-4o"):
        reply = openai.ChatCompletion.create(model=model, messages=[{"role": "user", "content": prompt}])
        return reply["choices"][0]["message"]["content"]
"""

_CLI = """
    from .steps import ask, design, outline


    def run(idea, model):
        files = outline(idea, model=model)
        notes = design(idea, model=model)
        return files, notes, ask("Name this app in three words: " + idea, model=model)
"""

_SERVER = """
    from .steps import ask, outline


    def handle(request):
        files = outline(request["idea"])
        return files, ask(request["question"])
"""

_FOLLOWUP = """
    from .steps import design


    def refine(idea, answer):
        return design(idea, extra_messages=[{"role": "assistant", "content": answer}, {"role": "user", "content": "Go on."}])
"""


def _tree(tmp_path: Path, followup: bool = False) -> None:
    files = {"app/__init__.py": "", "app/steps.py": _STEPS, "app/cli.py": _CLI, "app/server.py": _SERVER}
    if followup:
        files["app/followup.py"] = _FOLLOWUP
    write_tree(tmp_path, files)


def test_task_functions_picking_the_model_are_no_wrappers(tmp_path: Path) -> None:
    _tree(tmp_path)
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line) for s in graph.sites()}
    assert ("app/steps.py", line_of(_STEPS, "def outline")) not in found
    assert ("app/steps.py", line_of(_STEPS, "def design")) not in found
    assert ("app/cli.py", line_of(_CLI, "files = outline")) not in found
    assert ("app/cli.py", line_of(_CLI, "notes = design")) not in found
    assert ("app/server.py", line_of(_SERVER, "files = outline")) not in found
    first = line_of(_STEPS, "reply = openai.ChatCompletion.create(")
    assert site_at(graph, "app/steps.py", first).site == SiteKind.REQUEST


def test_forwarding_helper_stays_a_wrapper(tmp_path: Path) -> None:
    _tree(tmp_path)
    graph = analysed_graph(tmp_path)
    assert site_at(graph, "app/steps.py", line_of(_STEPS, "def ask")).site == SiteKind.WRAPPER
    assert site_at(graph, "app/cli.py", line_of(_CLI, "ask(")).site == SiteKind.WRAPPER_CALL
    assert site_at(graph, "app/server.py", line_of(_SERVER, "ask(")).site == SiteKind.WRAPPER_CALL


def test_extra_messages_given_by_a_caller_keep_the_wrapper(tmp_path: Path) -> None:
    _tree(tmp_path, followup=True)
    graph = analysed_graph(tmp_path)
    assert site_at(graph, "app/steps.py", line_of(_STEPS, "def design")).site == SiteKind.WRAPPER
    assert site_at(graph, "app/followup.py", line_of(_FOLLOWUP, "return design(")).site == SiteKind.WRAPPER_CALL
