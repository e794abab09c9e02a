"""A client module bound by ``name = __import__("pkg")`` (an import done lazily inside ``__init__`` so a missing
package raises a friendlier error) is that module, as ``import pkg`` would bind it: the client it builds and the chat
call on it are found. A look-alike: the same shape with a package that is no model SDK reports nothing."""

from __future__ import annotations

from pathlib import Path

from tests.frontend.trees import line_of, sites_in, write_tree

SOURCE = """\
class LocalChat:
    def __init__(self, host):
        try:
            ollama = __import__("ollama")
        except ImportError:
            raise RuntimeError("install the ollama package first")
        self.client = ollama.Client(host)

    def reply(self, messages):
        answer = self.client.chat(model="llama3", messages=messages, stream=False)
        return answer["message"]["content"]


class Plotter:
    def __init__(self):
        charts = __import__("matplotlib.pyplot")
        self.canvas = charts.Figure()

    def draw(self, points):
        return self.canvas.chat(points)
"""


def test_module_bound_by_dunder_import_reaches_its_client(tmp_path: Path) -> None:
    write_tree(tmp_path, {"local_chat.py": SOURCE})
    found = sites_in(tmp_path, "local_chat.py")
    assert (line_of(SOURCE, "self.client.chat("), "request") in found
    assert not any(line >= line_of(SOURCE, "class Plotter") for line, _ in found)
