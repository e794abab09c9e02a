"""A task function handed the conversation (and the runner) by its caller that appends a turn it writes itself
(``messages.append({"role": "user", "content": f"Write ... {listing}"})``) before it runs the agent on that list:
the appended instruction is the function's own prompt, so the function is no wrapper (its callers make no
wrapper-calls) and the run's prompt carries the instruction it wrote (CALLSITES.md granularity, task methods)."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind
from tests.frontend.trees import analysed_graph, carried_text, line_of, site_at, write_tree

RUNNER = """
    from litellm import completion


    class Runner:
        def step(self, agent, history):
            messages = [{"role": "system", "content": agent.instructions}] + history
            return completion(model=agent.model, messages=messages)

        def run(self, agent, messages, ctx=None, debug=False):
            history = list(messages)
            while True:
                reply = self.step(agent, history)
                history.append(reply.choices[0].message)
                if not reply.choices[0].message.tool_calls:
                    return history
"""

FLOWS = """
    from crew.runner import Runner


    def drafting(writer, client, messages, ctx, needs, debug):
        messages.append({"role": "user", "content": needs + "\\nAnswer with the outline only, as numbered lines."})
        out = client.run(writer, messages, ctx, debug=debug)
        text = out[-1]["content"]
        for _ in range(3):
            if text.startswith("1."):
                break
            messages.append({"role": "user", "content": f"That was no outline: {text}. Give numbered lines only."})
            out = client.run(writer, messages, ctx, debug=debug)
            text = out[-1]["content"]
        return text, messages


    def building(builder, client, messages, ctx, items, debug):
        listing = "\\n".join(items)
        messages.append({"role": "user", "content": f"Write the complete source code of every module, then test it:\\n{listing}"})
        out = client.run(builder, messages, ctx, debug=debug)
        return out[-1]["content"], messages


    def relay(agent, client, messages, ctx):
        return client.run(agent, messages, ctx)


    def retrying(agent, client, messages, ctx):
        out = client.run(agent, messages, ctx)
        if "done" not in out[-1]["content"]:
            messages.append({"role": "user", "content": "It is not finished yet; try again another way, with your tools."})
            out = client.run(agent, messages, ctx)
        return out


    def session(writer, builder, needs, items):
        client = Runner()
        messages = []
        text, messages = drafting(writer, client, messages, {}, needs, False)
        code, messages = building(builder, client, messages, {}, items, False)
        messages.append({"role": "user", "content": needs})
        retrying(writer, client, messages, {})
        return relay(builder, client, messages, {})
"""


def _tree(tmp_path: Path):
    write_tree(tmp_path, {"crew/__init__.py": "", "crew/runner.py": RUNNER, "crew/flows.py": FLOWS})
    return analysed_graph(tmp_path)


def test_task_function_appending_its_own_turn_is_no_wrapper(tmp_path: Path) -> None:
    graph = _tree(tmp_path)
    kinds = {(s.loc.line, s.site) for s in graph.sites() if s.loc.path == "crew/flows.py"}
    for name in ("def drafting", "def building"):
        assert (line_of(FLOWS, name), SiteKind.WRAPPER) not in kinds
    for call in ("= drafting(", "= building("):
        assert not any(line == line_of(FLOWS, call) for line, _ in kinds)


def test_run_carries_the_appended_instruction(tmp_path: Path) -> None:
    graph = _tree(tmp_path)
    site = site_at(graph, "crew/flows.py", line_of(FLOWS, "out = client.run(builder"))
    assert site.site == SiteKind.WRAPPER_CALL
    assert "Write the complete source code of every module" in carried_text(graph, site)
    first = site_at(graph, "crew/flows.py", line_of(FLOWS, "out = client.run(writer"))
    assert "Answer with the outline only" in carried_text(graph, first)


def test_a_pure_relay_of_the_handed_history_stays_a_wrapper(tmp_path: Path) -> None:
    graph = _tree(tmp_path)
    # a retry note appended only after the first try: that first call sends the caller's list as it was handed
    assert site_at(graph, "crew/flows.py", line_of(FLOWS, "def retrying")).site == SiteKind.WRAPPER
    assert site_at(graph, "crew/flows.py", line_of(FLOWS, "retrying(writer")).site == SiteKind.WRAPPER_CALL
    assert site_at(graph, "crew/flows.py", line_of(FLOWS, "def relay")).site == SiteKind.WRAPPER
    assert site_at(graph, "crew/flows.py", line_of(FLOWS, "return relay(")).site == SiteKind.WRAPPER_CALL
