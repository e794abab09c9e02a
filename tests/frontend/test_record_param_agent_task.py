"""A public method of an agent class handed a record of the tree's own classes under a request-like name
(``fail_task(task: Task, ...)`` with ``Task`` a pydantic model or a dataclass) and passing it to a task function
that fills its own prompt with the record's fields is no calling API: the record is that task's data, not a prompt
the agent is handed (CALLSITES.md granularity). A plain object of the tree (a ``Prompt`` whose text is what is
sent) stays the agent's prompt, and so does a record the task sends as it is."""

from __future__ import annotations

from pathlib import Path

from tests.frontend.trees import analysed_graph, line_of, write_tree

MODELS = """
    from dataclasses import dataclass
    from typing import Optional

    from pydantic import BaseModel


    class TaskBase(BaseModel):
        goal: str
        error_codes: Optional[dict] = None


    class Task(TaskBase):
        task_id: str


    @dataclass
    class Stage:
        stage_id: str
        order: int = 0


    @dataclass(frozen=True)
    class Query:
        text: str


    class Prompt:
        def __init__(self, text: str):
            self.text = text

        def render(self) -> str:
            return self.text
"""

LLM = """
    import json
    from typing import Optional

    import litellm


    async def call_llm(prompt: str, system_prompt: Optional[str] = None) -> dict:
        messages = [{"role": "user", "content": prompt}]
        if system_prompt:
            messages.insert(0, {"role": "system", "content": system_prompt})
        out = await litellm.acompletion(model="gpt-4o", messages=messages)
        return json.loads(out.choices[0].message.content)
"""

TASKS = """
    import json

    import litellm

    from shop.llm import call_llm
    from shop.models import Prompt, Query, Stage, Task


    async def spot_errors_for_task(task: Task, stage: Stage, reason: str = "") -> list:
        if not task.error_codes:
            return []
        prompt = (
            "The automation below failed. Read its goal and the failure reason, then pick which of the listed "
            f"error codes apply, answering with a JSON list of codes.\\nGoal: {task.goal}\\nReason: {reason}\\n"
            f"Codes: {json.dumps(task.error_codes)} (step {stage.order})"
        )
        out = await call_llm(prompt=prompt)
        return list(out.get("codes", []))


    async def rank_query(query: Query) -> list:
        prompt = f"Rank the shop's aisles by how likely they hold what is asked for, as a JSON list: {query.text}"
        out = await call_llm(prompt=prompt)
        return list(out.get("aisles", []))


    async def build_plan(prompt: Prompt) -> str:
        messages = [
            {"role": "system", "content": "Plan the shopping trip as numbered steps, one line each, nothing else."},
            {"role": "user", "content": prompt.render()},
        ]
        out = await litellm.acompletion(model="gpt-4o", messages=messages)
        return out.choices[0].message.content
"""

AGENT = """
    from typing import Optional

    from shop.models import Prompt, Query, Stage, Task
    from shop.tasks import build_plan, rank_query, spot_errors_for_task


    class ShopAgent:
        async def fail_task(self, task: Task, stage: Optional[Stage], reason: str) -> bool:
            self.mark(task, reason)
            if task.error_codes and stage is not None:
                codes = await spot_errors_for_task(task=task, stage=stage, reason=reason)
                self.mark(task, ",".join(codes))
            return True

        async def find(self, query: Query) -> list:
            return await rank_query(query)

        async def plan(self, prompt: Prompt) -> str:
            return await build_plan(prompt)

        def mark(self, task: Task, note: str) -> None:
            print(task.task_id, note)


    async def main() -> None:
        agent = ShopAgent()
        task = Task(task_id="1", goal="buy milk", error_codes={"E1": "no stock"})
        await agent.fail_task(task, Stage(stage_id="s"), "gave up")
        await agent.find(Query("oat milk"))
        await agent.plan(Prompt("weekly groceries"))
"""


def _kinds(tmp_path: Path) -> set[tuple[int, str]]:
    write_tree(
        tmp_path,
        {
            "shop/__init__.py": "",
            "shop/models.py": MODELS,
            "shop/llm.py": LLM,
            "shop/tasks.py": TASKS,
            "shop/agent.py": AGENT,
        },
    )
    graph = analysed_graph(tmp_path)
    return {(s.loc.line, str(s.site)) for s in graph.sites() if s.loc.path == "shop/agent.py"}


def test_agent_method_handing_a_record_to_a_task_is_no_wrapper(tmp_path: Path) -> None:
    kinds = _kinds(tmp_path)
    for name in ("def fail_task", "def find"):
        assert (line_of(AGENT, name), "wrapper") not in kinds
    for call in ("await agent.fail_task(", "await agent.find("):
        assert not any(line == line_of(AGENT, call) for line, _ in kinds)


def test_a_plain_prompt_object_stays_the_agents_prompt(tmp_path: Path) -> None:
    kinds = _kinds(tmp_path)
    assert (line_of(AGENT, "def plan"), "wrapper") in kinds
    assert (line_of(AGENT, "await agent.plan("), "wrapper-call") in kinds
