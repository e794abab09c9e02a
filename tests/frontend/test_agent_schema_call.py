"""An agent loop entered with a schema its answer must fit (``await helper.run(msg, structured_model=Pick)``, or a
pydantic model of the tree under any keyword): the call's answer is that record, not the loop's free reply. A schema
with a closed field (``Literal[...]``) makes the call a pick among those values; a record of free text fields is a
fixed schema holding open content (a judgement call); the same loop entered with no schema stays an open agent turn."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, wrapper_call_in, write_tree
from slmc.ir import AgentGraph, Verdict
from slmc.passes.triage import triage_site

AGENT = """
    from typing import Literal

    from openai import AsyncOpenAI
    from pydantic import BaseModel

    client = AsyncOpenAI()


    class Colour(BaseModel):
        colour: Literal["red", "green", "blue"]


    class Biography(BaseModel):
        name: str
        story: str


    class HelperAgent:
        def __init__(self, tools):
            self.tools = tools

        async def run(self, msg, structured_model=None, reply_shape=None):
            messages = [{"role": "system", "content": "You are a helper."}, {"role": "user", "content": msg}]
            reply = await client.chat.completions.create(model="gpt-4o", messages=messages, tools=self.tools)
            return reply


    helper = HelperAgent(tools=[])


    async def pick_colour():
        answer = await helper.run("Which colour suits a fire truck?", structured_model=Colour)
        print(answer)


    async def write_bio():
        return await helper.run("Tell me about a famous painter.", structured_model=Biography)


    async def pick_shaped():
        return await helper.run("Which colour is the sky at noon?", reply_shape=Colour)


    async def free_turn():
        answer = await helper.run("Plan my holiday.")
        print(answer)


    async def forward_turn(text, structured_model=None):
        return await helper.run(text, structured_model=structured_model)
"""


def _graph(root: Path) -> AgentGraph:
    write_tree(root, {"agent.py": AGENT})
    return analysed_graph(root)


def test_the_schema_handed_to_the_loop_reaches_the_call(tmp_path: Path) -> None:
    graph = _graph(tmp_path)
    pick = wrapper_call_in(graph, "pick_colour")
    assert pick.output_schema == "Colour"
    assert pick.labels == ("red", "green", "blue")
    assert wrapper_call_in(graph, "free_turn").output_schema is None
    # any keyword naming a pydantic model of the tree is the answer's schema, whatever the wrapper calls it
    assert wrapper_call_in(graph, "pick_shaped").output_schema == "Colour"
    # the caller's own parameter handed on names no schema of its own
    assert wrapper_call_in(graph, "forward_turn").output_schema is None


def test_a_closed_schema_makes_the_agent_call_a_pick(tmp_path: Path) -> None:
    graph = _graph(tmp_path)
    pick = triage_site(graph, wrapper_call_in(graph, "pick_colour"))
    assert pick.verdict == Verdict.NARROW, pick


def test_a_record_of_free_text_is_a_judgement_call_and_no_schema_stays_open(tmp_path: Path) -> None:
    graph = _graph(tmp_path)
    bio = triage_site(graph, wrapper_call_in(graph, "write_bio"))
    assert bio.verdict == Verdict.UNCLEAR, bio
    free = triage_site(graph, wrapper_call_in(graph, "free_turn"))
    assert free.verdict == Verdict.OPEN_ENDED, free
