"""A runner class whose name says nothing of agents (``Chain.run``) but whose own loop sends the model, reads the tool
calls of each answer and runs them before going round again: a call of it runs an agent loop over tools (CALLSITES.md:
multi-step agent steps over an open tool set), whatever words the request holds and however the final answer is read
out of the last message. A one-shot method of the same class is no loop, nor is a retry loop reading the arguments of
one forced tool call."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import TOOL_LOOP, SiteKind, Verdict
from slmc.passes.triage import triage_site
from tests.frontend.trees import analysed_graph, line_of, site_at, write_tree

CHAIN = """
    import json

    from litellm import completion


    class Chain:
        def _next(self, agent, history):
            messages = [{"role": "system", "content": agent.instructions}] + history
            return completion(model=agent.model, messages=messages, tools=agent.tool_specs)

        def run(self, agent, messages, max_turns=20, execute_tools=True):
            history = list(messages)
            for _ in range(max_turns):
                reply = self._next(agent, history).choices[0].message
                history.append(reply)
                if not reply.tool_calls or not execute_tools:
                    break
                for call in reply.tool_calls:
                    result = agent.functions[call.function.name](**json.loads(call.function.arguments))
                    history.append({"role": "tool", "tool_call_id": call.id, "content": str(result)})
            return history

        def ask(self, agent, messages):
            return completion(model=agent.model, messages=messages).choices[0].message.content

        def extract(self, agent, messages):
            for _ in range(3):  # a retry loop reading one forced tool call: no tools run
                reply = completion(model=agent.model, messages=messages, tools=agent.tool_specs, tool_choice="required")
                calls = reply.choices[0].message.tool_calls
                if calls:
                    return json.loads(calls[0].function.arguments)
            return None
"""

CLI = """
    import re

    from kit.chain import Chain


    def console(agent):
        chain = Chain()
        while True:
            query = input("> ")
            history = chain.run(agent, [{"role": "user", "content": query}])
            found = re.findall(r"<answer>(.*?)</answer>", history[-1]["content"], re.DOTALL)
            print(found[0] if found else history[-1]["content"])


    def label(agent, text):
        return Chain().ask(agent, [{"role": "user", "content": text}])


    def fields(agent, text):
        return Chain().extract(agent, [{"role": "user", "content": text}])


    def picked_tool(agent, query):
        history = Chain().run(agent, [{"role": "user", "content": query}], execute_tools=False)
        return history[-1].tool_calls


    def first_turn(agent, query):
        return Chain().run(agent, [{"role": "user", "content": query}], max_turns=1)
"""


def _graph(tmp_path: Path):
    write_tree(tmp_path, {"kit/__init__.py": "", "kit/chain.py": CHAIN, "kit/cli.py": CLI})
    return analysed_graph(tmp_path)


def test_the_loop_running_tool_calls_is_marked(tmp_path: Path) -> None:
    graph = _graph(tmp_path)
    run = site_at(graph, "kit/chain.py", line_of(CHAIN, "def run("))
    assert run.site == SiteKind.WRAPPER and TOOL_LOOP in run.consumers
    for name in ("def ask(", "def extract("):
        assert TOOL_LOOP not in site_at(graph, "kit/chain.py", line_of(CHAIN, name)).consumers


def test_a_call_of_the_loop_is_an_open_agent_run_despite_the_regex_read(tmp_path: Path) -> None:
    graph = _graph(tmp_path)
    call = site_at(graph, "kit/cli.py", line_of(CLI, "chain.run(agent"))
    t = triage_site(graph, call)
    assert any("an agent loop over tools" in r for r in t.reasons), t
    assert not any("regex" in r for r in t.reasons), t
    assert t.verdict == Verdict.OPEN_ENDED, t


def test_a_call_that_turns_the_loop_off_is_one_step(tmp_path: Path) -> None:
    """``run(..., execute_tools=False)`` / ``run(..., max_turns=1)``: the loop's first answer comes back with its tool
    calls unrun (a routing eval reading which tool the model picks): one model step, read by its prompt, no loop."""
    graph = _graph(tmp_path)
    for text in ("execute_tools=False)", "max_turns=1)"):
        t = triage_site(graph, site_at(graph, "kit/cli.py", line_of(CLI, text)))
        assert not any("agent loop" in r for r in t.reasons), (text, t)
