"""An answer looked up in a collection of what came before (``if plan in tried:``, ``state["seen_calls"]``) is a
dedupe: the program asks whether the model repeated itself, not whether the answer is one of a closed set of labels.
A lookup in a collection named for its options (``allowed``) still reads as a label check."""

from __future__ import annotations

from slmc.frontend import analyze_source

_SOURCE = """
import litellm


def ask(text):
    return litellm.completion(model="gpt-4o-mini", messages=[{"role": "user", "content": text}])


def next_move(board, state):
    move = ask("Propose the next edit for this draft: " + board)
    if move in state["seen_moves"]:
        move = ask("You proposed that already. Propose another edit: " + board)
    state["seen_moves"].add(move)
    return move


def retry_plan(goal, tried):
    plan = ask("Write a plan for: " + goal)
    while plan in tried:
        plan = ask("Write a different plan for: " + goal)
    return plan


def pick_team(ticket, allowed):
    team = ask("Which team owns this ticket? " + ticket)
    if team in allowed:
        return team
    return "triage"
"""


def test_lookup_in_earlier_answers_is_no_label_check() -> None:
    graph, _ = analyze_source(_SOURCE, path="moves.py")
    by_line = {s.loc.line: s for s in graph.sites()}
    assert "label-set" not in by_line[10].consumers
    assert "label-set" not in by_line[18].consumers
    assert "label-set" in by_line[25].consumers
