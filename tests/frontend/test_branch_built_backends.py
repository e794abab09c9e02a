"""A runner builds its model object in branches (``llm = ChatBackend(...)`` in one, ``llm = CompletionBackend(...)`` in
another, no common base) and hands it to an agent's constructor, which keeps it in ``self.llm`` and calls
``self.llm.respond(history)``: the call runs the method of whichever class was built, so each class's method is a
calling API (a wrapper), not only the first branch's."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, write_tree


def test_each_branch_built_backend_is_a_wrapper(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "loop/__init__.py": "",
            "loop/backends.py": """
                import openai


                class ChatBackend:
                    def __init__(self, key):
                        self.key = key

                    def respond(self, history, tools):
                        out = openai.ChatCompletion.create(model="chat-model", messages=history, functions=tools)
                        return out["choices"][0]["message"]


                REACT = "Answer the question using these tools: {tools}\\nQuestion: {question}\\n"


                class CompletionBackend:
                    def __init__(self, key):
                        self.key = key

                    def complete(self, prompt):
                        out = openai.Completion.create(engine="text-model", prompt=prompt, stop="Observation:")
                        return out["choices"][0]["text"]

                    def respond(self, history, tools):
                        text = REACT.replace("{tools}", str(tools)).replace("{question}", history[0]["content"])
                        for m in history[1:]:
                            text += m["content"] + "\\n"
                        return {"role": "assistant", "content": self.complete(text)}
            """,
            "loop/agent.py": """
                class StepAgent:
                    def __init__(self, llm, tools):
                        self.llm = llm
                        self.tools = tools

                    def run(self, task):
                        history = [{"role": "user", "content": task}]
                        for _ in range(5):
                            reply = self.llm.respond(history, self.tools)
                            history.append(reply)
                        return history
            """,
            "loop/runner.py": """
                from loop.agent import StepAgent
                from loop.backends import ChatBackend, CompletionBackend


                def solve(kind, key, task, tools, local_model=None):
                    if kind == "chat":
                        llm = ChatBackend(key)
                    elif kind == "text":
                        llm = CompletionBackend(key)
                    else:
                        llm = local_model
                    agent = StepAgent(llm=llm, tools=tools)
                    return agent.run(task)
            """,
        },
    )
    graph = analysed_graph(tmp_path)
    wrappers = {(s.loc.path, s.loc.line) for s in graph.sites(SiteKind.WRAPPER)}
    assert ("loop/backends.py", 9) in wrappers  # ChatBackend.respond
    assert ("loop/backends.py", 25) in wrappers  # CompletionBackend.respond, built only in the other branch
    assert ("loop/backends.py", 21) not in wrappers  # its complete: an internal step of respond
    calls = [(s.loc.line, str(s.site)) for s in graph.sites() if s.loc.path == "loop/agent.py"]
    assert (10, "wrapper-call") in calls  # one call site, not one per class
    assert len([c for c in calls if c[0] == 10]) == 1
