"""A plan is a judgement call when the answer is the plan (sub-tasks to list); a sub-task the input only mentions
(``the step that failed``) does not make a summary of a log a planning task."""

from __future__ import annotations

from slmc.ir import AgentGraph, Verdict
from slmc.passes.triage import JUDGEMENT, triage_site

from .builders import add_site


def _triage(prompt: str):
    g = AgentGraph()
    return triage_site(g, add_site(g, "f", 10, system=prompt, user="{log}"))


def test_subtask_mentioned_in_the_input_is_no_plan() -> None:
    t = _triage(
        "Below is the log of a run. A failure of a sub-task is marked FAILED. "
        'Return valid JSON with the keys "errors" and "fixes", extracting each error message from the log.'
    )
    assert not any(r.startswith(JUDGEMENT) for r in t.reasons), t
    assert t.verdict == Verdict.NARROW, t


def test_subtasks_the_answer_lists_are_a_plan() -> None:
    t = _triage("Break the goal below into subtasks and return them as a JSON list of strings.")
    assert JUDGEMENT + "planning" in t.reasons, t


def test_a_plan_handed_in_as_input_is_no_planning_task() -> None:
    t = _triage(
        "Read the given migration plan below. For every step of the plan, name the database tables it touches.\n"
        "Migration plan:\n{plan}\n"
        'Return only JSON of the form {"tables": ["<TABLE>", ...]}.'
    )
    assert JUDGEMENT + "planning" not in t.reasons, t


def test_a_plan_handed_in_and_asked_to_be_revised_stays_planning() -> None:
    t = _triage(
        "Here is the current plan of the project:\n{plan}\n"
        "A step failed. Revise the plan and return the updated list of steps as JSON."
    )
    assert JUDGEMENT + "planning" in t.reasons, t


def test_subtasks_asked_with_no_schema_are_a_free_form_plan() -> None:
    t = _triage("Split the goal below into subtasks. Keep it short.")
    assert 'prompt says "free-form planning"' in t.reasons, t
    assert not any(r.startswith(JUDGEMENT) for r in t.reasons), t
    assert t.verdict == Verdict.OPEN_ENDED, t


def test_forbidden_decomposition_is_no_plan() -> None:
    t = _triage("Do not divide the request into subtasks; label it as billing or shipping.")
    assert 'prompt says "free-form planning"' not in t.reasons, t


def test_a_plan_asked_to_be_devised_with_no_schema_is_a_free_form_plan() -> None:
    t = _triage(
        "We have this team of assistants:\n{team}\n"
        "Given the team and the facts known so far, devise a short bullet-point plan for the request."
    )
    assert 'prompt says "free-form planning"' in t.reasons, t
    assert t.verdict == Verdict.OPEN_ENDED, t


def test_a_plan_handed_in_is_not_devised() -> None:
    t = _triage("Here is the plan:\n{plan}\nIs the plan complete? Answer yes or no.")
    assert 'prompt says "free-form planning"' not in t.reasons, t
