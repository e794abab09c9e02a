"""A batched task: an extractor's ``extract_all`` runs one request per passage, and a local-engine subclass overrides
it to send the whole batch at once, building the batch as ``[entity_prompt(p) for p in passages]`` with a prompt
builder of the tree that writes the instruction. The override writes its task prompt per item, so it fills no
caller's template and forwards no caller's prompt: neither it nor the base it overrides is a calling API, and the
pipeline's call of ``extract_all`` is no wrapper-call. The look-alike batch override wraps each of its caller's own
texts as a user message (``[[{"role": "user", "content": t}] for t in texts]``): it forwards them, a wrapper."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import line_of, sites_in, write_tree

WRAPPER = str(SiteKind.WRAPPER)
CALL = str(SiteKind.WRAPPER_CALL)

ENGINES = """
    import openai


    class Remote:
        def __init__(self, model):
            self.model = model
            self.client = openai.OpenAI()

        def infer(self, messages):
            out = self.client.chat.completions.create(model=self.model, messages=messages)
            return out.choices[0].message.content


    class Local:
        def __init__(self, model):
            self.model = model
            self.client = openai.OpenAI(base_url="http://localhost:8000/v1", api_key="none")

        def batch_infer(self, messages_list):
            prompts = ["\\n".join(m["content"] for m in messages) for messages in messages_list]
            out = self.client.completions.create(model=self.model, prompt=prompts)
            return [choice.text for choice in out.choices]
"""

EXTRACT = """
    from engines import Local, Remote


    def entity_prompt(passage):
        return [
            {"role": "system", "content": "List every person, place and organisation named in the passage as JSON."},
            {"role": "user", "content": passage},
        ]


    class Extractor:
        def __init__(self, llm: Remote):
            self.llm = llm

        def extract(self, passage):
            return self.llm.infer(messages=entity_prompt(passage))

        def extract_all(self, passages):
            return [self.extract(p) for p in passages]


    class LocalExtractor(Extractor):
        def __init__(self, llm: Local):
            self.local = llm

        def extract_all(self, passages):
            batch = [entity_prompt(p) for p in passages]
            return self.local.batch_infer(batch)
"""

PIPELINE = """
    from engines import Local
    from extract import Extractor


    def replay(llm: Local, saved):
        return llm.batch_infer(saved)


    def index(extractor: Extractor, passages):
        found = extractor.extract_all(passages)
        return {p: f for p, f in zip(passages, found)}


    def index_again(extractor: Extractor, passages):
        return extractor.extract_all(passages)
"""

FORWARDING = """

    class PassThrough(Extractor):
        def __init__(self, llm: Local):
            self.local = llm

        def extract_all(self, texts):
            batch = [[{"role": "user", "content": t}] for t in texts]
            return self.local.batch_infer(batch)
"""


def test_batch_override_writing_its_prompts_is_no_wrapper(tmp_path: Path) -> None:
    write_tree(tmp_path, {"engines.py": ENGINES, "extract.py": EXTRACT, "pipeline.py": PIPELINE})
    extract = sites_in(tmp_path, "extract.py")
    assert (line_of(EXTRACT, "return self.llm.infer(messages="), CALL) in extract
    assert (line_of(EXTRACT, "return self.local.batch_infer(batch)"), CALL) in extract
    assert not {s for s in extract if s[1] == WRAPPER}, extract
    pipeline = sites_in(tmp_path, "pipeline.py")
    assert pipeline == {(line_of(PIPELINE, "return llm.batch_infer(saved)"), CALL)}


def test_batch_override_wrapping_its_callers_texts_is_a_wrapper(tmp_path: Path) -> None:
    write_tree(tmp_path, {"engines.py": ENGINES, "extract.py": EXTRACT + FORWARDING, "pipeline.py": PIPELINE})
    source = EXTRACT + FORWARDING
    extract = sites_in(tmp_path, "extract.py")
    assert (line_of(source, "def extract_all(self, texts):"), WRAPPER) in extract
