"""A tool loop that appends a wrap-up nudge of its own only on the last permitted step (``if step == max_steps - 1:
messages.append({"role": "user", "content": WRAP_UP})``) still forwards the conversation its caller handed in: on every
other step it sends that list as it is, so the nudge makes no task of the loop's own. The loop is its class's calling
API (a wrapper other code calls), and the inner helper holding the request, called only in the loop's class body, is
an internal step (bench/corpus/README.md). An own turn appended on every step (no step condition) is still a task the
function writes."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, write_tree

_CLIENT = """
    import json
    from openai import OpenAI

    WRAP_UP = "You have used every step you may take. Stop calling tools and give your final answer now."


    class ToolClient:
        def __init__(self):
            self.sync = OpenAI()

        def create_completion(self, messages, model="gpt-4o-mini", tools=None, **kwargs):
            return self.sync.chat.completions.create(model=model, messages=messages, tools=tools, **kwargs)

        def chat_with_tools(self, messages, model="gpt-4o-mini", tools=None, run_tool=None, max_steps=5):
            messages = list(messages)
            step = 0
            while step < max_steps:
                if step == max_steps - 1:
                    messages.append({"role": "user", "content": WRAP_UP})
                reply = self.create_completion(messages=messages, model=model, tools=tools)
                calls = reply.choices[0].message.tool_calls
                if not calls:
                    return reply
                messages.append({"role": "assistant", "content": reply.choices[0].message.content})
                for call in calls:
                    out = run_tool(call.function.name, json.loads(call.function.arguments))
                    messages.append({"role": "tool", "tool_call_id": call.id, "content": str(out)})
                step += 1
            return None
"""

_ADAPTER = """
    from .client import ToolClient


    class Adapter:
        def __init__(self, client: "ToolClient"):
            self.client = client

        def complete(self, messages, **kwargs):
            return self.client.chat_with_tools(messages=messages, **kwargs)
"""

_USER = """
    from lib.adapter import Adapter
    from lib.client import ToolClient


    def ask(question):
        return Adapter(ToolClient()).complete([{"role": "user", "content": question}])
"""


def test_last_step_wrap_up_nudge_keeps_the_tool_loop_a_forwarding_wrapper(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {"lib/__init__.py": "", "lib/client.py": _CLIENT, "lib/adapter.py": _ADAPTER, "app.py": _USER},
    )
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): s.site for s in graph.sites()}
    assert found.get(("lib/client.py", 15)) == SiteKind.WRAPPER  # chat_with_tools: the adapter's calling API
    assert ("lib/client.py", 12) not in found  # create_completion: an internal step of the loop
    assert found.get(("lib/client.py", 13)) == SiteKind.REQUEST
    assert ("lib/client.py", 21) not in found  # the loop's call of its internal step
    assert found.get(("lib/adapter.py", 9)) == SiteKind.WRAPPER
    assert found.get(("lib/adapter.py", 10)) == SiteKind.WRAPPER_CALL
    assert found.get(("app.py", 7)) == SiteKind.WRAPPER_CALL


def test_own_turn_appended_on_every_step_is_still_a_task_of_the_function(tmp_path: Path) -> None:
    every_step = _CLIENT.replace("                if step == max_steps - 1:\n    ", "")
    write_tree(
        tmp_path,
        {"lib/__init__.py": "", "lib/client.py": every_step, "lib/adapter.py": _ADAPTER, "app.py": _USER},
    )
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): s.site for s in graph.sites()}
    assert ("lib/client.py", 15) not in found  # it writes the turn it sends on every step: no forwarding wrapper
