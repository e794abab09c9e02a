"""A schema helper over a judge-model interface (``a_generate_with_schema(self, *args, schema=None)`` handing on to
``a_generate``) whose implementation rebuilds the request from the prompt through a helper (``payload =
self._body(prompt)`` then ``converse(messages=payload["messages"])``). Below the helper the messages then hold that
opaque payload and the schema the helper hands on, not the prompt parameter; what the caller hands as the prompt is
still what is sent, so the call site carries the caller's template."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, carried_text, line_of, write_tree

MODELS = """
    from abc import ABC, abstractmethod

    import boto3


    class Judge(ABC):
        @abstractmethod
        async def a_generate(self, *args, **kwargs):
            ...

        async def a_generate_with_schema(self, *args, schema=None, **kwargs):
            if schema is not None:
                try:
                    return await self.a_generate(*args, schema=schema, **kwargs)
                except TypeError:
                    pass
            return await self.a_generate(*args, **kwargs)


    class BedrockJudge(Judge):
        def __init__(self):
            self.client = boto3.client("bedrock-runtime")

        def _body(self, prompt: str) -> dict:
            return {"messages": [{"role": "user", "content": [{"text": prompt}]}], "inferenceConfig": {}}

        async def a_generate(self, prompt: str, schema=None):
            if not isinstance(prompt, str):
                prompt = str(prompt)
            payload = self._body(prompt)
            out = self.client.converse(modelId="m", messages=payload["messages"], inferenceConfig=payload["inferenceConfig"])
            return out["output"]["message"]["content"][0]["text"]
"""

HELPERS = """
    from pkg.models import Judge


    async def ask_with_schema(judge: Judge, prompt, schema_cls):
        result = await judge.a_generate_with_schema(
            prompt, schema=schema_cls
        )
        if isinstance(result, tuple):
            result = result[0]
        return result
"""

CHECK = """
    from pydantic import BaseModel

    from pkg.helpers import ask_with_schema

    VERDICTS = "For each claim answer yes or no: is it supported by the context? Return JSON with a 'verdicts' key.\\n{claims}"


    class Verdicts(BaseModel):
        verdicts: list[str]


    class ClaimCheck:
        def __init__(self, judge):
            self.judge = judge

        async def verdicts(self, claims: list) -> list:
            prompt = VERDICTS.format(claims=claims)
            return await ask_with_schema(self.judge, prompt, Verdicts)
"""


def test_prompt_handed_to_a_helper_over_a_payload_building_implementation(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {"pkg/__init__.py": "", "pkg/models.py": MODELS, "pkg/helpers.py": HELPERS, "pkg/check.py": CHECK},
    )
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): s for s in graph.sites()}
    site = found.get(("pkg/check.py", line_of(CHECK, "return await ask_with_schema(")))
    assert site is not None
    assert "is it supported by the context" in carried_text(graph, site)
