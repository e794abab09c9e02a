"""An answer (or a field of the JSON it was parsed into) handed to an enumeration of the tree (``Verdict(out["verdict"])``)
is looked up among that enumeration's members: a closed set of labels, like a membership test. A call of an ordinary
class with the answer, or of an enumeration with more than the answer, is no label check."""

from __future__ import annotations

from slmc.frontend import analyze_source

_SOURCE = """
import json
from enum import Enum

import litellm


class Verdict(Enum):
    Pass = "Pass"
    Fail = "Fail"
    Unsure = "Unsure"


class Note:
    def __init__(self, text):
        self.text = text


def ask(text):
    out = litellm.completion(model="gpt-4o-mini", messages=[{"role": "user", "content": text}])
    return json.loads(out.choices[0].message.content)


def judge(query, answer):
    ret = ask("Does this answer solve the query? Reply JSON with a verdict. " + query + answer)
    verdict = Verdict(ret["verdict"])
    return verdict, ret.get("reason", "")


def noted(topic):
    ret = ask("Write notes about " + topic)
    return Note(ret["notes"])
"""


def test_answer_looked_up_in_an_enum_is_a_label_check() -> None:
    graph, _ = analyze_source(_SOURCE, path="judge.py")
    by_line = {s.loc.line: s for s in graph.sites()}
    assert "label-set" in by_line[25].consumers
    assert "label-set" not in by_line[31].consumers
