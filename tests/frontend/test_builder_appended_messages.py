"""A template object's method that builds the messages turn by turn: ``messages = []``, ``messages.append({"role":
"user", "content": parts})`` with a multimodal content list filled by ``parts.append({"type": "text", "text":
self.user_prompt.format(...)})``, then ``return messages``; a pipeline sends ``[self.prompt_template.fill(item) for item
in dataset]`` through its batch generator. The template the class keeps (its default when the constructor is handed
none) reaches the site. Small synthetic tree in the shape of multimodal RAG toolkits."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import Verdict
from slmc.passes.triage import triage_site

from .trees import analysed_graph as _graph
from .trees import carried_text as _text
from .trees import line_of as _line
from .trees import site_at as _site
from .trees import write_tree as _write

PIPE = """
    from vqa.gen import ChatGenerator


    class BasePipe:
        def __init__(self, config, prompt_template=None):
            from vqa.template import VisualTemplate

            self.config = config
            if prompt_template is None:
                prompt_template = VisualTemplate(config)
            self.prompt_template = prompt_template


    class ChoicePipe(BasePipe):
        def __init__(self, config, prompt_template=None, generator=None):
            super().__init__(config, prompt_template)
            self.generator = ChatGenerator(config["model"]) if generator is None else generator

        def run(self, dataset):
            input_prompts = [self.prompt_template.fill(item) for item in dataset]
            dataset.preds = self.generator.generate(input_prompts)
            return dataset
"""

FILES = {
    "vqa/gen.py": """
        from openai import OpenAI


        class ChatGenerator:
            def __init__(self, model):
                self.model = model
                self.client = OpenAI()

            def generate(self, input_list, **params):
                outs = []
                for item in input_list:
                    r = self.client.chat.completions.create(model=self.model, messages=item, **params)
                    outs.append(r.choices[0].message.content)
                return outs
    """,
    "vqa/template.py": """
        class VisualTemplate:
            BASE_USER = (
                "{reference}\\nUsing the examples above, answer the question below. "
                "Reply with the letter of the correct option only.\\nQuestion: {question}\\nAnswer: "
            )

            def __init__(self, config, system_prompt=None, user_prompt=None):
                self.config = config
                self.system_prompt = system_prompt
                self.user_prompt = user_prompt if user_prompt is not None else self.BASE_USER

            def fill(self, item):
                question = item.question
                messages = []
                if self.system_prompt is not None:
                    messages.append({"role": "system", "content": self.system_prompt})
                reference = ""
                parts = []
                for i, doc in enumerate(item.docs):
                    reference += f"Example {i + 1}: {doc['text']}\\n"
                parts.append({"type": "image", "image": item.image})
                parts.append({"type": "text", "text": self.user_prompt.format(question=question, reference=reference)})
                messages.append({"role": "user", "content": parts})
                return messages
    """,
    "vqa/pipe.py": PIPE,
}


def test_turns_a_template_method_appends_reach_the_batch_site(tmp_path: Path) -> None:
    _write(tmp_path, FILES)
    graph = _graph(tmp_path)
    site = _site(graph, "vqa/pipe.py", _line(PIPE, "self.generator.generate(input_prompts)"))
    assert "letter of the correct option only" in _text(graph, site)
    assert triage_site(graph, site).verdict == Verdict.NARROW
