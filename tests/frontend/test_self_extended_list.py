"""A message list a function copies and then rebinds to itself with a message added in front or behind
(``msgs = state.turns.copy()`` then ``msgs = [system] + msgs``): the prompt is both sides, the name's own mention
standing for what it held before, so the copied history reaches the site as a message of its own (and the added
system message as another), not one opaque ``{[system]}{msgs}`` text."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, site_at, write_tree

AGENT = """
    import litellm


    class Session:
        def __init__(self):
            self.turns = []
            self.rules = "Answer in French."


    def step(session):
        system = {"role": "system", "content": "You are a terse assistant. " + session.rules}
        msgs = session.turns.copy()
        msgs = [system] + msgs
        return litellm.completion(model="gpt-4o-mini", messages=msgs)


    def tail_step(session, note):
        msgs = list(session.turns)
        msgs = msgs + [{"role": "user", "content": note}]
        return litellm.completion(model="gpt-4o-mini", messages=msgs)
"""


def _messages(graph, site) -> list[tuple[str, str]]:
    prompt = graph.prompt_of(site.id)
    return [(m.role, "".join(("{" + p.text + "}") if p.hole else p.text for p in m.parts)) for m in prompt.messages]


def test_list_prefixed_onto_its_own_copy(tmp_path: Path) -> None:
    write_tree(tmp_path, {"agent.py": AGENT})
    graph = analysed_graph(tmp_path)
    msgs = _messages(graph, site_at(graph, "agent.py", 15))
    assert msgs[0][0] == "system" and msgs[0][1].startswith("You are a terse assistant.")
    assert len(msgs) == 2 and "session.turns" in msgs[1][1] and "msgs" not in msgs[1][1]


def test_list_suffixed_onto_its_own_copy(tmp_path: Path) -> None:
    write_tree(tmp_path, {"agent.py": AGENT})
    graph = analysed_graph(tmp_path)
    msgs = _messages(graph, site_at(graph, "agent.py", 21))
    assert "session.turns" in msgs[0][1] and "msgs" not in msgs[0][1]
    assert msgs[-1] == ("user", "{note}")
