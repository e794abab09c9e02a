"""Per-task datasets in the OpenAI fine-tuning format, and their prompt/completion form."""

from __future__ import annotations

import json

import pytest

from slmc.errors import SlmcError
from slmc.traces.record import TraceRecord
from slmc.training import datasets as ds

TOOLS = [{"type": "function", "function": {"name": "route", "parameters": {"type": "object"}}}]


def tool_record(split: str = "train") -> TraceRecord:
    return TraceRecord(
        id="t1",
        messages=[{"role": "user", "content": [{"type": "text", "text": "refund please"}]}],
        tools=TOOLS,
        tool_calls=[{"name": "route", "arguments": {"queue": "billing"}}],
        split=split,
        task="task:route",
        label=[{"route": {"queue": ["billing"]}}],
    )


def test_tool_calls_become_assistant_tool_calls():
    row = ds.record_to_row(tool_record())
    assert row["tools"] == TOOLS
    answer = row["messages"][-1]
    assert answer["role"] == "assistant" and answer["content"] is None
    call = answer["tool_calls"][0]
    assert call["type"] == "function" and call["function"]["name"] == "route"
    assert json.loads(call["function"]["arguments"]) == {"queue": "billing"}  # a JSON string, as OpenAI wants
    pc = ds.to_prompt_completion(row)
    assert pc["prompt"] == [{"role": "user", "content": "refund please"}]
    assert json.loads(pc["completion"][0]["content"]) == [{"name": "route", "arguments": {"queue": "billing"}}]
    assert json.loads(pc["tools"]) == TOOLS
    assert ds.reference_answer(row) == tool_record().answer_text()


def test_records_without_answers_are_dropped_and_splits_kept(tmp_path, weather):
    broken = TraceRecord(id="e", messages=[{"role": "user", "content": "x"}], error="timeout", task="task:weather")
    other = TraceRecord(id="o", messages=[{"role": "user", "content": "x"}], output="y", task="task:other")
    data = ds.build_task_dataset([*weather, broken, other, tool_record()], "task:weather")
    assert data.dropped == 1
    assert data.counts() == {"train": 150, "validation": 50, "test": 50}
    paths = ds.write_task_dataset(data, tmp_path / "weather")
    rows = ds.read_jsonl(paths["test"])
    meta = ds.read_meta(paths["test"])
    assert len(rows) == len(meta) == 50
    assert meta[0]["label"] == json.loads(rows[0]["messages"][-1]["content"])
    assert set(rows[0]) == {"messages"}  # no tools key when the call offered none
    assert json.loads(ds.to_prompt_completion(rows[0])["tools"]) is None


def test_records_without_split_train(tmp_path):
    record = tool_record(split=None)
    data = ds.build_task_dataset([record], "task:route")
    assert data.counts()["train"] == 1


def test_bad_jsonl_names_file_and_line(tmp_path):
    path = tmp_path / "train.jsonl"
    path.write_text('{"messages": []}\n{oops\n')
    with pytest.raises(SlmcError) as err:
        ds.read_jsonl(path)
    assert err.value.line == 2 and err.value.path == str(path)
    with pytest.raises(SlmcError):
        ds.read_jsonl(tmp_path / "missing.jsonl")
    with pytest.raises(SlmcError):
        ds.to_prompt_completion({"messages": [{"role": "user", "content": "no answer"}]})


def test_length_stats_estimate_without_tokenizer(weather):
    data = ds.build_task_dataset(weather, "task:weather")
    stats = ds.length_stats(data.rows["train"], None)
    assert stats.n == 150 and 0 < stats.p50 <= stats.p95 <= stats.max
    assert 0 < stats.completion_max < stats.max
