"""Per-task datasets from the scrubbed teacher traces.

Exchange format: OpenAI fine-tuning JSONL, one ``{"messages": [...], "tools"?: [...]}`` per line, the teacher's answer
as the last (assistant) message; tool-call answers as assistant ``tool_calls`` (arguments a JSON string). Written to
``<out>/datasets/<task>/{train,validation,test}.jsonl`` following the curation split (``record.split``), with an
aligned ``<split>.meta.jsonl`` (record id, ground-truth label) that the fine-tuning format has no room for.

For SFT each row becomes a prompt/completion conversational row (completion-only loss). The SLM answers a tool call
as its content: the canonical JSON list ``[{"name", "arguments"}]`` (the same text as ``TraceRecord.answer_text()``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slmc.errors import SlmcError
from slmc.pii.masking import Masking, mask_messages
from slmc.traces.record import TraceRecord, content_text

SPLITS = ("train", "validation", "test")


@dataclass
class TaskDataset:
    """Rows of one task per split (exchange format) and their ground-truth labels (None when unknown)."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {s: [] for s in SPLITS})
    meta: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {s: [] for s in SPLITS})
    dropped: int = 0  # records without an answer (errors, empty outputs)

    def counts(self) -> dict[str, int]:
        return {s: len(self.rows[s]) for s in SPLITS}


def _tool_call_message(calls: list[dict[str, Any]]) -> dict[str, Any]:
    out = []
    for i, call in enumerate(calls):
        args = call.get("arguments")
        out.append(
            {
                "id": f"call_{i}",
                "type": "function",
                "function": {
                    "name": call.get("name"),
                    "arguments": args if isinstance(args, str) else json.dumps(args, ensure_ascii=False),
                },
            }
        )
    return {"role": "assistant", "content": None, "tool_calls": out}


def record_to_row(record: TraceRecord, masking: Masking | None = None) -> dict[str, Any] | None:
    """One exchange-format row for a trace record; None when the record carries no usable answer.

    Its messages and answer are masked as the router masks a served request (``slmc.pii.masking``: PII detected, and
    every placeholder numbered per kind by first appearance in the row), so a model is trained and evaluated on inputs
    shaped like those it serves. ``masking``: an empty ``Masking`` to use (the caller reads its values), else a new one.
    """
    if record.error or (not record.tool_calls and not record.output):
        return None
    messages = [dict(m) for m in record.messages]
    if not messages:
        return None
    if record.tool_calls:
        messages.append(_tool_call_message(record.tool_calls))
    else:
        messages.append({"role": "assistant", "content": record.output})
    masking = masking if masking is not None else Masking()
    # the input as the router masks a served request; the answer only with the input's values (nothing new found)
    row: dict[str, Any] = {
        "messages": [*mask_messages(messages[:-1], masking), masking.message(messages[-1], answer=True)]
    }
    if record.tools:
        row["tools"] = record.tools
    return row


def build_task_dataset(records: Iterable[TraceRecord], task_id: str) -> TaskDataset:
    """Rows of ``task_id`` by curation split; records without a split count as train."""
    data = TaskDataset()
    for record in records:
        if record.task != task_id:
            continue
        split = record.split if record.split in SPLITS else "train"
        masking = Masking()
        row = record_to_row(record, masking)
        if row is None:
            data.dropped += 1
            continue
        data.rows[split].append(row)
        data.meta[split].append({"id": record.id, "label": masking.value(record.label, answer=True)})
    return data


# ---- held-out calls sized for the gate --------------------------------------------------------------------------------
def stratum(row: dict[str, Any], *, by_answer: bool) -> str:
    """What a split keeps in proportion: the tool names of a tool-call answer, the answer itself for a label task
    (``by_answer``), nothing otherwise."""
    calls = tool_calls_of(row["messages"][-1])
    if calls:
        return "tools:" + ",".join(sorted(str(c.get("name")) for c in calls))
    return "answer:" + reference_answer(row).strip() if by_answer else ""


def _prompt_key(row: dict[str, Any]) -> str:
    return json.dumps([prompt_messages(row), row.get("tools")], sort_keys=True, ensure_ascii=False, default=str)


def _ordered(data: TaskDataset, by_answer: bool, seed: int) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Every row of the task (all splits) with its meta, grouped by stratum and shuffled inside it by a salted hash of
    the prompt: deterministic, and independent of the order the traces came in."""
    import hashlib

    pairs = [(row, meta) for split in SPLITS for row, meta in zip(data.rows[split], data.meta[split], strict=True)]
    salt = str(seed).encode()

    def key(pair: tuple[dict[str, Any], dict[str, Any]]) -> tuple[str, bytes]:
        return stratum(pair[0], by_answer=by_answer), hashlib.sha256(salt + _prompt_key(pair[0]).encode()).digest()

    return sorted(pairs, key=key)


def _same_prompt_together(pairs: list[tuple[dict[str, Any], dict[str, Any]]], where: list[Any]) -> list[Any]:
    """The same prompt (answered more than once) goes where its first row went, so no prompt is on both sides."""
    first: dict[str, Any] = {}
    return [first.setdefault(_prompt_key(row), w) for (row, _), w in zip(pairs, where, strict=True)]


def resplit(data: TaskDataset, *, test_rows: int, validation_rows: int, by_answer: bool = False,
            seed: int = 0) -> TaskDataset:  # fmt: skip
    """The task's rows split again with ``test_rows`` / ``validation_rows`` held out, stratified (``stratum``):
    rows are taken at an even stride through the stratum-ordered list, so each label / tool keeps its share."""
    pairs = _ordered(data, by_answer, seed)
    n = len(pairs)
    f_test = min(1.0, test_rows / n) if n else 0.0
    f_val = min(1.0, validation_rows / max(1, n - test_rows)) if n > test_rows else 0.0
    acc_test = acc_val = 0.5
    where = []
    for _ in pairs:
        acc_test += f_test
        if acc_test >= 1.0:
            acc_test -= 1.0
            where.append("test")
            continue
        acc_val += f_val
        if acc_val >= 1.0:
            acc_val -= 1.0
            where.append("validation")
        else:
            where.append("train")
    out = TaskDataset(dropped=data.dropped)
    for (row, meta), split in zip(pairs, _same_prompt_together(pairs, where), strict=True):
        out.rows[split].append(row)
        out.meta[split].append(meta)
    return out


def kfold(data: TaskDataset, *, folds: int, by_answer: bool = False, seed: int = 0) -> TaskDataset:
    """Every row of the task in ``train`` with a ``fold`` (0..folds-1) in its meta, stratified as ``resplit``: for
    heads that train in seconds, each call is scored by a head that did not see it, so the gate rests on all calls."""
    pairs = _ordered(data, by_answer, seed)
    out = TaskDataset(dropped=data.dropped)
    for (row, meta), fold in zip(pairs, _same_prompt_together(pairs, [i % folds for i in range(len(pairs))]),
                                 strict=True):  # fmt: skip
        out.rows["train"].append(row)
        out.meta["train"].append({**meta, "fold": fold})
    return out


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")


def write_task_dataset(data: TaskDataset, folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for split in SPLITS:
        paths[split] = folder / f"{split}.jsonl"
        _write_jsonl(paths[split], data.rows[split])
        _write_jsonl(folder / f"{split}.meta.jsonl", data.meta[split])
    return paths


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Rows of a JSONL file; a malformed line is a user error naming file and line."""
    if not path.exists():
        raise SlmcError(f"dataset file {path} does not exist", hint="run plan-finetune (slmc analyze/compile) first")
    rows = []
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise SlmcError(f"not JSON: {exc.msg}", path=str(path), line=number) from None
    return rows


def read_meta(dataset_path: Path) -> list[dict[str, Any]]:
    """The aligned meta rows (id, label) of a split file; empty dicts when the file has none."""
    meta_path = dataset_path.with_name(dataset_path.name.replace(".jsonl", ".meta.jsonl"))
    return read_jsonl(meta_path) if meta_path.exists() else []


# ---- rows for training and generation -------------------------------------------------------------------------------
def _arguments(raw: Any) -> Any:
    if isinstance(raw, str):
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            return raw
    return raw


def tool_calls_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    """``[{"name", "arguments"}]`` of an OpenAI assistant message (arguments parsed when JSON)."""
    calls = []
    for call in message.get("tool_calls") or []:
        fn = call.get("function", call)
        calls.append({"name": fn.get("name"), "arguments": _arguments(fn.get("arguments"))})
    return calls


def answer_text(message: dict[str, Any]) -> str:
    """The answer the SLM learns to produce: the text, or tool calls as canonical JSON (``TraceRecord.answer_text``)."""
    calls = tool_calls_of(message)
    if calls:
        return json.dumps(calls, sort_keys=True, ensure_ascii=False)
    return content_text(message.get("content"))


def _plain(message: dict[str, Any]) -> dict[str, str]:
    """A message with string content (history tool calls become their JSON text) for any chat template."""
    role = message.get("role", "user")
    if role == "assistant":
        return {"role": role, "content": answer_text(message)}
    return {"role": role, "content": content_text(message.get("content"))}


def prompt_messages(row: dict[str, Any]) -> list[dict[str, str]]:
    return [_plain(m) for m in row["messages"][:-1]]


def to_prompt_completion(row: dict[str, Any]) -> dict[str, Any]:
    """An exchange row as a trl prompt/completion conversational row (``tools`` as a JSON string column)."""
    messages = row.get("messages") or []
    if not messages or messages[-1].get("role") != "assistant":
        raise SlmcError("a dataset row must end with the assistant's answer", hint="rebuild the datasets")
    return {
        "prompt": prompt_messages(row),
        "completion": [{"role": "assistant", "content": answer_text(messages[-1])}],
        "tools": json.dumps(row.get("tools") or None, ensure_ascii=False),  # "null" when none
    }


def reference_answer(row: dict[str, Any]) -> str:
    return answer_text(row["messages"][-1])


def user_text(row: dict[str, Any]) -> str:
    """The varying input of a row (non-system prompt messages), what a classifier head sees."""
    return "\n".join(m["content"] for m in prompt_messages(row) if m["role"] not in ("system", "developer"))


def corpus_texts(rows: Iterable[dict[str, Any]]) -> Iterable[str]:
    """Every text of the rows (prompts, tools, answers), to train a scratch tokenizer on."""
    for row in rows:
        for message in prompt_messages(row):
            yield message["content"]
        yield reference_answer(row)
        if row.get("tools"):
            yield json.dumps(row["tools"], ensure_ascii=False)


# ---- token lengths ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LengthStats:
    n: int
    p50: int
    p95: int
    max: int
    completion_max: int


def length_stats(rows: list[dict[str, Any]], tokenizer: Any | None) -> LengthStats:
    """Token lengths of prompt+completion rows; with no tokenizer, estimated as characters / 4."""

    def count(messages: list[dict[str, str]], tools: str, generation: bool) -> int:
        if tokenizer is None:
            return math.ceil((sum(len(m["content"]) + 8 for m in messages) + len(tools or "")) / 4)
        encoded = tokenizer.apply_chat_template(
            messages, tools=json.loads(tools) if tools else None, add_generation_prompt=generation, tokenize=True
        )
        ids = encoded["input_ids"] if hasattr(encoded, "keys") else encoded
        return len(ids)

    totals, completions = [], []
    for row in rows:
        pc = to_prompt_completion(row)
        total = count(pc["prompt"] + pc["completion"], pc["tools"], False)
        prompt = count(pc["prompt"], pc["tools"], True)
        totals.append(total)
        completions.append(max(1, total - prompt))
    if not totals:
        return LengthStats(0, 0, 0, 0, 0)
    totals.sort()

    def pct(q: float) -> int:
        return totals[min(len(totals) - 1, int(q * len(totals)))]

    return LengthStats(len(totals), pct(0.5), pct(0.95), totals[-1], max(completions))
