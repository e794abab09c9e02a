"""A prompt built by a classmethod a template base defines (``cls.system_prompt_template.format(criteria=...)`` in
``build_system_prompt``), called on one of its subclasses that sets those class attributes
(``templates.Politeness.build_system_prompt(...)``): the text is the subclass's template with its criteria, as if
``cls`` were that subclass. The same classmethod called on the base, which sets no template, yields no text."""

from __future__ import annotations

from pathlib import Path

from .trees import analysed_graph, carried_text, line_of, site_at, write_tree

TEMPLATES = """
    from typing import ClassVar


    class PromptMixin:
        system_prompt_template: ClassVar[str]
        criteria: ClassVar[str]

        @classmethod
        def build_system_prompt(cls, criteria=None, extra=None):
            final = criteria if criteria is not None else cls.criteria
            extra = "" if extra is None else "Also: " + extra
            return cls.system_prompt_template.format(criteria=final, extra=extra)


    class Politeness(PromptMixin):
        criteria: ClassVar[str] = "Polite wording scores high; insults score low."
        system_prompt_template: ClassVar[str] = (
            "You are a POLITENESS grader. Rate the TEXT from 0 to 3. Criteria: {criteria} {extra} "
            "Answer only with the number."
        )
        user_prompt: ClassVar[str] = "TEXT: {text}"
"""

JUDGE = """
    import openai

    from grader import templates


    class Judge:
        def __init__(self):
            self.client = openai.OpenAI()

        def generate_score(self, system_prompt, user_prompt):
            messages = [{"role": "system", "content": system_prompt}, {"role": "user", "content": user_prompt}]
            out = self.client.chat.completions.create(model="m", messages=messages)
            return float(out.choices[0].message.content) / 3

        def politeness(self, text, criteria=None):
            system_prompt = templates.Politeness.build_system_prompt(criteria=criteria)
            user_prompt = templates.Politeness.user_prompt.format(text=text)
            return self.generate_score(system_prompt=system_prompt, user_prompt=user_prompt)


    def main():
        print(Judge().generate_score("Say hi", "hi"))
"""


def test_classmethod_called_on_a_subclass_reads_its_template(tmp_path: Path) -> None:
    write_tree(tmp_path, {"grader/__init__.py": "", "grader/templates.py": TEMPLATES, "grader/judge.py": JUDGE})
    graph = analysed_graph(tmp_path)
    site = site_at(graph, "grader/judge.py", line_of(JUDGE, "return self.generate_score(system_prompt="))
    text = carried_text(graph, site)
    assert "You are a POLITENESS grader" in text
    assert "Polite wording scores high" in text


def test_classmethod_called_on_the_base_reads_no_subclass_template(tmp_path: Path) -> None:
    judge = JUDGE.replace("templates.Politeness.build_system_prompt", "templates.PromptMixin.build_system_prompt")
    write_tree(tmp_path, {"grader/__init__.py": "", "grader/templates.py": TEMPLATES, "grader/judge.py": judge})
    graph = analysed_graph(tmp_path)
    site = site_at(graph, "grader/judge.py", line_of(judge, "return self.generate_score(system_prompt="))
    assert "POLITENESS" not in carried_text(graph, site)
