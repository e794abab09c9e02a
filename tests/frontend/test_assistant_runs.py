"""OpenAI Assistants API: the assistant generates when a run starts on a thread (``beta.threads.runs.create`` and its
polling / streaming twins, ``beta.threads.create_and_run``) and again when a run waiting on tool calls is handed the
tool outputs (``runs.submit_tool_outputs``). Those calls are requests, also through a sub-client kept in an attribute
(``self.runs = self.client.beta.threads.runs``). Creating the thread, adding a message to it, creating the assistant
or uploading a file sends nothing to a model: no site."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, write_tree

ASSISTANT = """
    from openai import OpenAI


    class Tutor:
        def __init__(self):
            self.client = OpenAI()
            self.runs = self.client.beta.threads.runs
            self.posts = self.client.beta.threads.messages
            self.helper = self.client.beta.assistants.create(model="m", instructions="Grade the essay from 1 to 5.")
            self.thread = self.client.beta.threads.create()

        def grade(self, essay):
            self.posts.create(thread_id=self.thread.id, role="user", content=essay)
            return self.runs.create_and_poll(thread_id=self.thread.id, assistant_id=self.helper.id)

        def start(self):
            return self.runs.create(thread_id=self.thread.id, assistant_id=self.helper.id)

        def give_results(self, run, outputs):
            self.runs.submit_tool_outputs(thread_id=self.thread.id, run_id=run.id, tool_outputs=outputs)

        def upload(self, path):
            with open(path, "rb") as fh:
                return self.client.files.create(file=fh, purpose="assistants")

        def one_shot(self, text):
            return self.client.beta.threads.create_and_run(
                assistant_id=self.helper.id, thread={"messages": [{"role": "user", "content": text}]}
            )
"""


def test_runs_are_requests_and_thread_housekeeping_is_not(tmp_path: Path) -> None:
    write_tree(tmp_path, {"tutor.py": ASSISTANT})
    graph = analysed_graph(tmp_path)
    found = {s.loc.line: str(s.site) for s in graph.sites() if s.loc.path == "tutor.py"}
    assert found.get(15) == "request"  # runs.create_and_poll
    assert found.get(18) == "request"  # runs.create
    assert found.get(21) == "request"  # runs.submit_tool_outputs
    assert found.get(28) == "request"  # threads.create_and_run
    for line in (8, 9, 14, 25):  # assistant, thread, message, file creation
        assert line not in found, (line, found)
