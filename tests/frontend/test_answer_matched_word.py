"""An answer compared for equality with a fixed word (``if verdict.strip().lower() != "yes": break``, ``"done" ==
status``) is checked against a closed set of labels, as a membership test is; a comparison with an empty text or a
long text is no label check, nor is a field of what the answer was parsed into compared with a marker."""

from __future__ import annotations

from slmc.frontend import analyze_source

_SOURCE = """
import json

import litellm


def ask(text):
    out = litellm.completion(model="gpt-4o-mini", messages=[{"role": "user", "content": text}])
    return out.choices[0].message.content


def more_to_add(notes):
    verdict: str = ask("Were any items missed in these notes? Answer YES or NO. " + notes)
    verdict = verdict.strip().strip('"').lower()
    if verdict != "yes":
        return False
    return True


def finished(log):
    status = ask("Reply done if the task in this log is finished, else pending. " + log)
    return "done" == status.strip()


def drafted(topic):
    draft = ask("Write a short paragraph about " + topic)
    if draft == "":
        return None
    return draft


def edited(files):
    edits = json.loads(ask("Rewrite each file below; answer a JSON object of name -> code, or __DEL__ to drop it." + files))
    if edits["main.py"] != "__DEL__":
        return edits
    return None
"""


def test_answer_compared_with_a_fixed_word_is_a_label_check() -> None:
    graph, _ = analyze_source(_SOURCE, path="checks.py")
    by_line = {s.loc.line: s for s in graph.sites()}
    assert "label-set" in by_line[13].consumers
    assert "label-set" in by_line[21].consumers
    assert "label-set" not in by_line[26].consumers
    assert "label-set" not in by_line[33].consumers  # a field of the parsed answer tested for a marker
