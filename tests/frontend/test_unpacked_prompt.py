"""A prompt a builder method hands back beside other values (``return prompt, user_msg``), unpacked by its caller
(``prompt, user_msg = self._build_prompt(state)``) and sent: the text in that place of the tuple reaches the site. The
template is a config model's field default (``Field(default=...)``), read through a getter. Small synthetic tree in
the shape of title-generation middlewares."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import Verdict
from slmc.passes.triage import triage_site

from .trees import analysed_graph as _graph
from .trees import analysis_of as _analysis
from .trees import carried_text as _text
from .trees import line_of as _line
from .trees import site_at as _site
from .trees import write_tree as _write

NAMER = """
    from langchain_openai import ChatOpenAI

    from chat.naming_config import get_naming_config


    class Namer:
        def __init__(self, naming=None):
            self._naming = naming

        def _config(self):
            if self._naming is not None:
                return self._naming
            return get_naming_config()

        def _build(self, state):
            config = self._config()
            user = state["first"]
            prompt = config.template.format(max_words=config.max_words, user=user[:500])
            return prompt, user

        async def name(self, state):
            config = self._config()
            prompt, user = self._build(state)
            model = ChatOpenAI(model=config.model_name)
            reply = await model.ainvoke(prompt)
            return reply.content

        async def echo(self, state):
            prompt, user = self._build(state)
            model = ChatOpenAI(model="gpt-4o-mini")
            reply = await model.ainvoke(user)
            return reply.content
"""

FILES = {
    "chat/naming_config.py": """
        from pydantic import BaseModel, Field


        class NamingConfig(BaseModel):
            max_words: int = Field(default=6, description="Longest name in words")
            model_name: str | None = Field(default=None, description="Model for naming")
            template: str = Field(
                default=(
                    "Give this conversation a short name (at most {max_words} words).\\nUser: {user}\\n\\n"
                    "Return ONLY the name, no quotes."
                ),
                description="Template for naming",
            )


        _naming = NamingConfig()


        def get_naming_config() -> NamingConfig:
            return _naming
    """,
    "chat/namer.py": NAMER,
}


def test_the_prompt_unpacked_from_a_builders_tuple_reaches_the_site(tmp_path: Path) -> None:
    _write(tmp_path, FILES)
    graph = _graph(tmp_path)
    site = _site(graph, "chat/namer.py", _line(NAMER, "reply = await model.ainvoke(prompt)"))
    assert "Return ONLY the name" in _text(graph, site)
    assert triage_site(graph, site).verdict == Verdict.NARROW
    other = _site(graph, "chat/namer.py", _line(NAMER, "reply = await model.ainvoke(user)"))
    assert "Return ONLY the name" not in _text(graph, other)


ENDPOINT = """
    import openai


    class Endpoint:
        def split_url(self):
            full = "https://models.example.org/api/v4/chat/completions"
            arr = full.split("/api/")
            return f"{arr[0]}/api", f"/{arr[1]}"

        def target(self):
            base, path = self.split_url()
            return path
"""


def test_a_url_unpacked_from_a_builders_tuple_is_no_text(tmp_path: Path) -> None:
    """The rule reads prompts (three words of static text or more), not a URL split out of another (``return base,
    f"/{path}"``). Failed before: the path's ``/`` hole was taken for the value of ``path``, so an SDK subclass's
    requests through it no longer reached a model endpoint (geekan/MetaGPT: its Zhipu provider lost 2 calls and 3
    wrappers)."""
    _write(tmp_path, {"endpoint.py": ENDPOINT})
    analysis = _analysis(tmp_path)
    scope = analysis.ev.scopes["endpoint:Endpoint.target"]
    (returned,) = scope.returns  # ``return path``
    assert analysis.ev.value(returned, scope) is None
