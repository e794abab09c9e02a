"""A runner object that sends named tasks: ``runner("headline", article=text)`` goes through the instance's
``__call__`` (a one-line alias of ``run``) to ``run``, which looks the task's template up by name and fills it with
the keyword slots. Only the alias in its own class body calls ``run``, so ``run`` is an internal step of
``__call__`` (bench/corpus/README.md granularity) and ``__call__`` the calling API; each call of the instance is a
wrapper-call; a function that names the task itself (``headline(text)``) is where that task is chosen, not an API."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, write_tree

_FILES = {
    "ai/__init__.py": "",
    "ai/llm.py": """
        import openai

        client = openai.OpenAI()


        def chat(messages, **options):
            out = client.chat.completions.create(model="house", messages=messages, **options)
            return out.choices[0].message.content
    """,
    "ai/runner.py": """
        import yaml

        from ai.llm import chat


        class Runner:
            def __init__(self, path="tasks.yaml"):
                with open(path) as f:
                    self.tasks = yaml.safe_load(f)

            def run(self, task, **slots):
                prompt = self.tasks[task]["prompt"].format(**slots)
                return chat([{"role": "user", "content": prompt}])

            def __call__(self, task, **slots):
                return self.run(task, **slots)


        runner = Runner()
    """,
    "news/headline.py": """
        from ai.runner import runner


        def headline(text):
            return runner("headline", article=text)
    """,
    "news/tags.py": """
        from ai.runner import runner


        def tags(text):
            return runner("tags", article=text)
    """,
}


def test_runner_reached_through_its_call_alias_is_a_calling_api(tmp_path: Path) -> None:
    write_tree(tmp_path, _FILES)
    found = {(s.loc.path, s.loc.line, str(s.site)) for s in analysed_graph(tmp_path).sites()}
    assert ("ai/runner.py", 12, str(SiteKind.WRAPPER)) not in found, found  # run: an internal step
    assert ("ai/runner.py", 17, str(SiteKind.WRAPPER_CALL)) not in found, found  # so its call is no wrapper-call
    assert ("ai/runner.py", 16, str(SiteKind.WRAPPER)) in found, found  # __call__: what other code calls
    assert ("news/headline.py", 6, str(SiteKind.WRAPPER_CALL)) in found, found
    assert ("news/tags.py", 6, str(SiteKind.WRAPPER_CALL)) in found, found
    # the functions naming their task are no calling API of their own
    assert ("news/headline.py", 5, str(SiteKind.WRAPPER)) not in found, found
    assert ("news/tags.py", 5, str(SiteKind.WRAPPER)) not in found, found
