"""A fallback helper that calls whichever method its caller names (``getattr(backup, method_name)(**kw)``, with
``"answer"`` and ``"aanswer"`` passed by the module's own callers): the call reaches those methods, so it is a
wrapper-call and the helper a wrapper."""

from __future__ import annotations

from pathlib import Path

from .trees import analysed_graph, site_at, write_tree

FILES = {
    "relay/__init__.py": "",
    "relay/model.py": """
        from openai import AsyncOpenAI, OpenAI


        class Model:
            def __init__(self, name):
                self.name = name

            def answer(self, messages):
                out = OpenAI().chat.completions.create(model=self.name, messages=messages)
                return out.choices[0].message.content

            async def aanswer(self, messages):
                out = await AsyncOpenAI().chat.completions.create(model=self.name, messages=messages)
                return out.choices[0].message.content
    """,
    "relay/backup.py": """
        from typing import List

        from relay.model import Model


        def _try_backups(backups: List[Model], method_name: str, kwargs: dict):
            for backup in backups:
                try:
                    return getattr(backup, method_name)(**kwargs)
                except RuntimeError:
                    continue
            raise RuntimeError("all backups failed")


        def ask(primary: Model, backups: List[Model], messages):
            try:
                return primary.answer(messages=messages)
            except RuntimeError:
                return _try_backups(backups, "answer", {"messages": messages})


        async def aask(primary: Model, backups: List[Model], messages):
            try:
                return await primary.aanswer(messages=messages)
            except RuntimeError:
                return await _try_backups(backups, "aanswer", {"messages": messages})
    """,
}


def test_getattr_with_a_method_name_passed_by_callers(tmp_path: Path) -> None:
    write_tree(tmp_path, FILES)
    graph = analysed_graph(tmp_path)
    assert str(site_at(graph, "relay/backup.py", 10).site) == "wrapper-call"
    assert str(site_at(graph, "relay/backup.py", 7).site) == "wrapper"
