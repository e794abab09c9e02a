"""A helper handing on only request settings (``n=n_samples``, ``stop=stop``) beside a prompt it builds itself forwards
no prompt of its callers, even where those settings reach the request through a ``**kwargs`` helper that makes them
look forwarded: neither it nor the search function calling it is a wrapper, and the script running the search makes no
wrapper-call."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, write_tree

_TASKS = """
    SCORE = "Can these numbers reach 24? Answer sure, likely or impossible only.\\nNumbers: {numbers}\\nJudge:"


    class Puzzle:
        def score_prompt_wrap(self, x, y):
            return SCORE.format(numbers=y or x)
"""

_SEARCH_BACKOFF = """
    from openai import OpenAI

    client = OpenAI()


    def send_with_backoff(**kwargs):
        return client.chat.completions.create(**kwargs)


    def ask(prompt, n=1, stop=None):
        msgs = [{"role": "user", "content": prompt}]
        return send_with_backoff(model="gpt-4o", messages=msgs, n=n, stop=stop)


    def score(task, x, y, n_samples, stop):
        return ask(task.score_prompt_wrap(x, y), n=n_samples, stop=stop)


    def search(task, x, width, stop):
        return [score(task, x, str(i), width, stop) for i in range(width)]
"""

_MAIN = """
    from app.search import search
    from app.tasks import Puzzle


    def main(width):
        return search(Puzzle(), "4 5 6 10", width, None)
"""


def test_settings_handed_on_beside_a_prompt_forward_none(tmp_path: Path) -> None:
    # the settings reach the request through a ``**kwargs`` helper, so the helpers above it take them for forwarded
    write_tree(tmp_path, {"app/tasks.py": _TASKS, "app/search.py": _SEARCH_BACKOFF, "app/main.py": _MAIN})
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): s.site for s in graph.sites()}
    assert found.get(("app/search.py", 8)) == SiteKind.REQUEST
    assert found.get(("app/search.py", 16)) != SiteKind.WRAPPER  # score: hands on n and stop, not a prompt
    assert found.get(("app/search.py", 20)) != SiteKind.WRAPPER  # search
    assert ("app/main.py", 7) not in found
