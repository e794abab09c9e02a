"""A function declared to return an agent is its maker, no calling API: its callers get an object to run. One that
also runs the agent it returns on the task its caller hands it (a console chat helper) is used to reach the model
with that task: a wrapper, and its caller's call of it a wrapper-call. A maker that only has the model write the new
agent's instructions stays a maker."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, line_of, write_tree

_AGENT = """
    from openai import OpenAI


    class Helper:
        def __init__(self, name, instructions="You are a helpful assistant."):
            self.name = name
            self.instructions = instructions
            self.client = OpenAI()

        def run(self, task):
            reply = self.client.chat.completions.create(
                model="gpt-4o",
                messages=[{"role": "system", "content": self.instructions}, {"role": "user", "content": task}],
            )
            return reply.choices[0].message.content
"""

_MAKERS = """
    from .agent import Helper


    def console_helper(name: str, task: str | None = None) -> Helper:
        helper = Helper(name)
        while task:
            print(helper.run(task=task))
            task = input("> ")
        return helper


    def expert_for(topic: str) -> Helper:
        writer = Helper("writer")
        instructions = writer.run(task="Write three sentences of instructions for an expert on this topic: " + topic)
        return Helper("expert", instructions)
"""

_CLI = """
    from .makers import console_helper, expert_for


    def main():
        console_helper("cli", task=input("> "))
        print(expert_for("tides").run("When is high tide in Brest?"))
"""


def test_maker_running_the_agent_on_its_callers_task_is_a_wrapper(tmp_path: Path) -> None:
    write_tree(tmp_path, {"crew/agent.py": _AGENT, "crew/makers.py": _MAKERS, "crew/cli.py": _CLI})
    found = {(s.loc.path, s.loc.line): str(s.site) for s in analysed_graph(tmp_path).sites()}
    assert found[("crew/makers.py", line_of(_MAKERS, "def console_helper"))] == SiteKind.WRAPPER
    assert found[("crew/cli.py", line_of(_CLI, 'console_helper("cli"'))] == SiteKind.WRAPPER_CALL
    # the maker having the model write the new agent's instructions: no API, its model call is the site
    assert ("crew/makers.py", line_of(_MAKERS, "def expert_for")) not in found
    assert ("crew/cli.py", line_of(_CLI, 'expert_for("tides")')) in found  # the new agent's run
    assert found[("crew/makers.py", line_of(_MAKERS, "instructions = writer.run("))] == SiteKind.WRAPPER_CALL
