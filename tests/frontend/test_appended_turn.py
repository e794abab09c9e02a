"""A conversation wrapper that takes the history and an optional new turn (``go_on(messages, prompt=None)``) and
appends the turn to the history before it sends it: a caller's prompt argument is the last message of what is sent."""

from __future__ import annotations

from pathlib import Path

from tests.frontend.trees import analysed_graph, messages_at, write_tree

TALKER = """
    from langchain.schema import HumanMessage
    from langchain_openai import ChatOpenAI


    class Talker:
        def __init__(self):
            self.llm = ChatOpenAI(model="gpt-4o")

        def go_on(self, messages, prompt=None, *, tag=""):
            if prompt:
                messages.append(HumanMessage(content=prompt))
            reply = self.llm.invoke(messages)
            messages.append(reply)
            return messages
"""

FLOW = """
    from langchain.schema import SystemMessage

    from bot.talker import Talker

    ASK = "Decide whether the request below is ambiguous; if it is, ask one short question."


    def talk(t: Talker, request):
        messages = [SystemMessage(content=ASK)]
        messages = t.go_on(messages, request, tag="ask")
        messages = t.go_on(messages, "Now write the complete program for the request, every file in full.", tag="x")
        messages = t.go_on(messages, tag="again")
        return messages
"""


def _messages(tmp_path: Path, line: int) -> list[tuple[str, str]]:
    write_tree(tmp_path, {"bot/__init__.py": "", "bot/talker.py": TALKER, "bot/flow.py": FLOW})
    return messages_at(analysed_graph(tmp_path), "bot/flow.py", line)


def test_new_turn_argument_is_sent_after_the_history(tmp_path: Path) -> None:
    msgs = _messages(tmp_path, 12)
    assert msgs[0][0] == "system" and "ambiguous" in msgs[0][1]
    assert msgs[-1] == ("user", "Now write the complete program for the request, every file in full.")


def test_option_arguments_are_not_turns(tmp_path: Path) -> None:
    msgs = _messages(tmp_path, 13)  # no new turn given; the keyword-only tag is no message
    assert not any("again" in text for _, text in msgs)
    assert not any("every file in full" in text for _, text in msgs)
