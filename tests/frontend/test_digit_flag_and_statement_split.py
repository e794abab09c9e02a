"""Two closed tasks an evaluation library asks in plain words, with no schema or parser beside them: a 0/1 flag given
by a condition (``mark each claim 1 if the passage supports it, or 0 if it does not``) and splitting a given answer
into its statements. Both read narrow. The look-alikes keep their reading: a story mentioning numbers stays open-ended,
and breaking a project down into tasks is planning, not extraction."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import Verdict
from slmc.passes.triage import triage_site

from .trees import analysed_graph, site_at, write_tree

CHECKS = """
    import openai

    client = openai.OpenAI()
    FLAG = (
        "Read the passage and the claims below. For every claim output 1 if the passage supports it "
        "or 0 if the passage does not support it, with one reason each.\\nPassage: {passage}\\nClaims: {claims}"
    )
    SPLIT = (
        "You get a question and the reply given to it. Break down each sentence of the reply into one or more "
        "self-contained statements, replacing pronouns with the names they stand for.\\n"
        "Question: {question}\\nReply: {reply}"
    )
    STORY = "Write a long adventure story about {hero}, who counts 1 if he sees a bird and 0 if he sees none."
    PLAN = "Break down the project below into tasks and write the full source code for each one.\\nProject: {idea}"


    def ask(text):
        out = client.chat.completions.create(model="m", messages=[{"role": "user", "content": text}])
        return out.choices[0].message.content


    def flag(passage, claims):
        return ask(FLAG.format(passage=passage, claims=claims))


    def split(question, reply):
        return ask(SPLIT.format(question=question, reply=reply))


    def story(hero):
        return ask(STORY.format(hero=hero))


    def plan(idea):
        return ask(PLAN.format(idea=idea))
"""


def _verdict(graph, line: int) -> Verdict:
    return triage_site(graph, site_at(graph, "checks.py", line)).verdict


def test_digit_flag_and_statement_split_read_narrow(tmp_path: Path) -> None:
    write_tree(tmp_path, {"checks.py": CHECKS})
    graph = analysed_graph(tmp_path)
    assert _verdict(graph, 24) == Verdict.NARROW  # flag(...)
    assert _verdict(graph, 28) == Verdict.NARROW  # split(...)


def test_look_alikes_keep_their_reading(tmp_path: Path) -> None:
    write_tree(tmp_path, {"checks.py": CHECKS})
    graph = analysed_graph(tmp_path)
    assert _verdict(graph, 32) == Verdict.OPEN_ENDED  # story(...)
    assert _verdict(graph, 36) != Verdict.NARROW  # plan(...)
