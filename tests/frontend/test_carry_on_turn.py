"""Callers of one chat wrapper that every task of a tool goes through.

* A helper over it re-asks the model to carry on (``Continue generating from where you stopped``) when an answer is cut
  off. The carry-on turn is the same task sent again, not a second one: a caller of the helper runs one task (its own
  prompt decides the triage), not an orchestration of several.
* The wrapper always streams (printing tokens as they arrive). The streaming is the transport's choice for all its
  callers and says nothing about a caller's task: a one-word label or a yes/no check sent through it is still closed."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind, Verdict
from slmc.passes.triage import multi_task_wrappers, site_evidence, triage_site

from .trees import analysed_graph, site_at, write_tree

_CHAT = """
    from openai import OpenAI


    class Chat:
        def __init__(self, system: str):
            self.turns = [{"role": "system", "content": system}]

        def ask(self, text: str, stop: str = "") -> str:
            sent = [*self.turns, {"role": "user", "content": text}]
            out = ""
            for chunk in OpenAI().chat.completions.create(model="gpt-4o", messages=sent, stream=True):
                piece = chunk.choices[0].delta.content or ""
                print(piece, end="", flush=True)
                out += piece
            self.turns += [{"role": "user", "content": text}, {"role": "assistant", "content": out}]
            return out


    def ask_until_done(chat: Chat, text: str, end: str) -> str:
        answer = chat.ask(text)
        while end not in answer:
            answer += chat.ask("Continue generating from where you stopped. Do not start over.")
        return answer
"""

_TASKS = """
    from tools.chat import Chat, ask_until_done

    LABEL = "Label this ticket as bug, feature or question. Answer with one word only.\\n\\n{ticket}"
    TITLE = "Classify whether this commit title follows the convention. Answer yes or no.\\n\\n{title}"
    SPEC = "Write the complete implementation of every module this design describes.\\n\\n{design}"


    def label(ticket: str) -> str:
        return Chat("You sort tickets.").ask(LABEL.format(ticket=ticket))


    def title_ok(title: str) -> bool:
        return Chat("You review commits.").ask(TITLE.format(title=title)).strip().lower() == "yes"


    def implement(design: str) -> str:
        return ask_until_done(Chat("You are a senior engineer."), SPEC.format(design=design), "</code>")
"""


def _graph(tmp_path: Path):
    write_tree(tmp_path, {"tools/__init__.py": "", "tools/chat.py": _CHAT, "tools/tasks.py": _TASKS})
    return analysed_graph(tmp_path)


def test_a_carry_on_turn_is_the_same_task_not_another(tmp_path: Path) -> None:
    graph = _graph(tmp_path)
    multi = multi_task_wrappers(graph)
    assert not [w for w in multi if "ask_until_done" in w]
    site = site_at(graph, "tools/tasks.py", 18)
    reasons = " ".join(e.reason for e in site_evidence(graph, site, multi))
    assert "several LLM calls" not in reasons
    assert triage_site(graph, site, multi).verdict == Verdict.OPEN_ENDED


def test_streaming_of_a_shared_wrapper_is_no_evidence_about_its_callers(tmp_path: Path) -> None:
    graph = _graph(tmp_path)
    multi = multi_task_wrappers(graph)
    for line in (10, 14):
        site = site_at(graph, "tools/tasks.py", line)
        assert site.site == SiteKind.WRAPPER_CALL
        reasons = [e.reason for e in site_evidence(graph, site, multi)]
        assert "answer streamed" not in reasons
        assert triage_site(graph, site, multi).verdict == Verdict.NARROW
