"""A decorator factory of the tree (``def safe(fn): ... def run(*a): return fn(*a) ... return run``) only wraps the
function it is handed: ``tools = [safe(search)]`` registers a wrapped tool and runs nothing, so it is no call of the
wrapper it wraps; a helper that calls what it is handed in its own body (``retry(ask, q)``) still is."""

from __future__ import annotations

from pathlib import Path

from .trees import analysed_graph, line_of, write_tree

_APP = """
    import functools

    from openai import OpenAI

    client = OpenAI()


    def ask(question, system="Answer briefly."):
        reply = client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "system", "content": system}, {"role": "user", "content": question}]
        )
        return reply.choices[0].message.content


    def safe(tool):
        @functools.wraps(tool)
        def run(*args, **kwargs):
            try:
                return tool(*args, **kwargs)
            except Exception as exc:
                return str(exc)

        return run


    def retry(fn, *args):
        for _ in range(3):
            try:
                return fn(*args)
            except Exception:
                continue


    tools = [safe(ask)]


    def main():
        return retry(ask, "Name three rivers in Europe.")
"""


def test_a_decorator_factory_call_wraps_and_a_retry_helper_runs(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app.py": _APP})
    graph = analysed_graph(tmp_path)
    lines = {s.loc.line for s in graph.sites() if s.loc.path == "app.py"}
    assert line_of(_APP, "tools = [safe(ask)]") not in lines
    assert line_of(_APP, "return retry(ask,") in lines
