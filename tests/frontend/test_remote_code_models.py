"""Checkpoints loaded with ``trust_remote_code=True`` bring their own answer methods (``answer_question``,
``chat``) beside ``generate``: those are local model requests; the model's other helpers are not."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, site_at, write_tree


def test_remote_code_answer_method_is_a_local_request(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "see/captions.py": """
                import transformers


                class Captioner:
                    def __init__(self):
                        self.model = transformers.AutoModelForCausalLM.from_pretrained(
                            "someone/tiny-vlm", trust_remote_code=True
                        )
                        self.tok = transformers.AutoTokenizer.from_pretrained("someone/tiny-vlm")

                    def objects(self, image):
                        features = self.model.encode_image(image)
                        return self.model.answer_question(
                            features, "List the objects in this picture, comma separated.", self.tok
                        )

                    def talk(self, text, history):
                        return self.model.chat(self.tok, text, history=history)
            """,
        },
    )
    graph = analysed_graph(tmp_path)
    assert site_at(graph, "see/captions.py", 14).site == SiteKind.REQUEST
    assert site_at(graph, "see/captions.py", 19).site == SiteKind.REQUEST
    assert not [s for s in graph.sites() if s.loc.path == "see/captions.py" and s.loc.line == 13]
