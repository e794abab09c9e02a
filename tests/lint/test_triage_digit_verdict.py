"""A verdict given as a digit (``answer with verdict 1 if the claim follows, else 0``) scores a fact: no review with a
verdict (CALLSITES.md: yes/no and scores are narrow); a review of written work ending in a verdict stays the judgement
call, and so does a bare verdict whose values are no digits. Prompts written for these tests."""

from __future__ import annotations

from slmc.passes.triage import judgement_cues

REVIEW = "review with a verdict"


def test_digit_verdict_is_no_review() -> None:
    text = "For each claim, return verdict as 1 if the passage supports it, or 0 if it does not, with a reason."
    assert REVIEW not in judgement_cues([text], structured=True)
    assert REVIEW not in judgement_cues(['Give verdict as "1" if useful and "0" if not.'], structured=False)


def test_reviews_and_worded_verdicts_stay_judgement_calls() -> None:
    assert REVIEW in judgement_cues(["Review the patch below and give your verdict: approve or reject."], False)
    assert REVIEW in judgement_cues(["Read the transcript and give a final verdict on who won the debate."], False)
    # a digit further on in another sentence says nothing of the verdict's values
    assert REVIEW in judgement_cues(["State your verdict. Then list 1 reason."], False)
