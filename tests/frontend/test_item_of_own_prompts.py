"""A batch task function that writes one prompt of its own per document (``prompts = [TEMPLATE.format(text=d) for d
in docs]``, the template picked by a flag or by whether types were given) and sends each through a comprehension
(``[model.complete_async(messages=builder.add_user_message(p).build()) for p in prompts]``) beside a system message its
caller hands in (a persona) writes its task around its data: no wrapper, the call of it no wrapper-call; the call in
the comprehension is the prompt site."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .test_default_template_param import _LLM
from .trees import analysed_graph, line_of, site_at, write_tree

_PROMPTS = '''
    TYPED = """Find every entity of the types {kinds} in the passage below and write each one as a tuple
    (name, kind, summary), one per line, in {language}. Passage: {passage}"""
    TYPED_JSON = """Find every entity of the types {kinds} in the passage below and write them as a JSON list of
    objects with the keys name, kind and summary, in {language}. Passage: {passage}"""
    UNTYPED = """Find every entity in the passage below and write each one as a tuple (name, kind, summary), one
    per line, in {language}. Passage: {passage}"""
'''

_SAMPLES = """
    import asyncio

    from .llm import Completion, MessagesBuilder
    from .prompts import TYPED, TYPED_JSON, UNTYPED


    async def sample_extractions(model: Completion, persona: str, kinds, passages, language: str, as_json: bool = False):
        passage_list = [passages] if isinstance(passages, str) else passages
        builder = MessagesBuilder().add_system_message(persona)
        if kinds:
            joined = kinds if isinstance(kinds, str) else ", ".join(kinds)
            prompts = [
                (TYPED_JSON if as_json else TYPED).format(kinds=joined, passage=p, language=language)
                for p in passage_list
            ]
        else:
            prompts = [UNTYPED.format(passage=p, language=language) for p in passage_list]
        prompts = prompts[:4]
        pending = [
            model.complete_async(messages=builder.add_user_message(text).build(), response_format_json_object=as_json)
            for text in prompts
        ]
        return await asyncio.gather(*pending)
"""

_MAIN = """
    import asyncio

    from .llm import LiteCompletion
    from .samples import sample_extractions


    def run(passages):
        model = LiteCompletion("gpt-4o-mini")
        return asyncio.run(sample_extractions(model, "You are a careful analyst.", "person, place", passages, "English"))
"""


def test_one_prompt_of_its_own_per_item_is_a_task(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/llm.py": _LLM,
            "app/prompts.py": _PROMPTS,
            "app/samples.py": _SAMPLES,
            "app/main.py": _MAIN,
        },
    )
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line) for s in graph.sites()}
    assert ("app/samples.py", line_of(_SAMPLES, "async def sample_extractions")) not in found  # a task function
    assert ("app/main.py", line_of(_MAIN, "sample_extractions(model")) not in found
    site = site_at(graph, "app/samples.py", line_of(_SAMPLES, "model.complete_async("))
    assert site.site == SiteKind.WRAPPER_CALL
