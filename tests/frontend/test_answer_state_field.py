"""A streamed agent reply carries its stream state beside its text (``message.stream_state``): a name copied from that
field and checked against listed states (``int(last_state in [CODING, PLUGIN_START])``) says where the stream is,
not what the model wrote, so it is no label set and no cast of the answer. The text itself checked against listed
values stays a label check."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, site_at, write_tree

LOOP = """
    from openai import OpenAI

    client = OpenAI()
    CODING, PLUGIN = 1, 2


    def run(messages, emit):
        last_state = 0
        for piece in client.chat.completions.create(model="m", messages=messages, stream=True):
            piece.stream_state = last_state + int(last_state in [CODING, PLUGIN])
            emit(piece)
            last_state = piece.stream_state


    def label(text):
        reply = client.chat.completions.create(model="m", messages=[{"role": "user", "content": text}])
        word = reply.choices[0].message.content
        return word in ["yes", "no"]
"""


def test_a_state_field_of_the_reply_is_no_label_set_or_cast(tmp_path: Path) -> None:
    write_tree(tmp_path, {"loop.py": LOOP})
    graph = analysed_graph(tmp_path)
    stream = site_at(graph, "loop.py", 10)
    assert "label-set" not in stream.consumers and "int" not in stream.consumers, stream.consumers
    plain = site_at(graph, "loop.py", 17)
    assert "label-set" in plain.consumers, plain.consumers
