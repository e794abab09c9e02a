"""Readings of the output space (prompts written for these tests): a list of the project's files or folders asked from
a listing of the project handed in picks items of that listing (narrow), while files asked for with no listing are new
content; a task broken into "smaller problems" with no fixed schema is a free-form plan, as "sub-tasks" is; past
reflections handed in are no self-reflection asked."""

from __future__ import annotations

from slmc.ir import AgentGraph, Verdict
from slmc.passes.triage import collect_evidence, judgement_cues, triage_site

from .builders import add_site

PICK = 'prompt says "pick among listed items"'
FREE_PLAN = 'prompt says "free-form planning"'

LISTED = (
    "Read the bug report and the project tree below, then give a list of files that would have to change to fix "
    "the bug.\n\n## Bug report\n{report}\n\n## Project tree\n{tree}\n\nOne path a line."
)


def _reasons(user: str) -> set[str]:
    g = AgentGraph()
    return {e.reason for e in collect_evidence(g, add_site(g, "ask", 3, user=user))}


def test_files_picked_from_the_project_tree_read_narrow() -> None:
    assert PICK in _reasons(LISTED)
    g = AgentGraph()
    assert triage_site(g, add_site(g, "files_to_change", 7, user=LISTED)).verdict == Verdict.NARROW
    folders = "Here is the repository structure:\n{tree}\nReturn the folders that are irrelevant to the bug {bug}."
    assert PICK in _reasons(folders)


def test_files_asked_with_no_listing_are_not_picked() -> None:
    assert PICK not in _reasons("Plan the new service, then list the files you will create and their purpose.")
    # a listing handed in, but the files asked are to be written, not picked
    assert PICK not in _reasons("Here is the project tree:\n{tree}\nWrite the missing modules in full.")


def test_smaller_problems_are_a_free_plan() -> None:
    text = (
        "Goal: {goal}\nDo not solve it; break it down into smaller problems, each an instruction, as a numbered list."
    )
    assert FREE_PLAN in _reasons(text)
    assert FREE_PLAN not in _reasons(text + '\nAnswer as JSON: {"steps": [...]}')
    assert FREE_PLAN not in _reasons("Split the text into smaller chunks of 200 words each.")


def test_reflections_handed_in_are_no_reflection_asked() -> None:
    """An answer written on top of past reflections (a heading over a slot, "based on ... and the reflections") is no
    self-reflection: the judgement cue stays off and the open answer reads open; one asked for keeps the cue."""
    given = (
        "GOAL: {goal}\n\nEARLIER REFLECTIONS:\n{notes}\n\n"
        "Based on the goal and the earlier reflections, give a comprehensive, detailed answer."
    )
    assert not judgement_cues([given], False)
    g = AgentGraph()
    assert triage_site(g, add_site(g, "answer_goal", 9, user=given)).verdict == Verdict.OPEN_ENDED
    asked = "ATTEMPT:\n{attempt}\n\nBased on the attempt and its score, write a self-reflection naming what to change."
    assert judgement_cues([asked], False) == ["self-reflection"]
    assert judgement_cues(["Write your reflection on the attempt:\n"], False) == ["self-reflection"]


def test_a_reflection_heading_over_its_slot_is_input() -> None:
    """The prompt's static text, as triage reads it, has the slot under the heading already dropped."""
    text = "DRAFT:\n\n\nREFLECTION:\n\n\nUsing the draft and the notes above, give a better draft of the essay."
    assert not judgement_cues([text], False)
