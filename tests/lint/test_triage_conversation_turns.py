"""Reading a conversation the way a person does, and four shapes of software-repair prompts (prompts written for
these tests).

- A conversation that carries the model's own earlier answers (assistant turns with no literal text) has had its
  earlier asks answered: the task of this call is the system turns and what is asked after the last answer. A
  few-shot example (an assistant turn with literal text) is not such an answer: the asks before it stay.
- ``Write a patch for the issue`` repairs code; asking which places one would edit does not.
- ``think about which candidate best fits; tell me the number of the candidate`` picks a listed item.
- Working out the root cause of a problem, or what given code does, is open reasoning.
- Deciding whether a patch (a test, a fix) written by someone resolves the issue is a review with a verdict."""

from __future__ import annotations

from slmc.ir import AgentGraph, EdgeKind, LLMCall, Message, Prompt, PromptPart, Verdict
from slmc.passes.triage import judgement_cues, triage_site

from .builders import add_site, wording_reasons


def _conversation(turns: list[tuple[str, str | None]]) -> tuple[AgentGraph, LLMCall]:
    """A site whose prompt is ``turns`` (role, literal text; None: the model's earlier answer, unknown here)."""
    g = AgentGraph()
    site = add_site(g, "tutor", 20, user=None)
    msgs = tuple(
        Message(role, (PromptPart("answer", hole=True),) if text is None else (PromptPart(text),), "dynamic")
        for role, text in turns
    )
    prompt = Prompt(id="prompt:tutor@agent.py:20", messages=msgs)
    g.add(prompt)
    g.add_edge(prompt.id, site.id, EdgeKind.PROMPT)
    return g, site


def test_the_ask_after_the_models_last_answer_is_the_task() -> None:
    g, site = _conversation(
        [
            ("system", "You are a writing tutor."),
            ("user", "Classify the essay as pass or fail. Answer with only pass or fail."),
            ("assistant", None),
            ("user", "Now write a detailed essay of several paragraphs on the same topic."),
        ]
    )
    assert triage_site(g, site).verdict == Verdict.OPEN_ENDED, triage_site(g, site)


def test_a_few_shot_answer_keeps_the_ask_before_it() -> None:
    g, site = _conversation(
        [
            ("user", "Label the sentiment of the text as positive or negative. Answer with only the label.\nI love it"),
            ("assistant", "positive"),
            ("user", "The delivery was late again."),
        ]
    )
    assert triage_site(g, site).verdict == Verdict.NARROW, triage_site(g, site)


def test_a_patch_for_the_issue_repairs_code() -> None:
    assert 'prompt says "repairs code"' in wording_reasons("Write a patch for the issue, based on the code context.")
    assert 'prompt says "repairs code"' in wording_reasons("Generate the minimal fix for this bug.")  # existing wording
    assert 'prompt says "repairs code"' not in wording_reasons("Say which files a patch for the issue would touch.")


def test_the_number_of_the_best_candidate_picks_a_listed_item() -> None:
    pick = 'prompt says "pick among listed items"'
    assert pick in wording_reasons(
        "Think about which candidate best answers the question. Tell me the number of the candidate and why."
    )
    assert pick not in wording_reasons("Explain which design is best for the service, then write it up in full.")


def test_the_root_cause_of_a_problem_is_open_reasoning() -> None:
    why = 'prompt says "advice or explanation"'
    assert why in wording_reasons("First, please analyze the root cause of the crash.")
    assert why in wording_reasons("What does this part of the code do?")
    assert why not in wording_reasons("Classify the cause of the outage as network, disk or other.")


def test_whether_a_patch_resolves_the_issue_is_a_review() -> None:
    assert "review with a verdict" in judgement_cues(
        ["Your task is to decide whether the patch resolves the issue."], False
    )
    assert "review with a verdict" in judgement_cues(
        ["Think about (1) whether the test correctly reproduces it."], False
    )
    assert "review with a verdict" not in judgement_cues(["Decide whether the text mentions a patch release."], False)
