"""A prompt object built once with template texts (``PromptTemplate(cfg, "", CHECK_TEMPLATE)``, kept in an
attribute or a local) whose method fills those templates later (``self.user_prompt.format(**params)``) and hands the
result on through a helper that may cut it to a token budget: the prompt sent is the templates that construction
gave, their slots holes. The triage reads that text (a True/False check, a pick of two passages) instead of no
text at all."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import Verdict
from slmc.passes.triage import multi_task_wrappers, triage_site

from .trees import analysed_graph, carried_text, line_of, write_tree

_HOLDER = """
    class Template:
        system_default = "Answer the question from the documents below.\\n\\n{reference}"
        user_default = "Question: {question}"

        def __init__(self, cfg, system_prompt="", user_prompt="", budget=4096):
            self.cfg = cfg
            if not system_prompt and not user_prompt:
                system_prompt, user_prompt = self.system_default, self.user_default
            self.system_prompt = system_prompt
            self.user_prompt = user_prompt
            self.budget = budget

        def cut(self, prompt):
            ids = self.cfg.tokenizer.encode(prompt)
            if len(ids) > self.budget:
                half = self.budget // 2
                prompt = self.cfg.tokenizer.decode(ids[:half]) + self.cfg.tokenizer.decode(ids[-half:])
            return prompt

        def fill(self, question=None, reference="", **params):
            slots = {"question": question, "reference": reference}
            slots.update(params)
            system = self.system_prompt.format(**slots)
            user = self.user_prompt.format(**slots)
            text = "\\n\\n".join(p for p in [system, user] if p)
            return self.cut(text)
"""

_PIPELINE = """
    from openai import OpenAI

    from rag.template import Template


    class Engine:
        def __init__(self, model: str) -> None:
            self.model = model
            self.client = OpenAI()

        def generate(self, prompt: str) -> str:
            got = self.client.completions.create(model=self.model, prompt=prompt, max_tokens=256)
            return got.choices[0].text


    class Checker:
        def __init__(self, cfg, engine: Engine) -> None:
            self.engine = engine
            check = (
                "Claim: {claim}\\n"
                "Evidence: {evidence}\\n"
                "Does the evidence support the claim? Choices: [True,False].\\n"
                "Answer:"
            )
            self.check_template = Template(cfg, "", check)

        def verify(self, claims: list[str], evidence: str) -> list[bool]:
            verdicts = []
            for claim in claims:
                prompt = self.check_template.fill(claim=claim, evidence=evidence)
                verdicts.append("true" in self.engine.generate(prompt).lower())
            return verdicts
"""


def test_a_held_template_filled_later_is_the_prompt_sent(tmp_path: Path) -> None:
    write_tree(tmp_path, {"rag/__init__.py": "", "rag/template.py": _HOLDER, "rag/checker.py": _PIPELINE})
    graph = analysed_graph(tmp_path)
    multi = multi_task_wrappers(graph)
    found = {s.loc.line: s for s in graph.sites() if s.loc.path == "rag/checker.py"}
    site = found.get(line_of(_PIPELINE, "self.engine.generate(prompt)"))
    assert site is not None, sorted(found)
    text = carried_text(graph, site)
    assert "Choices: [True,False]" in text, text
    assert "decode" not in text, text
    triage = triage_site(graph, site, multi)
    assert triage.verdict == Verdict.NARROW, (text, triage)


_SENDER = """
    from openai import OpenAI


    class Judge:
        def __init__(self, client: OpenAI, rubric: str = "") -> None:
            self.client = client
            self.rubric = rubric

        def grade(self, answer: str) -> str:
            prompt = self.rubric.format(answer=answer)
            got = self.client.chat.completions.create(model="m", messages=[{"role": "user", "content": prompt}])
            return got.choices[0].message.content


    def review(answer: str) -> str:
        judge = Judge(OpenAI(), "Grade this answer from 1 to 5 and say why: {answer}")
        note = judge.grade(answer)
        client = OpenAI()
        got = client.chat.completions.create(model="m", messages=[{"role": "user", "content": f"Reword kindly: {note}"}])
        return got.choices[0].message.content
"""


def test_a_held_template_the_method_sends_itself_is_no_returned_prompt(tmp_path: Path) -> None:
    """``judge.grade(answer)`` fills its held rubric and sends it: what it returns is the model's answer, so the
    prompt built from that answer carries no rubric text."""
    write_tree(tmp_path, {"app/__init__.py": "", "app/judge.py": _SENDER})
    graph = analysed_graph(tmp_path)
    found = {s.loc.line: s for s in graph.sites() if s.loc.path == "app/judge.py"}
    site = found.get(
        line_of(
            _SENDER, 'got = client.chat.completions.create(model="m", messages=[{"role": "user", "content": f"Reword'
        )
    )
    assert site is not None, sorted(found)
    assert "Grade this answer" not in carried_text(graph, site)
