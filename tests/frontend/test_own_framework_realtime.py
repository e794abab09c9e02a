"""pydantic-ai analysed in its own repository: the examples open a realtime session from the tree's own classes
(``agent.realtime(model).session()``, or a ``RealtimeSession`` handed in typed as one) and its sends carry the caller's
turns to the model, as they do for the installed framework (the catalog knows the session class by its public name);
the session's other methods and the class's non-catalog methods give no site."""

from __future__ import annotations

from pathlib import Path

from .trees import analysed_graph, line_of, write_tree

_EXAMPLES_VOICE = """
    from pydantic_ai import Agent
    from pydantic_ai.realtime import RealtimeSession

    agent = Agent("openai:gpt-4o", instructions="You are a short-spoken phone concierge.")


    async def talk(turn: str) -> None:
        async with agent.realtime("openai:gpt-realtime").session() as session:
            await session.send(turn)


    async def pump(session: RealtimeSession, chunk: bytes) -> None:
        await session.send_audio(chunk)


    def ask(q: str):
        return agent.run_sync(q)
"""

_PYDANTIC_AI_INIT = """
    from .agent import Agent

    __all__ = ["Agent"]
"""

_PYDANTIC_AI_AGENT = """
    from __future__ import annotations

    from .realtime import RealtimeAgent


    class Agent:
        def __init__(self, model: str = "", instructions: str = "") -> None:
            self.model = model
            self.instructions = instructions

        def run_sync(self, user_prompt: str):
            return {"prompt": user_prompt}

        def realtime(self, model: str) -> RealtimeAgent:
            return RealtimeAgent(self, model)
"""

_PYDANTIC_AI_REALTIME_INIT = """
    from ._session import RealtimeAgent, RealtimeSession

    __all__ = ["RealtimeAgent", "RealtimeSession"]
"""

_PYDANTIC_AI_REALTIME__SESSION = """
    from __future__ import annotations


    class RealtimeSession:
        def __init__(self, agent, model: str) -> None:
            self.agent = agent
            self.model = model
            self.sent: list = []

        async def __aenter__(self) -> RealtimeSession:
            return self

        async def __aexit__(self, *exc) -> None:
            return None

        async def send(self, content) -> None:
            self.sent.append(content)

        async def send_audio(self, data: bytes) -> None:
            self.sent.append(data)


    class RealtimeAgent:
        def __init__(self, agent, model: str) -> None:
            self.agent = agent
            self.model = model

        def session(self) -> RealtimeSession:
            return RealtimeSession(self.agent, self.model)

        async def answer_webrtc_offer(self, sdp: str) -> str:
            return sdp
"""


def test_own_framework_realtime_sends_are_model_calls(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "examples/voice.py": _EXAMPLES_VOICE,
            "pydantic_ai/__init__.py": _PYDANTIC_AI_INIT,
            "pydantic_ai/agent.py": _PYDANTIC_AI_AGENT,
            "pydantic_ai/realtime/__init__.py": _PYDANTIC_AI_REALTIME_INIT,
            "pydantic_ai/realtime/_session.py": _PYDANTIC_AI_REALTIME__SESSION,
        },
    )
    found = {s.loc.line: s for s in analysed_graph(tmp_path).sites() if s.loc.path == "examples/voice.py"}
    for text in ("await session.send(turn)", "await session.send_audio(chunk)"):
        site = found.get(line_of(_EXAMPLES_VOICE, text))
        assert site is not None and site.client == "pydantic-ai", (text, sorted(found))
    assert line_of(_EXAMPLES_VOICE, "agent.realtime(") not in found
