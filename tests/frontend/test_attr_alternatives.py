"""An attribute that ``__init__`` fills with one of several unrelated classes (no common base to dispatch on): a call
of a method on it reaches that method of each class, so each one is a calling API of its own."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, write_tree


def test_call_on_attribute_reaches_each_class_it_may_hold(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "ops/__init__.py": "",
            "ops/locators.py": """
                from openai import AsyncOpenAI


                class BoxLocator:
                    def __init__(self, client: AsyncOpenAI):
                        self.client = client

                    async def locate(self, instruction, screenshot):
                        out = await self.client.chat.completions.create(
                            model="box-model",
                            messages=[{"role": "user", "content": [instruction, screenshot]}],
                        )
                        return out.choices[0].message.content


                class PointLocator:
                    def __init__(self, client: AsyncOpenAI):
                        self.client = client

                    async def locate(self, instruction, screenshot):
                        out = await self.client.chat.completions.create(
                            model="point-model",
                            messages=[{"role": "user", "content": [instruction, screenshot]}],
                        )
                        return out.choices[0].message.content
            """,
            "ops/driver.py": """
                from openai import AsyncOpenAI

                from ops.locators import BoxLocator, PointLocator


                class Driver:
                    def __init__(self, model_name):
                        client = AsyncOpenAI()
                        if model_name.startswith("point"):
                            self.locator = PointLocator(client)
                        else:
                            self.locator = BoxLocator(client)

                    async def click(self, what, screenshot):
                        return await self.locator.locate(what, screenshot)
            """,
        },
    )
    graph = analysed_graph(tmp_path)
    wrappers = {(s.loc.path, s.loc.line) for s in graph.sites(SiteKind.WRAPPER)}
    assert ("ops/locators.py", 9) in wrappers  # BoxLocator.locate
    assert ("ops/locators.py", 21) in wrappers  # PointLocator.locate
    calls = [s for s in graph.sites() if s.loc.path == "ops/driver.py"]
    assert [(s.loc.line, str(s.site)) for s in calls] == [(16, "wrapper-call")]  # one call site, not one per class
