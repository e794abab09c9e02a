"""A model-service interface (a ``Protocol`` of bodiless methods) that the routes call, with one implementation
sending the requests and a stand-in reaching no model: most of its methods forward or fill what the route hands
them through a calling API, and are wrappers by that; the remaining one writes its prompt into its own request
(a task method by itself). A call of the interface reaches whichever implementation is handed in, so that method
is the route's calling API too, like its siblings (an override family keeps its interface's label)."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import line_of, sites_in, write_tree

SERVICE = """
    from typing import Protocol


    class ModelService(Protocol):
        async def plan(self, *, goal: str) -> list:
            pass

        async def expand(self, *, goal: str, step: str) -> list:
            pass

        async def classify(self, *, goal: str, step: str) -> str:
            pass
"""

HELPERS = """
    async def call_model(model, prompt, **values):
        return await model.ainvoke(prompt.format(**values))
"""

REAL = """
    from langchain_openai import ChatOpenAI

    from svc.helpers import call_model
    from svc.service import ModelService

    PLAN = "Break the goal into at most five concrete steps: {goal}"
    EXPAND = "Goal: {goal}. Write the sub-steps needed for the step: {step}"


    class RealService(ModelService):
        def __init__(self):
            self.model = ChatOpenAI(model="gpt-4o")

        async def plan(self, *, goal: str) -> list:
            return await call_model(self.model, PLAN, goal=goal)

        async def expand(self, *, goal: str, step: str) -> list:
            return await call_model(self.model, EXPAND, goal=goal, step=step)

        async def classify(self, *, goal: str, step: str) -> str:
            out = await self.model.ainvoke(
                [("system", "Answer with one word: search, code or write."), ("user", f"{goal}: {step}")]
            )
            return out.content
"""

FAKE = """
    from svc.service import ModelService


    class FakeService(ModelService):
        async def plan(self, *, goal: str) -> list:
            return ["one"]

        async def expand(self, *, goal: str, step: str) -> list:
            return ["a"]

        async def classify(self, *, goal: str, step: str) -> str:
            return "write"
"""

ROUTES = """
    from svc.fake import FakeService
    from svc.real import RealService
    from svc.service import ModelService


    def make_service(test: bool) -> ModelService:
        return FakeService() if test else RealService()


    async def plan_route(body: dict, service: ModelService):
        return await service.plan(goal=body["goal"])


    async def expand_route(body: dict, service: ModelService):
        return await service.expand(goal=body["goal"], step=body["step"])


    async def classify_route(body: dict, service: ModelService):
        return await service.classify(goal=body["goal"], step=body["step"])
"""


def test_method_of_a_service_interface_whose_siblings_are_wrappers_is_one(tmp_path: Path) -> None:
    files = {"svc/__init__.py": "", "svc/service.py": SERVICE, "svc/helpers.py": HELPERS, "svc/real.py": REAL}
    files |= {"svc/fake.py": FAKE, "svc/routes.py": ROUTES}
    write_tree(tmp_path, files)
    service = sites_in(tmp_path, "svc/service.py")
    assert (line_of(SERVICE, "def plan"), "wrapper") in service
    assert (line_of(SERVICE, "def classify"), "wrapper") in service
    real = sites_in(tmp_path, "svc/real.py")
    assert (line_of(REAL, "def classify"), "wrapper") in real
    routes = sites_in(tmp_path, "svc/routes.py")
    assert (line_of(ROUTES, "service.classify("), "wrapper-call") in routes
    assert not {kind for _, kind in sites_in(tmp_path, "svc/fake.py")}
