"""The Claude Agent SDK (``claude_agent_sdk``, formerly ``claude_code_sdk``): a ``ClaudeSDKClient`` opened with its
options (system prompt, allowed tools) runs an agent turn on each ``await client.query(prompt)``, and the module
function ``query(prompt=..., options=...)`` runs one agent session; each is a framework call handed the user's turn.
Reading the replies (``receive_response``), the options object and a ``query`` of another object are none."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, line_of, site_at, write_tree

_CLIENT = """
from claude_agent_sdk import AssistantMessage, ClaudeAgentOptions, ClaudeSDKClient, TextBlock


async def inspect_repo(question: str) -> str:
    options = ClaudeAgentOptions(
        allowed_tools=["Read", "Grep"],
        system_prompt="You answer questions about this repository by reading its source files.",
    )
    parts = []
    async with ClaudeSDKClient(options=options) as client:
        await client.query(question)
        async for message in client.receive_response():
            if isinstance(message, AssistantMessage):
                parts += [b.text for b in message.content if isinstance(b, TextBlock)]
    return "\\n".join(parts)
"""

_MODULE = """
import claude_code_sdk


async def fix_tests(path: str) -> list[str]:
    notes = []
    async for message in claude_code_sdk.query(prompt=f"Make the tests under {path} pass"):
        notes.append(str(message))
    return notes


def rows(index, text):
    return index.query(text)
"""


def test_claude_agent_sdk_turns_are_framework_calls(tmp_path: Path) -> None:
    write_tree(tmp_path, {"bot/__init__.py": "", "bot/research.py": _CLIENT, "bot/fixer.py": _MODULE})
    graph = analysed_graph(tmp_path)
    sent = site_at(graph, "bot/research.py", line_of(_CLIENT, "await client.query("))
    assert sent.site in (SiteKind.REQUEST, SiteKind.WRAPPER_CALL)
    run = site_at(graph, "bot/fixer.py", line_of(_MODULE, "claude_code_sdk.query("))
    assert run.site in (SiteKind.REQUEST, SiteKind.WRAPPER_CALL)
    found = {(s.loc.path, s.loc.line) for s in graph.sites()}
    assert ("bot/research.py", line_of(_CLIENT, "client.receive_response()")) not in found
    assert ("bot/research.py", line_of(_CLIENT, "ClaudeSDKClient(options")) not in found
    assert ("bot/fixer.py", line_of(_MODULE, "index.query(")) not in found
