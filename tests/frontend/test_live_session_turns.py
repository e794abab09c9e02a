"""A turn sent into a live (realtime voice) session is a turn of a conversation with a person: what the caller says
or speaks goes in, the model answers in the session's event stream (the send's own return value is dropped). Such a
send is no warm-up ping however little of its argument the frontend reads: open-ended, as a chat UI's turn is."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import Verdict
from slmc.passes.triage import multi_task_wrappers, triage_site

from .trees import analysed_graph, line_of, write_tree

_REALTIME_DEMO = """
    from pydantic_ai import Agent
    from pydantic_ai.realtime import RealtimeSession

    helpdesk = Agent("openai:gpt-4o-mini", instructions="You answer callers of the printer helpline.")

    LINES = ["My printer jams on every page.", "It is the tray two one."]


    async def call_in(lines: list[str]) -> None:
        async with helpdesk.realtime("openai:gpt-realtime").session() as live:
            spoken = iter(lines)
            await live.send(next(spoken))
            async for event in live:
                nxt = next(spoken, None)
                if nxt is None:
                    break
                await live.send(nxt)


    async def pump(live: RealtimeSession, queue) -> None:
        while True:
            await live.send_audio(await queue.get())
"""

_GEMINI_LIVE_DEMO = """
    from google import genai

    client = genai.Client()


    async def talk(words: str) -> None:
        async with client.aio.live.connect(model="gemini-live-2.5-flash", config={"response_modalities": ["TEXT"]}) as s:
            await s.send_client_content(turns={"role": "user", "parts": [{"text": words}]})
            async for msg in s.receive():
                print(msg.text)
"""


def _triaged(root: Path, path: str) -> dict[int, tuple[object, object]]:
    graph = analysed_graph(root)
    multi = multi_task_wrappers(graph)
    return {s.loc.line: (s, triage_site(graph, s, multi)) for s in graph.sites() if s.loc.path == path}


def test_turns_sent_into_a_realtime_session_are_a_conversation(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/__init__.py": "", "app/voice.py": _REALTIME_DEMO})
    found = _triaged(tmp_path, "app/voice.py")
    for needle in ("live.send(next(", "live.send(nxt)", "live.send_audio("):
        got = found.get(line_of(_REALTIME_DEMO, needle))
        assert got is not None, (needle, sorted(found))
        _site, triage = got
        assert triage.verdict == Verdict.OPEN_ENDED, (needle, triage)
        assert not any("warm-up" in r for r in triage.reasons), triage


def test_a_gemini_live_session_turn_is_a_conversation(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/__init__.py": "", "app/live.py": _GEMINI_LIVE_DEMO})
    found = _triaged(tmp_path, "app/live.py")
    got = found.get(line_of(_GEMINI_LIVE_DEMO, "s.send_client_content("))
    assert got is not None, sorted(found)
    _site, triage = got
    assert triage.verdict == Verdict.OPEN_ENDED, triage
