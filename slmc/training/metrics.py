"""Task-aware agreement metrics between an SLM's answer and a reference (the teacher's answer or ground truth).

Every metric scores one row in ``[0, 1]``: ``exact`` (normalised text equality), ``label`` (closed label set),
``json-fields`` (field-level accuracy of a JSON object; invalid JSON scores 0), ``json-exact`` (the whole object
agrees, values normalised as in ``json-fields``: what the quality gate uses for JSON tasks, since an agent acts on the
whole object and one wrong field is a wrong answer), ``tool-call`` (BFCL-style: right
function names and every argument equal to an accepted value, types and whitespace normalised) and ``similarity``
(embedding cosine for free text). Binary metrics get a Wilson bound in the gate, the others a bootstrap bound.

What agrees with what (labels, fences, JSON values, tool-call shapes) is ``slmc.answers``, the module the router's
validator uses too; given the task's contract, ``score_rows`` scores 0 for an answer the validator would reject, so a
row agrees exactly when the router would serve the answer and count it as agreeing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from slmc.answers import (  # noqa: F401 - re-exported: the metrics' vocabulary
    INVALID,
    accepted_calls,
    answers_agree,
    compare_json,
    compare_tool_calls,
    normalize_label,
    normalize_text,
    parse_json,
    parse_tool_calls,
    strip_fence,
    values_equal,
)
from slmc.ir.nodes import Contract

METRICS = ("exact", "label", "json-fields", "json-exact", "tool-call", "similarity")
BINARY_METRICS = frozenset({"exact", "label", "json-exact", "tool-call"})


def metric_for(contract: Contract | None) -> str:
    """The metric that fits a task's output contract."""
    if contract is None:
        return "exact"
    return {
        "label": "label",
        "json": "json-exact",
        "tool-call": "tool-call",
        "regex": "exact",
    }.get(contract.kind, "exact" if contract.strictness >= 0.5 else "similarity")


@dataclass(frozen=True)
class RowScore:
    value: float  # 0..1
    details: dict[str, Any] = field(default_factory=dict)


# ---- per-row scores (what a correct answer is lives in slmc.answers, shared with the router) ------------------------
def score_exact(prediction: str, reference: Any) -> RowScore:
    return RowScore(float(answers_agree("text", prediction, reference)))


def score_label(prediction: str, reference: Any, labels: tuple[str, ...] = ()) -> RowScore:
    """1 when the labels agree and, given a label set, the prediction is in it (the router rejects any other)."""
    in_set = not labels or normalize_label(prediction) in {normalize_label(x) for x in labels}
    return RowScore(float(in_set and answers_agree("label", prediction, reference)), {"in_label_set": in_set})


def score_json_fields(prediction: Any, reference: Any) -> RowScore:
    """Share of fields (leaf paths over the union of both objects) whose values agree; invalid JSON scores 0."""
    valid, share, exact = compare_json(prediction, reference)
    return RowScore(share, {"valid": valid, "exact": exact})


def score_json_exact(prediction: Any, reference: Any) -> RowScore:
    """1 when every field agrees (``json-fields`` == 1), else 0; the field-level share stays in the details."""
    fields = score_json_fields(prediction, reference)
    return RowScore(float(bool(fields.details.get("exact"))), {**fields.details, "fields": fields.value})


def score_tool_call(prediction: Any, reference: Any, tools: Any = None) -> RowScore:
    """1 when every call has the right function and arguments (calls matched one to one, in any order), else 0;
    ``tools``: the request's tools (an argument equal to its schema default is the argument left out)."""
    parsed, names, right = compare_tool_calls(prediction, reference, tools)
    return RowScore(float(right), {"parsed": parsed, "name": names})


def similarity_scores(predictions: list[str], references: list[str], embedder: Any = None) -> list[RowScore]:
    """Cosine similarity of sentence embeddings, clipped to ``[0, 1]`` (identical texts score 1)."""
    if not predictions:
        return []
    from slmc.training.embed import Embedder

    embedder = embedder or Embedder("minilm")
    if embedder.name == "tfidf" and embedder.vectorizer is None:
        embedder.fit(predictions + references)
    a = embedder.encode(predictions)
    b = embedder.encode(references)
    out = []
    for i, (p, r) in enumerate(zip(predictions, references, strict=True)):
        if normalize_text(p) == normalize_text(r):
            out.append(RowScore(1.0))
        else:
            out.append(RowScore(float(min(1.0, max(0.0, float(a[i] @ b[i]))))))
    return out


def _row_tools(request_tools: Sequence[Any] | None, i: int) -> list[dict[str, Any]] | None:
    """Row ``i``'s offered tools (a list, or the JSON text the datasets store); None when it has none."""
    tools = request_tools[i] if request_tools is not None and i < len(request_tools) else None
    if isinstance(tools, str):
        tools = parse_json(tools)
    return [t for t in tools if isinstance(t, dict)] if isinstance(tools, list) else None


def contract_checks(
    contract: Contract | dict[str, Any],
    predictions: Sequence[Any],
    request_tools: Sequence[Any] | None = None,
) -> list[str | None]:
    """Per prediction, why the router's contract validator would reject it (None: it passes), checked by the
    validator itself, so the gate scores exactly what the router lets through. ``request_tools``: each row's offered
    tools (a list, or the JSON text the datasets store), for ``tools_per_call`` contracts."""
    from slmc.runtime.contracts import Contract as Validator
    from slmc.runtime.types import Answer

    validator = Validator(contract.to_dict() if isinstance(contract, Contract) else dict(contract))
    out: list[str | None] = []
    for i, prediction in enumerate(predictions):
        tools = _row_tools(request_tools, i)
        if isinstance(prediction, str) or prediction is None:
            answer = Answer(content=prediction)
        else:
            answer = Answer(tool_calls=list(prediction) if isinstance(prediction, list | tuple) else [prediction])
        verdict = validator.check(answer, tools)
        out.append(None if verdict.ok else verdict.error or "rejected")
    return out


def score_rows(
    metric: str,
    predictions: list[str],
    references: list[Any],
    *,
    labels: tuple[str, ...] = (),
    embedder: Any = None,
    contract: Contract | dict[str, Any] | None = None,
    request_tools: Sequence[Any] | None = None,
) -> list[RowScore]:
    """Score every prediction against its reference with ``metric``. Given the task's ``contract``, a prediction the
    router's validator would reject scores 0 (``contract_ok`` False in its details)."""
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; known: {', '.join(METRICS)}")
    if metric == "similarity":
        refs = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in references]
        scores = similarity_scores(predictions, refs, embedder)
    elif metric == "tool-call":  # with each request's tools: their schema defaults stand for arguments left out
        tools = [_row_tools(request_tools, i) for i in range(len(predictions))]
        scores = [score_tool_call(*row) for row in zip(predictions, references, tools, strict=True)]
    else:
        scorer = {
            "exact": score_exact,
            "label": lambda p, r: score_label(p, r, labels),
            "json-fields": score_json_fields,
            "json-exact": score_json_exact,
            "tool-call": score_tool_call,
        }[metric]
        scores = [scorer(p, r) for p, r in zip(predictions, references, strict=True)]
    if contract is None:
        return scores
    problems = contract_checks(contract, predictions, request_tools)
    return [
        RowScore(s.value, {**s.details, "contract_ok": True})
        if problem is None
        else RowScore(0.0, {**s.details, "contract_ok": False, "contract_error": problem})
        for s, problem in zip(scores, problems, strict=True)
    ]


def summarize(metric: str, scores: list[RowScore]) -> dict[str, float]:
    """Aggregate figures: mean agreement plus the metric's own rates (JSON validity, exact rate, tool-name rate)."""
    if not scores:
        return {"agreement": 0.0, "n": 0}
    n = len(scores)
    out: dict[str, float] = {"agreement": sum(s.value for s in scores) / n, "n": n}
    if metric in ("json-fields", "json-exact"):
        out["json_valid"] = sum(bool(s.details.get("valid")) for s in scores) / n
        out["exact"] = sum(bool(s.details.get("exact")) for s in scores) / n
        out["field_accuracy"] = sum(float(s.details.get("fields", s.value)) for s in scores) / n
    if metric == "tool-call":
        out["name_accuracy"] = sum(bool(s.details.get("name")) for s in scores) / n
        out["parsed"] = sum(bool(s.details.get("parsed")) for s in scores) / n
    if metric == "label":
        out["in_label_set"] = sum(bool(s.details.get("in_label_set")) for s in scores) / n
    if any("contract_ok" in s.details for s in scores):
        out["contract_ok"] = sum(bool(s.details.get("contract_ok")) for s in scores) / n
    return out
