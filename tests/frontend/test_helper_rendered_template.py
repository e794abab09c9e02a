"""A helper of the tree that renders the template its caller hands in and returns the text
(``render_with_token_limit(template, limit, **kwargs)`` returning ``template.render(**kwargs)``, checked against a
budget on the way) gives the caller's template filled, as ``template.render(question=q)`` in place would: a function
loading its own prompt file (``Environment(...).get_template("rewrite.md")``) and rendering it through such a helper
writes that prompt, so its model call is the prompt site and the function is no template-filling wrapper of the code
calling it (CALLSITES.md: task methods are no wrappers)."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind
from tests.frontend.trees import analysed_graph, write_tree

_OAI = """
    from jinja2 import Template
    from openai import OpenAI


    def count_words(text: str) -> int:
        return len(text.split())


    def render_within(template: Template, limit: int, **kwargs) -> str:
        text = template.render(**kwargs)
        if count_words(text) > limit:
            raise ValueError("over the budget")
        return text


    class Chat:
        def generate(self, messages, **kwargs):
            out = OpenAI().chat.completions.create(model="gpt-4o", messages=messages, **kwargs)
            return out.choices[0].message.content
"""

_PROMPT = """
    Turn the follow-up below into one standalone question, reading the dialogue so far.
    Keep every name and figure of the original. Answer with the question alone.
    {% for turn in history %}
    Q: {{ turn.q }}
    A: {{ turn.a }}
    {% endfor %}
    Follow-up: {{ question }}
"""

_REPHRASE = """
    import os

    from jinja2 import Environment, FileSystemLoader

    from helpers import Chat, render_within


    def rephrase(question: str, history: list):
        env = Environment(loader=FileSystemLoader(os.path.dirname(os.path.abspath(__file__))))
        template = env.get_template("rephrase.md")
        while True:
            try:
                prompt = render_within(template, 1500, question=question, history=history)
                break
            except ValueError:
                history = history[:-1]
        return Chat().generate(messages=[{"role": "user", "content": prompt}], max_tokens=200)
"""

_MAIN = """
    from rephrase import rephrase


    def chat(question: str, history: list):
        return rephrase(question, history)


    def tool(question: str, history: list):
        return rephrase(question, history)
"""


def test_template_rendered_by_a_helper_is_the_callers_prompt(tmp_path: Path) -> None:
    write_tree(tmp_path, {"helpers.py": _OAI, "rephrase.md": _PROMPT, "rephrase.py": _REPHRASE, "main.py": _MAIN})
    graph = analysed_graph(tmp_path)
    sites = {(s.loc.path, s.loc.line): s for s in graph.sites()}
    call = sites[("rephrase.py", 18)]
    assert call.site == SiteKind.WRAPPER_CALL
    prompt = graph.prompt_of(call.id)
    assert prompt is not None
    text = " ".join(p.text for m in prompt.messages for p in m.parts if not p.hole)
    assert "standalone question" in text, prompt
    assert ("rephrase.py", 9) not in sites, sorted(sites)  # rephrase writes its prompt: no wrapper
    assert ("main.py", 6) not in sites and ("main.py", 10) not in sites, sorted(sites)  # no wrapper-calls
