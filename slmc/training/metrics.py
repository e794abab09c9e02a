"""Task-aware agreement metrics between an SLM's answer and a reference (the teacher's answer or ground truth).

Every metric scores one row in ``[0, 1]``: ``exact`` (normalised text equality), ``label`` (closed label set),
``json-fields`` (field-level accuracy of a JSON object; invalid JSON scores 0), ``json-exact`` (the whole object
agrees, values normalised as in ``json-fields``: what the quality gate uses for JSON tasks, since an agent acts on the
whole object and one wrong field is a wrong answer), ``tool-call`` (BFCL-style: right
function names and every argument equal to an accepted value, types and whitespace normalised) and ``similarity``
(embedding cosine for free text). Binary metrics get a Wilson bound in the gate, the others a bootstrap bound.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

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


# ---- normalisation -----------------------------------------------------------------------------------------------
_SPACE = re.compile(r"\s+")
_LABEL_EDGE = re.compile(r"^[\s\"'`.:;,!\[\]()]+|[\s\"'`.:;,!\[\]()]+$")
_BFCL_STRIP = re.compile(r"[ ,./\-_*^]")


def normalize_text(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def normalize_label(text: str) -> str:
    return _LABEL_EDGE.sub("", normalize_text(text)).lower()


_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$")
_INVALID = object()


def parse_json(text: Any) -> Any:
    """A JSON value from an answer (code fences stripped); ``_INVALID`` when it does not parse."""
    if not isinstance(text, str):
        return text
    try:
        return json.loads(_FENCE.sub("", text.strip()))
    except json.JSONDecodeError:
        return _INVALID


def is_valid_json(text: Any) -> bool:
    return parse_json(text) is not _INVALID


# ---- per-row scores ------------------------------------------------------------------------------------------------
def score_exact(prediction: str, reference: Any) -> RowScore:
    ref = reference if isinstance(reference, str) else json.dumps(reference, sort_keys=True, ensure_ascii=False)
    return RowScore(float(normalize_text(prediction) == normalize_text(ref)))


def score_label(prediction: str, reference: Any, labels: tuple[str, ...] = ()) -> RowScore:
    predicted = normalize_label(prediction)
    in_set = not labels or predicted in {normalize_label(x) for x in labels}
    return RowScore(float(predicted == normalize_label(str(reference))), {"in_label_set": in_set})


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, inner in value.items():
            out.update(_flatten(inner, f"{prefix}.{key}" if prefix else str(key)))
        return out or {prefix: {}}
    return {prefix: value}


def score_json_fields(prediction: Any, reference: Any) -> RowScore:
    """Share of fields (leaf paths over the union of both objects) whose values agree; invalid JSON scores 0."""
    pred = parse_json(prediction)
    ref = parse_json(reference)
    if pred is _INVALID:
        return RowScore(0.0, {"valid": False, "exact": False})
    if ref is _INVALID:
        ref = reference
    if not isinstance(pred, dict) or not isinstance(ref, dict):
        same = values_equal(pred, ref)
        return RowScore(float(same), {"valid": True, "exact": same})
    flat_pred, flat_ref = _flatten(pred), _flatten(ref)
    keys = set(flat_pred) | set(flat_ref)
    if not keys:
        return RowScore(1.0, {"valid": True, "exact": True})
    right = sum(1 for k in keys if k in flat_pred and k in flat_ref and values_equal(flat_pred[k], flat_ref[k]))
    return RowScore(right / len(keys), {"valid": True, "exact": right == len(keys)})


def score_json_exact(prediction: Any, reference: Any) -> RowScore:
    """1 when every field agrees (``json-fields`` == 1), else 0; the field-level share stays in the details."""
    fields = score_json_fields(prediction, reference)
    return RowScore(float(bool(fields.details.get("exact"))), {**fields.details, "fields": fields.value})


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def values_equal(a: Any, b: Any) -> bool:
    """Equality with types and whitespace normalised (``5 == 5.0 == "5"``, strings BFCL-standardised)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(values_equal(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(values_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, bool) or isinstance(b, bool):
        return str(a).lower() == str(b).lower()
    na, nb = _number(a), _number(b)
    if na is not None and nb is not None:
        return math.isclose(na, nb, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(a, str) and isinstance(b, str):
        return _BFCL_STRIP.sub("", a).lower().replace("'", '"') == _BFCL_STRIP.sub("", b).lower().replace("'", '"')
    return a == b


_TOOL_TAG = re.compile(r"<tool_call>\s*(.*?)\s*</tool_call>", re.S)


def parse_tool_calls(text: Any) -> list[dict[str, Any]] | None:
    """``[{"name", "arguments"}]`` from an answer: a JSON list/object, or ``<tool_call>`` blocks; None if unparseable."""
    if isinstance(text, list):
        value: Any = text
    else:
        blocks = _TOOL_TAG.findall(text) if isinstance(text, str) else []
        value = [parse_json(b) for b in blocks] if blocks else parse_json(text)
    if value is _INVALID:
        return None
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        return None
    calls = []
    for item in value:
        if not isinstance(item, dict):
            return None
        fn = item.get("function", item)
        args = fn.get("arguments", fn.get("parameters", {}))
        if isinstance(args, str):
            args = parse_json(args)
            if args is _INVALID:
                return None
        if not isinstance(fn.get("name"), str) or not isinstance(args, dict):
            return None
        calls.append({"name": fn["name"], "arguments": args})
    return calls


def accepted_calls(reference: Any) -> list[tuple[str, dict[str, list[Any]]]] | None:
    """A reference as ``[(name, {arg: [accepted values]})]``: teacher calls (each value accepted alone) or BFCL answers
    (``[{name: {arg: [values]}}]``, where ``""`` marks an argument that may be left out)."""
    if isinstance(reference, str):
        reference = parse_json(reference)
        if reference is _INVALID:
            return None
    if isinstance(reference, dict):
        reference = [reference]
    if not isinstance(reference, list):
        return None
    out = []
    for item in reference:
        if not isinstance(item, dict):
            return None
        if "name" in item and isinstance(item.get("name"), str):
            args = item.get("arguments") or {}
            if isinstance(args, str):
                args = parse_json(args)
            if not isinstance(args, dict):
                return None
            out.append((item["name"], {k: [v] for k, v in args.items()}))
        elif len(item) == 1:
            ((name, args),) = item.items()
            if not isinstance(args, dict):
                return None
            out.append((name, {k: v if isinstance(v, list) else [v] for k, v in args.items()}))
        else:
            return None
    return out


def _call_matches(call: dict[str, Any], name: str, accepted: dict[str, list[Any]]) -> tuple[bool, bool]:
    """(name right, name and all arguments right) for one predicted call against one accepted call."""
    if call["name"] != name:
        return False, False
    args = call["arguments"]
    for key, values in accepted.items():
        if key not in args:
            if "" not in values and None not in values:
                return True, False
            continue
        if not any(values_equal(args[key], v) for v in values if v != ""):
            return True, False
    return True, all(key in accepted for key in args)


def score_tool_call(prediction: Any, reference: Any) -> RowScore:
    """1 when every call has the right function and arguments (calls matched in name order), else 0."""
    calls = parse_tool_calls(prediction)
    ref = accepted_calls(reference)
    if calls is None or ref is None:
        return RowScore(0.0, {"parsed": calls is not None, "name": False})
    if len(calls) != len(ref):
        return RowScore(0.0, {"parsed": True, "name": False})
    calls = sorted(calls, key=lambda c: c["name"])
    ref = sorted(ref, key=lambda r: r[0])
    results = [_call_matches(c, name, acc) for c, (name, acc) in zip(calls, ref, strict=True)]
    names_ok = all(r[0] for r in results)
    return RowScore(float(all(r[1] for r in results)), {"parsed": True, "name": names_ok})


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


def score_rows(
    metric: str,
    predictions: list[str],
    references: list[Any],
    *,
    labels: tuple[str, ...] = (),
    embedder: Any = None,
) -> list[RowScore]:
    """Score every prediction against its reference with ``metric``."""
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; known: {', '.join(METRICS)}")
    if metric == "similarity":
        refs = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in references]
        return similarity_scores(predictions, refs, embedder)
    scorer = {
        "exact": score_exact,
        "label": lambda p, r: score_label(p, r, labels),
        "json-fields": score_json_fields,
        "json-exact": score_json_exact,
        "tool-call": score_tool_call,
    }[metric]
    return [scorer(p, r) for p, r in zip(predictions, references, strict=True)]


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
    return out
