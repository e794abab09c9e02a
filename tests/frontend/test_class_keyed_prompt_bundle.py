"""Prompts kept in one data file keyed by class name, then by step: a mixin's ``self._render("check_claims", ...)``
looks its template up by the object's class name (``self.__class__.__name__``) and the step name it is handed,
in a JSON bundle the renderer reads at run time (``{"ClaimCheck": {"check_claims": "..."}}``). The prompt of
the site is the bundle's text for the calling class and that step, its slots holes; another class's entry of the
same step is not it, and a step the bundle lacks for the class (but a base has) comes from the base's entry."""

from __future__ import annotations

import json
from pathlib import Path

from frontend.trees import analysed_graph, carried_text, line_of, write_tree

BUNDLE = {
    "ClaimCheck": {
        "check_claims": "For each claim, answer yes or no: does the context support it? Return JSON with a "
        "'verdicts' list.\nContext:\n{{ context }}\nClaims:\n{{ claims }}",
    },
    "ToneCheck": {
        "check_claims": "Rate the tone of each sentence from 1 to 5 and return JSON.\n{{ claims }}",
    },
    "Check": {
        "explain": "Give one short sentence explaining the score {{ score }} from these reasons:\n{{ reasons }}",
    },
}

RENDER = """
    import json
    from pathlib import Path

    _BUNDLE = None


    def _bundle():
        global _BUNDLE
        if _BUNDLE is None:
            _BUNDLE = json.loads((Path(__file__).parent / "bundle.json").read_text())
        return _BUNDLE


    def render(owner: str, step: str, **values) -> str:
        text = _bundle()[owner][step]
        for k, v in values.items():
            text = text.replace("{{ " + k + " }}", str(v))
        return text


    class Renders:
        def _render(self, step: str, **values) -> str:
            return render(self.__class__.__name__, step, **values)
"""

CHECKS = """
    from pkg.render import Renders


    class Check(Renders):
        def __init__(self, judge):
            self.judge = judge


    class ClaimCheck(Check):
        def run(self, context: str, claims: list) -> str:
            prompt = self._render("check_claims", context=context, claims=claims)
            verdicts = self.judge.complete(prompt)
            why = self._render("explain", score=len(verdicts), reasons=verdicts)
            return self.judge.complete(why)
"""

JUDGE = """
    from openai import OpenAI


    class Judge:
        def __init__(self):
            self.client = OpenAI()

        def complete(self, prompt: str) -> str:
            out = self.client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": prompt}])
            return out.choices[0].message.content


    def main():
        from pkg.checks import ClaimCheck

        return ClaimCheck(Judge()).run("The sky is blue.", ["The sky is green."])
"""


def test_prompt_read_from_a_bundle_keyed_by_class_name(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {"pkg/__init__.py": "", "pkg/render.py": RENDER, "pkg/checks.py": CHECKS, "pkg/judge.py": JUDGE},
    )
    (tmp_path / "pkg/bundle.json").write_text(json.dumps(BUNDLE), encoding="utf-8")
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): s for s in graph.sites()}
    claims = found.get(("pkg/checks.py", line_of(CHECKS, "verdicts = self.judge.complete(")))
    assert claims is not None
    text = carried_text(graph, claims)
    assert "does the context support it" in text
    assert "Rate the tone" not in text
    why = found.get(("pkg/checks.py", line_of(CHECKS, "return self.judge.complete(why)")))
    assert why is not None and "explaining the score" in carried_text(graph, why)
