"""A task method whose own instruction is written in Chinese (or Japanese, Korean) writes its prompt in fewer
characters than an English one: a CJK character is about a word, so such an instruction (here the ``task`` slot of a
chain's template, filled at the call) counts as authored text just as a sentence of English does. The method is then
a task method (no wrapper, its callers' calls no wrapper-calls); a method that fills the slot with a word or two still
forwards its caller's text."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import line_of, sites_in, write_tree

SERVICE = """
    from langchain.chains import LLMChain
    from langchain.prompts import PromptTemplate
    from langchain_openai import ChatOpenAI

    TEMPLATE = PromptTemplate.from_template("{task}\\n{context}")


    class Notes:
        def __init__(self):
            self.chain = LLMChain(llm=ChatOpenAI(model="qwen-plus"), prompt=TEMPLATE)

        def outline(self, text):
            return self.chain.run(context=text, task="请阅读下面的会议记录，列出三条最重要的决定，每条不超过二十个字。")

        def ask(self, question):
            return self.chain.run(context=question, task="回答")


    def handle(notes: Notes, text: str, question: str):
        first = notes.outline(text)
        second = notes.ask(question)
        return first, second
"""


def test_chinese_instruction_makes_a_task_method(tmp_path: Path) -> None:
    write_tree(tmp_path, {"svc/notes.py": SERVICE})
    found = sites_in(tmp_path, "svc/notes.py")
    wrappers = {line for line, kind in found if kind == "wrapper"}
    assert line_of(SERVICE, "def outline(") not in wrappers
    assert line_of(SERVICE, "def ask(") in wrappers  # two characters of its own: the caller's question goes on
    calls = {line for line, kind in found if kind == "wrapper-call"}
    assert line_of(SERVICE, "notes.outline(text)") not in calls
    assert line_of(SERVICE, "notes.ask(question)") in calls
