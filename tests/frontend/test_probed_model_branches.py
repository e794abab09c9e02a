"""A function that probes one model object for the methods of several model interfaces (``hasattr(self.llm,
"get_response")`` / ``"invoke"`` / ``callable(self.llm)``) and sends the same prompt down each branch: when one branch
reaches the tree's model, every probed branch handing that prompt is a call of the duck-typed model (``CALLSITES.md``
5). A probed call on the same object that does not hand the prompt (token counting) or that runs beside the model
call rather than instead of it (a second ``if``, not an ``elif``) stays out, and a probe on an object none of whose
branches reaches a model adds nothing."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import line_of, sites_in, write_tree

LLM = """
    import openai


    class LLM:
        def __init__(self, model):
            self.model = model
            self.client = openai.OpenAI()

        def get_response(self, prompt, temperature=0.2):
            out = self.client.chat.completions.create(
                model=self.model, messages=[{"role": "user", "content": prompt}], temperature=temperature
            )
            return out.choices[0].message.content
"""

CHECK = """
    from typing import Any


    class Checker:
        def __init__(self, rule: str, llm: Any = None):
            self.rule = rule
            self.llm = self._setup(llm)

        def _setup(self, llm):
            def _cls():
                from .llm import LLM
                return LLM
            if llm is None:
                return None
            if hasattr(llm, "get_response") or callable(llm):
                return llm
            if isinstance(llm, str):
                return _cls()(model=llm)
            return llm

        def __call__(self, text: str):
            prompt = f"Check the text against the rule {self.rule}. Text: {text}. Answer PASS or FAIL."
            if hasattr(self.llm, "count_tokens"):
                print(self.llm.count_tokens(text))
            if hasattr(self.llm, "chat"):
                out = self.llm.chat(prompt, temperature=0.1)
            elif hasattr(self.llm, "get_response"):
                out = self.llm.get_response(prompt, temperature=0.1)
            elif hasattr(self.llm, "invoke"):
                out = self.llm.invoke(prompt)
            elif callable(self.llm):
                out = self.llm(prompt)
            else:
                return False
            return str(out).startswith("PASS")

        def note(self, text: str):
            if hasattr(self.llm, "get_response"):
                self.llm.get_response(text)
            if hasattr(self.llm, "log_text"):
                self.llm.log_text(text)


    def screen(answer: str, model_name: str) -> bool:
        return Checker("no insults", llm=model_name)(answer)


    def run_plugin(plugin, payload):
        if hasattr(plugin, "process"):
            return plugin.process(payload)
        if callable(plugin):
            return plugin(payload)
        return None
"""


def test_probed_branches_of_a_model_object_are_calls(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pkg/llm.py": LLM, "pkg/check.py": CHECK})
    found = sites_in(tmp_path, "pkg/check.py")
    calls = {line for line, kind in found if kind == "wrapper-call"}
    for text in ("self.llm.chat(", "self.llm.get_response(", "self.llm.invoke(", "out = self.llm(prompt)"):
        assert line_of(CHECK, text) in calls, text
    lines = {line for line, _ in found}
    assert line_of(CHECK, "self.llm.count_tokens(") not in lines  # does not hand the prompt
    assert line_of(CHECK, "self.llm.log_text(") not in lines  # a second hook, not an alternative branch
    assert line_of(CHECK, "plugin.process(") not in lines  # no branch reaches a model
    assert line_of(CHECK, "return plugin(payload)") not in lines
