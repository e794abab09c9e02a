"""A prompt handed to a renderer of the project that gives it back: a template object's method taking ready messages
(``template.render(messages=final)``) and handing them on as they are, or only cut to a length through token ids or
put through a chat template. The messages the caller built reach the site; a renderer that adds text of its own, or
hands back a model's answer, is not one. Small synthetic tree in the shape of RAG pipeline toolkits."""

from __future__ import annotations

import textwrap
from pathlib import Path

from slmc.ir import Verdict
from slmc.passes.triage import triage_site

from .trees import analysed_graph as _graph
from .trees import carried_text as _text
from .trees import line_of as _line
from .trees import site_at as _site
from .trees import write_tree as _write

SHORTEN = '''
    from rag.gen import ChatGenerator
    from rag.template import ChatTemplate


    class Shortener:
        SHORTEN = """The reference answer below is final. Give only the short answer and do not output any other words.
    Question: {question}
    Reference answer: {ref}"""

        def __init__(self, config):
            self.generator = ChatGenerator(config["model"])
            self.prompt_template = ChatTemplate(config)

        def run(self, items):
            for item in items:
                prompt = self.SHORTEN.format(question=item.question, ref=item.ref)
                final = [{"role": "user", "content": prompt}]
                prompt = self.prompt_template.render(messages=final)
                item.pred = self.generator.generate(prompt, temperature=0)[0]

        def run_framed(self, items):
            for item in items:
                final = [{"role": "user", "content": item.question}]
                prompt = self.prompt_template.framed(messages=final)
                item.pred = self.generator.generate(prompt, temperature=0)[0]

        def run_asked(self, items):
            for item in items:
                final = [{"role": "user", "content": self.SHORTEN.format(question=item.question, ref=item.ref)}]
                prompt = self.prompt_template.asked(final)
                item.pred = self.generator.generate(prompt, temperature=0)[0]
'''

FILES = {
    "rag/gen.py": """
        from openai import OpenAI


        class ChatGenerator:
            def __init__(self, model):
                self.model = model
                self.client = OpenAI()

            def generate(self, input_list, **params):
                if isinstance(input_list, str):
                    input_list = [input_list]
                outs = []
                for item in input_list:
                    r = self.client.chat.completions.create(model=self.model, messages=item, **params)
                    outs.append(r.choices[0].message.content)
                return outs
    """,
    "rag/template.py": """
        from openai import OpenAI


        class ChatTemplate:
            def __init__(self, config, system_prompt="", user_prompt=""):
                self.api = config["framework"] == "api"
                self.chat = True
                self.tok = None
                self.limit = config["max_input_len"]
                self.system_prompt = system_prompt
                self.user_prompt = user_prompt
                self.client = OpenAI()

            def _cut(self, prompt):
                if self.api:
                    if self.chat:
                        kept = []
                        for m in prompt:
                            kept.append(m)
                    else:
                        ids = self.tok.encode(prompt)
                        half = self.limit // 2
                        kept = self.tok.decode(ids[:half]) + self.tok.decode(ids[-half:])
                    return kept
                ids = self.tok.encode(prompt)
                if len(ids) > self.limit:
                    half = self.limit // 2
                    prompt = self.tok.decode(ids[:half]) + self.tok.decode(ids[-half:])
                return prompt

            def render(self, question=None, messages=None, **params):
                if messages is not None:
                    if isinstance(messages, str):
                        return self._cut(messages)
                    if self.chat:
                        return self._cut(messages)
                    prompt = "\\n\\n".join(m["content"] for m in messages)
                    return self._cut(prompt)
                text = self.user_prompt.format(question=question, **params)
                return self._cut([{"role": "system", "content": self.system_prompt}, {"role": "user", "content": text}])

            def framed(self, messages=None):
                if not messages:
                    return messages
                head = [{"role": "system", "content": "You are a poet. Write a long free-form poem about the question."}]
                return self._cut(head + messages)

            def asked(self, messages):
                if not messages:
                    return messages
                reply = self.client.chat.completions.create(model="gpt-4o", messages=messages)
                return reply.choices[0].message.content
    """,
    "rag/shorten.py": SHORTEN,
}


def test_messages_handed_through_a_renderer_reach_the_site(tmp_path: Path) -> None:
    _write(tmp_path, FILES)
    graph = _graph(tmp_path)
    site = _site(graph, "rag/shorten.py", _line(SHORTEN, "item.pred = self.generator.generate(prompt"))
    assert "Give only the short answer" in _text(graph, site)
    assert triage_site(graph, site).verdict == Verdict.NARROW


def test_a_renderer_adding_text_or_asking_a_model_hands_nothing_through(tmp_path: Path) -> None:
    _write(tmp_path, FILES)
    graph = _graph(tmp_path)
    lines = [
        i for i, line in enumerate(textwrap.dedent(SHORTEN).splitlines(), 1) if "generator.generate(prompt" in line
    ]
    framed, asked = lines[1], lines[2]
    assert "short answer" not in _text(graph, _site(graph, "rag/shorten.py", framed))
    assert "short answer" not in _text(graph, _site(graph, "rag/shorten.py", asked))
