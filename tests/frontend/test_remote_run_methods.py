"""A function wrapped by a task-runner decorator (a serverless ``@app.function()``, a cluster ``@remote``) is run
through the methods the decorator adds (``ask.remote(...)``, ``ask.call(...)``, ``ask.spawn(...)``): each is a call of
the function itself with those arguments. So a generic helper taking the caller's system and user prompt is a
wrapper, and those runs are wrapper-calls. Look-alike: a decorated function that reaches no model, run the same way."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, line_of, site_at, write_tree

_JOBS = """
    import cloudrun
    import openai

    app = cloudrun.App("writer")


    @app.function(retries=2, timeout=60)
    def ask(system_prompt, user_prompt, model="gpt-4"):
        messages = [{"role": "system", "content": system_prompt}, {"role": "user", "content": user_prompt}]
        reply = openai.ChatCompletion.create(model=model, messages=messages)
        return reply.choices[0]["message"]["content"]


    @app.function()
    def notify(channel, text):
        print(channel, text)


    @app.entrypoint()
    def main(idea):
        names = ask.call("List the files this app needs, one path per line and nothing else.", idea)
        notes = ask.remote("Write a detailed design note for each of these files.", names)
        later = ask.spawn("Suggest a short name for the app described here.", idea)
        notify.local("log", names)
        return names, notes, later
"""


def test_runs_of_a_decorated_helper_are_wrapper_calls(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/__init__.py": "", "app/jobs.py": _JOBS})
    graph = analysed_graph(tmp_path)
    assert site_at(graph, "app/jobs.py", line_of(_JOBS, "def ask")).site == SiteKind.WRAPPER
    for text in ("names = ask.call(", "notes = ask.remote(", "later = ask.spawn("):
        assert site_at(graph, "app/jobs.py", line_of(_JOBS, text)).site == SiteKind.WRAPPER_CALL, text


def test_run_of_a_decorated_function_without_a_model_is_not_reported(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/__init__.py": "", "app/jobs.py": _JOBS})
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line) for s in graph.sites()}
    assert ("app/jobs.py", line_of(_JOBS, "notify.local(")) not in found
    assert ("app/jobs.py", line_of(_JOBS, "def notify")) not in found
