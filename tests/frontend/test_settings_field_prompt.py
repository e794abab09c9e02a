"""A prompt template kept as a settings field's default (``citation_prompt: str = Field(default=citation_prompt,
description=...)`` in a pydantic settings class, the constant imported from a prompts module and holding an f-string
piece beside its literals) is the program's own text, as a plain ``citation_prompt: str = CITATION`` already was: a
method reading it off the settings object (``get_settings(settings).parsing.citation_prompt.format(text=...)``) writes
that prompt. The site's prompt holds the template text, so the method is no template-filling wrapper of its callers
(CALLSITES.md: task methods are no wrappers). A field whose default is no text (a number) gives no prompt text."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind
from tests.frontend.trees import analysed_graph, write_tree

_PROMPTS = """
    from datetime import datetime

    citation_prompt = (
        "Write the reference of the passage below in APA style. "
        "Leave out any sentence of introduction. "
        f"The current year is {datetime.now().year}.\\n\\n"
        "{text}\\n\\n"
        "Reference:"
    )
"""

_SETTINGS = """
    from pydantic import BaseModel, Field

    from prompts import citation_prompt


    class ParsingSettings(BaseModel):
        chunk_size: int = Field(default=3000, description="characters per chunk")
        citation_prompt: str = Field(
            default=citation_prompt,
            description="Prompt that writes a reference from the first chunk.",
        )


    class Settings(BaseModel):
        parsing: ParsingSettings = Field(default_factory=ParsingSettings)


    def get_settings(config=None) -> Settings:
        if isinstance(config, Settings):
            return config
        return Settings()
"""

_LIBRARY = """
    from openai import AsyncOpenAI

    from settings import Settings, get_settings


    class Library:
        def __init__(self):
            self.refs = {}

        async def add(self, path: str, settings: Settings | None = None, model: str = "gpt-4o-mini"):
            conf = get_settings(settings).parsing
            with open(path) as f:
                text = f.read()[: conf.chunk_size]
            out = await AsyncOpenAI().chat.completions.create(
                model=model, messages=[{"role": "user", "content": conf.citation_prompt.format(text=text)}]
            )
            self.refs[path] = out.choices[0].message.content
            return self.refs[path]
"""

_APP = """
    from library import Library
    from settings import Settings


    async def index(lib: Library, paths: list[str], settings: Settings):
        for p in paths:
            await lib.add(p, settings=settings)


    async def add_one(lib: Library, path: str):
        return await lib.add(path)
"""


def test_prompt_read_from_a_settings_field_default(tmp_path: Path) -> None:
    write_tree(tmp_path, {"prompts.py": _PROMPTS, "settings.py": _SETTINGS, "library.py": _LIBRARY, "app.py": _APP})
    graph = analysed_graph(tmp_path)
    sites = {(s.loc.path, s.loc.line): s for s in graph.sites()}
    request = sites[("library.py", 15)]
    assert request.site == SiteKind.REQUEST
    prompt = graph.prompt_of(request.id)
    assert prompt is not None
    text = " ".join(p.text for m in prompt.messages for p in m.parts if not p.hole)
    assert "reference of the passage below in APA style" in text, prompt
    assert "Reference:" in text, prompt
    assert ("library.py", 11) not in sites  # Library.add writes its prompt: no wrapper
    assert ("app.py", 8) not in sites and ("app.py", 12) not in sites  # its calls are no wrapper-calls
