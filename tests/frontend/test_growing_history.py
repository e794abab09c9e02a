"""A message list a script keeps appending the model's own answers to (``turns.append({"role": "assistant", ...})``)
is a conversation carried from turn to turn: the prompt the site sends splices that list in (``*turns``) besides the
turns appended, so triage sees a multi-turn conversation. A list that only gets user turns appended is not marked."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, site_at, write_tree

CHAT = """
    from openai import OpenAI

    client = OpenAI()


    def repl():
        turns = []
        while True:
            line = input("> ")
            turns.append({"role": "user", "content": line})
            out = client.chat.completions.create(model="gpt-4o-mini", messages=turns)
            answer = out.choices[0].message.content
            print(answer)
            turns.append({"role": "assistant", "content": answer})


    def batch(questions):
        asked = []
        for q in questions:
            asked.append({"role": "user", "content": q})
        return client.chat.completions.create(model="gpt-4o-mini", messages=asked)
"""


def _holes(graph, site) -> list[str]:
    prompt = graph.prompt_of(site.id)
    return [p.text for m in prompt.messages for p in m.parts if p.hole]


def test_answers_appended_back_make_a_spliced_history(tmp_path: Path) -> None:
    write_tree(tmp_path, {"chat.py": CHAT})
    graph = analysed_graph(tmp_path)
    holes = _holes(graph, site_at(graph, "chat.py", 12))
    assert "*turns" in holes
    assert 'input("> ")' in holes and "answer" in holes  # the typed line shows as the console read filling it


def test_only_user_turns_appended_is_no_history(tmp_path: Path) -> None:
    write_tree(tmp_path, {"chat.py": CHAT})
    graph = analysed_graph(tmp_path)
    holes = _holes(graph, site_at(graph, "chat.py", 22))
    assert not [h for h in holes if h.startswith("*")]
    assert "q" in holes
