"""A request whose prompt is a parameter of its function takes its text from a caller's arguments; a test file's
call (a stand-in such as ``"test prompt"``) is not what the program sends, so the program's own caller fills it even
when the test passes more literal text. A request in a test file keeps its test callers."""

from __future__ import annotations

from pathlib import Path

from .trees import analysed_graph, carried_text, site_at, write_tree

_CORE = """
    import litellm


    class Writer:
        def draft(self, topic):
            msgs = [{"role": "user", "content": "Write a limerick about " + topic}]
            return self._send(msgs)

        def _send(self, messages):
            out = litellm.completion(model="gpt-4o-mini", messages=messages)
            return out.choices[0].message.content
"""

_TEST = """
    from app.core import Writer


    def test_send_returns_text():
        long = [{"role": "user", "content": "a much longer stand-in prompt that only the unit test ever passes in"}]
        assert Writer()._send(long)
"""


def test_program_caller_fills_the_prompt_not_the_test(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/core.py": _CORE, "tests/test_core.py": _TEST})
    graph = analysed_graph(tmp_path)
    text = carried_text(graph, site_at(graph, "app/core.py", 11))
    assert "Write a limerick about" in text
    assert "stand-in" not in text
