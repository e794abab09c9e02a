"""A session that adds the caller's text to a list it holds (``self.turns += [...]``) and then hands a forwarding
helper the message list its own methods render from that state (``msgs = self.render()``): the text reaches the
request, so the entry method forwards its caller's prompt. State the render never reads carries nothing."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, site_at, write_tree

_SESSION = """
    import litellm


    def send(model, messages):
        return litellm.completion(model=model, messages=messages)


    class Session:
        def __init__(self):
            self.turns = []
            self.notes = []

        def system(self):
            return [{"role": "system", "content": "You are a terse release-notes assistant."}]

        def render(self):
            return self.system() + list(self.turns)

        def say(self, text):
            self.turns += [{"role": "user", "content": text}]
            msgs = self.render()
            return send("gpt-4o-mini", msgs)

        def jot(self, text):
            self.notes += [text]
            msgs = self.render()
            return send("gpt-4o-mini", msgs)
"""


def test_text_added_to_state_that_the_rendered_argument_reads_is_forwarded(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "notes/session.py": _SESSION,
            "notes/cli.py": """
                from notes.session import Session


                def run(line):
                    s = Session()
                    s.jot("opened")
                    return s.say(line)
            """,
        },
    )
    graph = analysed_graph(tmp_path)
    assert site_at(graph, "notes/session.py", 5).site == SiteKind.WRAPPER
    assert site_at(graph, "notes/session.py", 20).site == SiteKind.WRAPPER
    assert site_at(graph, "notes/cli.py", 8).site == SiteKind.WRAPPER_CALL
    found = {(s.loc.path, s.loc.line, str(s.site)) for s in graph.sites()}
    assert ("notes/session.py", 25, "wrapper") not in found  # jot's text goes where render never looks
    assert ("notes/cli.py", 7, "wrapper-call") not in found
