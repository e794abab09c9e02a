"""A local message list assigned afresh for each of several requests in one function (an optional first request
under an ``if``, then the main one): each request sends the list assigned last before it, not the first one the
function wrote. A name rebuilt from itself (``prompt = prompt.strip()``) still reads back to what it builds on."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, line_of, write_tree

ANSWER = """
    from openai import OpenAI

    client = OpenAI()
    REFINE = "Rewrite this question to be self-contained: {question}"
    ANSWER = "Answer from the notes.\\nNotes: {notes}\\nQuestion: {question}"


    def answer(question, notes, refine=False):
        if refine:
            messages = [{"role": "user", "content": REFINE.format(question=question)}]
            first = client.chat.completions.create(model="gpt-4o-mini", messages=messages)
            question = first.choices[0].message.content
        messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": ANSWER.format(notes=notes, question=question)}]
        reply = client.chat.completions.create(model="gpt-4o-mini", messages=messages)
        return reply.choices[0].message.content


    def shout(text):
        prompt = "Make this louder: " + text
        prompt = prompt.strip()
        return client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": prompt}])
"""


def _texts(graph, line: int) -> str:
    site = next(s for s in graph.sites() if s.loc.path == "answer.py" and s.loc.line == line)
    prompt = graph.prompt_of(site.id)
    return "\n".join(m.template() for m in prompt.messages) if prompt else ""


def test_each_request_sends_the_list_assigned_last_before_it(tmp_path: Path) -> None:
    write_tree(tmp_path, {"answer.py": ANSWER})
    graph = analysed_graph(tmp_path)
    first = _texts(graph, line_of(ANSWER, "first = client.chat"))
    main = _texts(graph, line_of(ANSWER, "reply = client.chat"))
    assert "Rewrite this question" in first
    assert "Answer from the notes." in main and "Be brief." in main
    assert "Rewrite this question" not in main


def test_a_name_rebuilt_from_itself_reads_back_to_its_first_text(tmp_path: Path) -> None:
    write_tree(tmp_path, {"answer.py": ANSWER})
    graph = analysed_graph(tmp_path)
    assert "Make this louder" in _texts(graph, line_of(ANSWER, "return client.chat"))
