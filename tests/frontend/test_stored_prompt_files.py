"""A prompt fetched from a store by name (``get_payload(system_prompt_name=..., task_prompt_name=cfg.summary_prompt)``,
``get_prompt(prompt_name="expand")``) whose store is filled at run time from the tree's prompt files: the file the
name picks (``prompts/<name>.yaml``, its ``template`` entry) is the call's text, the name a literal or a settings field
declared with one default. Code and prompts written for this test."""

from __future__ import annotations

from pathlib import Path

from slmc.frontend import analyze_paths

SETTINGS = """
from pydantic import BaseModel, Field


class DigestSettings(BaseModel):
    digest_prompt: str = Field(default="digest_task", description="which stored prompt digests a page")
    persona_prompt: str = "persona"
"""

SERVICE = """
from openai import AsyncOpenAI

from app.settings import DigestSettings

client = AsyncOpenAI()


class Service:
    def __init__(self, store, settings):
        self.store = store
        self.settings = settings

    async def digest(self, page):
        messages = await self.store.payload(
            system_prompt_name=self.settings.persona_prompt,
            task_prompt_name=self.settings.digest_prompt,
            task_inputs={"page": page},
        )
        return await client.chat.completions.create(model="m", messages=messages)

    async def expand(self, query):
        text = await self.store.get_prompt(prompt_name="expand_query", inputs={"query": query})
        return await client.chat.completions.create(model="m", messages=[{"role": "system", "content": text}])


DEFAULT_SETTINGS = DigestSettings()
"""

PROMPTS = {
    "digest_task.yaml": "digest_task:\n  template: >\n    Condense the page below into three bullet points.\n\n    {page}\n",
    "persona.yaml": "persona:\n  template: You are a careful note taker.\n",
    "expand_query.yaml": "expand_query:\n  template: Rewrite the search query {query} as two shorter keyword queries.\n",
}


def _tree(root: Path) -> None:
    (root / "app").mkdir()
    (root / "app" / "settings.py").write_text(SETTINGS)
    (root / "app" / "service.py").write_text(SERVICE)
    (root / "app" / "prompts").mkdir()
    for name, text in PROMPTS.items():
        (root / "app" / "prompts" / name).write_text(text)


def _texts(graph, line: int) -> list[tuple[str, str]]:
    site = next(s for s in graph.sites() if s.loc.line == line)
    prompt = graph.prompt_of(site.id)
    assert prompt is not None
    return [(m.role, m.static_text()) for m in prompt.messages]


def test_named_prompt_files_are_the_fetched_messages(tmp_path: Path) -> None:
    _tree(tmp_path)
    graph, _ = analyze_paths([tmp_path], root=tmp_path)
    texts = _texts(graph, 20)
    assert ("system", "You are a careful note taker.") in [(r, t.strip()) for r, t in texts]
    assert any(r == "user" and "three bullet points" in t for r, t in texts)


def test_a_literal_prompt_name_fetched_into_a_variable_is_its_file(tmp_path: Path) -> None:
    _tree(tmp_path)
    graph, _ = analyze_paths([tmp_path], root=tmp_path)
    assert any("two shorter keyword queries" in t for _r, t in _texts(graph, 24))


def test_a_name_no_prompt_file_holds_stays_unread(tmp_path: Path) -> None:
    _tree(tmp_path)
    (tmp_path / "app" / "prompts" / "expand_query.yaml").unlink()
    graph, _ = analyze_paths([tmp_path], root=tmp_path)
    assert not any("keyword queries" in t for _r, t in _texts(graph, 24))
