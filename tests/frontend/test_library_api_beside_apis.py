"""A client class of a library module offers several calling APIs (``ask(messages)``, ``ask_tool(messages,
tools)``, which the agents call) and one more that nothing in the tree calls yet (``ask_with_pictures(messages,
pictures)``), holding its own request and sending the messages it is handed: that one is part of the same API, a
wrapper like its siblings. A public method that takes no prompt (it writes its own over a file) is no calling
API, called or not."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, write_tree

LLM = """
    from openai import OpenAI


    class Chat:
        def __init__(self):
            self.client = OpenAI()

        def ask(self, messages):
            out = self.client.chat.completions.create(model="m", messages=messages)
            return out.choices[0].message.content

        def ask_tool(self, messages, tools):
            out = self.client.chat.completions.create(model="m", messages=messages, tools=tools)
            return out.choices[0].message

        def ask_with_pictures(self, messages, pictures):
            parts = [{"type": "image_url", "image_url": {"url": p}} for p in pictures]
            messages[-1] = {"role": "user", "content": [{"type": "text", "text": messages[-1]["content"]}, *parts]}
            out = self.client.chat.completions.create(model="m", messages=messages)
            return out.choices[0].message.content


    class LogReader:
        def __init__(self):
            self.client = OpenAI()

        def describe_log(self, path):
            text = open(path).read()
            out = self.client.chat.completions.create(
                model="m", messages=[{"role": "user", "content": "Summarise this log in three lines:\\n" + text}]
            )
            return out.choices[0].message.content
"""

AGENT = """
    from llm import Chat

    chat = Chat()


    def reply(question):
        return chat.ask([{"role": "user", "content": question}])


    def act(question, tools):
        return chat.ask_tool([{"role": "user", "content": question}], tools)
"""


def test_an_uncalled_method_beside_a_client_class_apis_is_one_of_them(tmp_path: Path) -> None:
    write_tree(tmp_path, {"llm.py": LLM, "agent.py": AGENT})
    graph = analysed_graph(tmp_path)
    wrappers = {s.loc.line for s in graph.sites() if s.loc.path == "llm.py" and str(s.site) == "wrapper"}
    assert {9, 13} <= wrappers, wrappers  # ask, ask_tool
    assert 17 in wrappers, wrappers  # ask_with_pictures: nothing calls it yet, it forwards its messages
    assert 28 not in wrappers  # describe_log: its own prompt, no prompt parameter
