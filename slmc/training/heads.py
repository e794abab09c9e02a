"""Train and answer with the encoder heads a plan may choose instead of a generative SLM, by the plan's method.

* ``encoder-classifier``: the label head with its encoder fine-tuned end to end (``slmc.training.encoder_classifier``,
  saved and read as a classifier head);
* ``span-head``: the extractive JSON tagger (``slmc.training.span_head``);
* ``tool-head``: tool choice among the request's own tools and argument filling (``slmc.training.tool_head``).

``train_head`` is what ``slmc.training.trainer.train_task`` runs for these methods; ``predict_head`` gives evaluation
the answers as text (the JSON object, or the tool calls as the canonical JSON list a generative SLM would write) with
the head's own confidence, so ``slmc.answers`` and the gate judge them like every other kind.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from slmc.ir.nodes import FinetunePlan
from slmc.training.classifier import Prediction

TRAINED_HEADS = ("encoder-classifier", "span-head", "tool-head")
HEAD_THREADS = 2  # intra-op threads for the encoders while training on the CPU


def train_head(
    plan: FinetunePlan,
    rows: list[dict[str, Any]],
    out: Path,
    *,
    schema: dict[str, Any] | None = None,
    device: str = "cpu",
    max_seconds: float = 0.0,
    log: Callable[[str], None] = lambda msg: None,
) -> float:
    """Train the head ``plan.method`` names on ``rows`` into ``out``; returns the training seconds."""
    budget = max_seconds if max_seconds > 0 else None
    if plan.method == "encoder-classifier":
        from slmc.training.encoder_classifier import train_encoder_classifier

        return train_encoder_classifier(
            rows,
            out,
            seed=plan.seed,
            epochs=plan.epochs,
            lr=plan.learning_rate,
            batch_size=plan.batch_size,
            max_length=plan.max_length,
            max_seconds=max_seconds,
            device=device,
            log=log,
            threads=HEAD_THREADS if device == "cpu" else 0,
        )
    if plan.method == "span-head":
        from slmc.training.span_head import train_span_head

        report = train_span_head(
            rows,
            out,
            schema=schema if isinstance(schema, dict) and schema.get("properties") else None,
            epochs=max(1, round(plan.epochs)),
            batch_size=plan.batch_size,
            lr=plan.learning_rate,
            seed=plan.seed,
            max_seconds=budget,
            threads=HEAD_THREADS if device == "cpu" else None,
        )
        if report.skipped:
            log(f"span head: {report.used} of {report.rows} rows used; skipped {report.skipped}")
        return report.seconds
    if plan.method == "tool-head":
        from slmc.training.tool_head import train_tool_head

        info = train_tool_head(
            rows,
            out,
            epochs=plan.epochs,
            lr=plan.learning_rate,
            batch_calls=plan.batch_size,
            max_len=plan.max_length,
            seed=plan.seed,
            threads=HEAD_THREADS if device == "cpu" else None,
            time_budget=budget,
            train_layers=1,
        )
        if info.skipped:
            log(f"tool-call head: {info.examples} of {len(rows)} rows used; {info.skipped} skipped")
        return info.seconds
    raise ValueError(f"not an encoder head: {plan.method!r}")


def tool_answer_text(call: dict[str, str] | None) -> str:
    """A tool-call head's answer as the canonical JSON list ``[{"name", "arguments"}]`` (``""``: no tool)."""
    if call is None:
        return ""
    try:
        arguments = json.loads(call.get("arguments") or "{}")
    except json.JSONDecodeError:
        arguments = call.get("arguments")
    return json.dumps([{"name": call.get("name"), "arguments": arguments}], sort_keys=True, ensure_ascii=False)


def predict_head(
    method: str, model_path: Path, rows_by_split: dict[str, list[dict[str, Any]]], *, device: str | None = None
) -> dict[str, list[Prediction]]:
    """Answers for every split's rows from the head at ``model_path`` (loaded once)."""
    from slmc.training.datasets import user_text

    if method == "encoder-classifier":
        from slmc.training.classifier import ClassifierHead

        head = ClassifierHead(model_path, device=device)
        return {split: head.predict(rows) for split, rows in rows_by_split.items()}
    if method == "span-head":
        from slmc.training.span_head import SpanHead

        span = SpanHead.load(model_path)
        return {
            split: [Prediction(e.text, e.confidence) for e in span.predict([user_text(r) for r in rows])]
            for split, rows in rows_by_split.items()
        }
    if method == "tool-head":
        from slmc.training.tool_head import ToolCallHead

        tool = ToolCallHead(model_path, device=device)
        return {
            split: [
                Prediction(tool_answer_text(p.call), 0.0 if p.fallback else p.confidence) for p in tool.predict(rows)
            ]
            for split, rows in rows_by_split.items()
        }
    raise ValueError(f"not an encoder head: {method!r}")
