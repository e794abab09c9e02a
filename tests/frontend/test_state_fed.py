"""A conversation API that puts the caller's text into the object's state (``self.history.append(...)``) and then
runs a step that builds the prompt from that state: the API forwards its caller's prompt, so it is a wrapper and its
callers' calls are wrapper-calls. Text stored where the model-reaching code never reads it is no prompt."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, site_at, write_tree

_TUTOR = """
    import litellm


    class Tutor:
        def __init__(self):
            self.history = []
            self.log = []

        def hear(self, text):
            self.history.append({"role": "user", "content": text})
            return self._answer()

        def note(self, text):
            self.log.append(text)
            return self._answer()

        def _answer(self):
            system = {"role": "system", "content": "You are a patient maths tutor."}
            reply = litellm.completion(model="gpt-4o-mini", messages=[system] + self.history)
            return reply.choices[0].message.content
"""


def test_text_stored_in_state_the_step_reads_is_forwarded(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "tutor/core.py": _TUTOR,
            "tutor/cli.py": """
                from .core import Tutor


                def main():
                    tutor = Tutor()
                    print(tutor.hear(input("> ")))
                    print(tutor.note("session started"))
            """,
        },
    )
    graph = analysed_graph(tmp_path)
    assert site_at(graph, "tutor/core.py", 10).site == SiteKind.WRAPPER
    assert site_at(graph, "tutor/cli.py", 7).site == SiteKind.WRAPPER_CALL
    found = {(s.loc.path, s.loc.line) for s in graph.sites()}
    assert ("tutor/core.py", 14) not in found  # ``note`` keeps its text where no prompt is built from it
    assert ("tutor/cli.py", 8) not in found
