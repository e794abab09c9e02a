"""A prompt read from a settings object the caller hands in (``prompt=settings.prompt`` with ``settings: Settings`` and
the class declaring a default text) is the caller's prompt, not text the function writes: the function still forwards
its caller's messages, so it is a wrapper and the calls of it are wrapper-calls. Text a function reads from its own
module stays its own."""

from __future__ import annotations

from pathlib import Path

from .trees import analysed_graph, write_tree

FILES = {
    "settings.py": """
        from pydantic import BaseModel

        DEFAULT = "Condense the dialogue into: aims, decisions, open questions."


        class Settings(BaseModel):
            mode: str = "all"
            prompt: str = DEFAULT
    """,
    "digest.py": """
        from openai import AsyncOpenAI

        from settings import Settings

        client = AsyncOpenAI()
        OWN = "List every person named in the dialogue, one per line."


        async def condense(messages, prompt):
            text = "\\n".join(m["content"] for m in messages)
            out = await client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "system", "content": prompt}, {"role": "user", "content": text}]
            )
            return out.choices[0].message.content


        async def condense_all(settings: Settings, history):
            return await condense(history[1:], prompt=settings.prompt)


        async def names(history):
            return await condense(history, prompt=OWN)
    """,
    "loop.py": """
        from digest import condense_all, names


        async def compact(settings, history):
            return await condense_all(settings, history)


        async def people(history):
            return await names(history)
    """,
}


def test_prompt_from_a_handed_in_settings_object_is_forwarded(tmp_path: Path) -> None:
    write_tree(tmp_path, FILES)
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line, str(s.site)) for s in graph.sites()}
    assert ("digest.py", 18, "wrapper") in found  # condense_all forwards the history and the caller's settings
    assert ("loop.py", 6, "wrapper-call") in found
    # names() writes its own instruction (a module constant): its call of condense is the site, it is no wrapper
    assert ("digest.py", 23, "wrapper-call") in found
    assert ("digest.py", 22, "wrapper") not in found
