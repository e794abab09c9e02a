"""A library class's batch convenience that no code of the tree calls -- it walks a list of prompts and hands each
item to the class's own calling API (``[self.ask(q) for q in questions]``, ``for q, img in zip(questions, images)``)
-- is part of the library's API: a wrapper, as the single-prompt method it loops over is. A method that loops over
data of its own and writes the prompt it sends is no such convenience."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, write_tree

MODEL = """
    import openai

    SCORE = "Rate this item from 1 to 5: {item}"


    class Model:
        def __init__(self):
            self.client = openai.OpenAI()

        def ask(self, question, image=None):
            content = [{"type": "text", "text": question}]
            out = self.client.chat.completions.create(model="m", messages=[{"role": "user", "content": content}])
            return out.choices[0].message.content

        def ask_many(self, questions):
            return [self.ask(q) for q in questions]

        def ask_with_images(self, questions, images):
            answers = []
            for q, img in zip(questions, images):
                answers.append(self.ask(q, image=img))
            return answers

        def score_items(self, items):
            return [self.ask(SCORE.format(item=i)) for i in items]
"""

APP = """
    from lib.model import Model


    def main(text):
        return Model().ask(text)
"""


def test_batch_conveniences_over_the_calling_api_are_wrappers(tmp_path: Path) -> None:
    write_tree(tmp_path, {"lib/__init__.py": "", "lib/model.py": MODEL, "app/main.py": APP})
    graph = analysed_graph(tmp_path)
    kinds = {s.loc.line: str(s.site) for s in graph.sites() if s.loc.path == "lib/model.py"}
    assert kinds.get(11) == "wrapper"  # ask: what other code calls
    assert kinds.get(16) == "wrapper" and kinds.get(17) == "wrapper-call"  # ask_many over a list of questions
    assert kinds.get(19) == "wrapper" and kinds.get(22) == "wrapper-call"  # zip of questions and images
    assert kinds.get(25) != "wrapper"  # score_items writes its own prompt around each item
