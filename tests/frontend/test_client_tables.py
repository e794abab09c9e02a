"""Clients kept in a table built by a dict comprehension (one client per API key, per region, ...) and picked by a
key the run decides: a request on the entry picked is a request of that client family."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, site_at, write_tree

ROTATING = """
    import anthropic


    class KeyRing:
        def __init__(self, keys):
            self.order = list(keys)
            self.by_key = {k: anthropic.AsyncAnthropic(api_key=k) for k in self.order}
            self.labels = {k: k[-4:] for k in self.order}
            self.at = 0

        async def answer(self, turns):
            self.at = (self.at + 1) % len(self.order)
            chosen = self.by_key[self.order[self.at]]
            reply = await chosen.messages.create(model="small", max_tokens=32, messages=turns)
            return reply.content[0].text

        def label(self):
            return self.labels[self.order[self.at]].upper()
"""


def test_request_on_a_client_picked_from_a_comprehension_table(tmp_path: Path) -> None:
    write_tree(tmp_path, {"ring/keys.py": ROTATING})
    graph = analysed_graph(tmp_path)
    site = site_at(graph, "ring/keys.py", 15)
    assert str(site.site) == "request"
    assert site.client == "anthropic"
    assert {s.loc.line for s in graph.sites() if s.loc.path == "ring/keys.py" and str(s.site) == "request"} == {15}
