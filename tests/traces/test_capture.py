"""Capture (S1) against a real local OpenAI/Anthropic-compatible HTTP server: sync, async, streaming, responses API,
Anthropic, LiteLLM; call-site ids must equal the static id of the calling line (first line of multi-line calls)."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest
from llm_server import LLMServer

import slmc
from slmc.ir.nodes import site_id
from slmc.traces.ingest import read_traces

openai = pytest.importorskip("openai")

HERE = Path(__file__).resolve().parent
SOURCE = Path(__file__).read_text(encoding="utf-8").splitlines()
TOOLS = [
    {
        "type": "function",
        "function": {"name": "route", "parameters": {"type": "object", "properties": {"queue": {"type": "string"}}}},
    }
]


def static_site(function: str, marker: str) -> str:
    """The id a static analysis gives the call whose first line carries ``# site: <marker>``."""
    (line,) = [i + 1 for i, text in enumerate(SOURCE) if text.rstrip().endswith(f"# site: {marker}")]
    return site_id(function, "test_capture.py", line)


@pytest.fixture(scope="module")
def server():
    with LLMServer() as srv:
        yield srv


@pytest.fixture
def client(server):
    return openai.OpenAI(base_url=server.url + "/v1", api_key="test", max_retries=0)


def records_of(path: Path) -> list:
    records, problems = read_traces([path])
    assert problems == []
    return records


# ---- the agent code under trace (call sites) ------------------------------------------------------------------------------
def classify(client, text):
    return client.chat.completions.create(  # site: sync
        model="gpt-4o-mini", messages=[{"role": "user", "content": text}], temperature=0
    )


def route(client, text):
    return client.chat.completions.create(  # site: multiline
        model="gpt-4o-mini",
        messages=[
            {"role": "system", "content": "Route the ticket."},
            {"role": "user", "content": text},
        ],
        tools=TOOLS,
    )


def ask_llm(client, text):
    return client.chat.completions.create(  # site: wrapper
        model="gpt-4o-mini", messages=[{"role": "user", "content": text}]
    )


def handle(client, text):
    return ask_llm(client, text)  # site: wrapper-call


def test_sync_chat_records_site_usage_latency_and_params(tmp_path, client):
    out = tmp_path / "t.jsonl"
    with slmc.trace(out, root=HERE) as t:
        answer = classify(client, "refund please")
    assert answer.choices[0].message.content == "echo: refund please"
    assert t.count == 1
    (rec,) = records_of(out)
    assert rec.site_id == static_site("classify", "sync")
    assert rec.source == "slmc" and rec.provider == "openai" and rec.model == "gpt-4o-mini"
    assert rec.messages == [{"role": "user", "content": "refund please"}]
    assert rec.params == {"temperature": 0}
    assert (rec.output, rec.finish_reason, rec.input_tokens, rec.output_tokens) == (
        "echo: refund please",
        "stop",
        11,
        5,
    )
    assert 0 < rec.latency_ms < 10_000 and rec.timestamp > 1.7e9
    assert rec.id == "chatcmpl-test" and rec.meta["api"] == "openai.chat"


def test_multiline_call_gets_first_line_and_tool_calls(tmp_path, client):
    out = tmp_path / "t.jsonl"
    with slmc.trace(out, root=HERE):
        route(client, "my card was charged twice")
    (rec,) = records_of(out)
    assert rec.site_id == static_site("route", "multiline")
    assert rec.tool_calls == [{"name": "route", "arguments": {"queue": "billing"}}]
    assert rec.finish_reason == "tool_calls" and rec.tools[0]["function"]["name"] == "route"
    assert rec.stack[0].end_line > rec.stack[0].line  # the call spans several lines


def test_stack_holds_outer_wrapper_call(tmp_path, client):
    out = tmp_path / "t.jsonl"
    with slmc.trace(out, root=HERE):
        handle(client, "hello")
    (rec,) = records_of(out)
    assert rec.site_id == static_site("ask_llm", "wrapper")
    inner, outer = rec.stack[0], rec.stack[1]
    assert site_id(outer.function, outer.path, outer.line) == static_site("handle", "wrapper-call")
    assert inner.path == "test_capture.py"


def test_errors_are_recorded_and_reraised(tmp_path, client):
    out = tmp_path / "t.jsonl"
    with slmc.trace(out, root=HERE), pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="fail", messages=[{"role": "user", "content": "x"}])  # site: error
    (rec,) = records_of(out)
    assert rec.error.startswith("BadRequestError: ") and "does not exist" in rec.error
    assert rec.finish_reason == "error" and rec.site_id == static_site("test_errors_are_recorded_and_reraised", "error")


def test_streaming_text_and_tool_call_deltas_are_reassembled(tmp_path, client):
    out = tmp_path / "t.jsonl"
    with slmc.trace(out, root=HERE):
        stream = client.chat.completions.create(  # site: stream-text
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "stream me"}],
            stream=True,
            stream_options={"include_usage": True},
        )
        assert isinstance(stream, openai.Stream)  # the SDK's own type
        text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
        with client.chat.completions.create(  # site: stream-tool
            model="gpt-4o-mini", messages=[{"role": "user", "content": "t"}], tools=TOOLS, stream=True
        ) as tool_stream:
            list(tool_stream)
    assert text == "echo: stream me"
    streamed, tooled = records_of(out)
    assert streamed.site_id == static_site("test_streaming_text_and_tool_call_deltas_are_reassembled", "stream-text")
    assert (streamed.output, streamed.finish_reason, streamed.input_tokens, streamed.output_tokens) == (
        text,
        "stop",
        11,
        5,
    )
    assert streamed.meta["stream"] is True and "stream_incomplete" not in streamed.meta
    assert tooled.site_id == static_site("test_streaming_text_and_tool_call_deltas_are_reassembled", "stream-tool")
    assert tooled.tool_calls == [{"name": "route", "arguments": {"queue": "billing"}}]
    assert tooled.finish_reason == "tool_calls"


def test_stream_closed_early_is_recorded_once(tmp_path, client):
    out = tmp_path / "t.jsonl"
    with slmc.trace(out, root=HERE):
        stream = client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "abcdefghi"}], stream=True
        )
        next(iter(stream))
        stream.close()
        stream.close()
    (rec,) = records_of(out)
    assert rec.meta["stream_incomplete"] is True


async def _async_calls(client):
    one = await client.chat.completions.create(  # site: await
        model="gpt-4o-mini", messages=[{"role": "user", "content": "a"}]
    )
    two, three = await asyncio.gather(
        client.chat.completions.create(  # site: gather
            model="gpt-4o-mini", messages=[{"role": "user", "content": "b"}]
        ),
        client.chat.completions.create(  # site: astream
            model="gpt-4o-mini", messages=[{"role": "user", "content": "c"}], stream=True
        ),
    )
    chunks = [c async for c in three]
    return one, two, chunks


def test_async_calls_gather_and_async_stream(tmp_path, server):
    client = openai.AsyncOpenAI(base_url=server.url + "/v1", api_key="test", max_retries=0)
    out = tmp_path / "t.jsonl"

    async def main():
        async with slmc.trace(out, root=HERE):
            return await _async_calls(client)

    asyncio.run(main())
    by_output = {r.output: r for r in records_of(out)}
    assert by_output["echo: a"].site_id == static_site("_async_calls", "await")
    assert by_output["echo: b"].site_id == static_site("_async_calls", "gather")
    assert by_output["echo: c"].site_id == static_site("_async_calls", "astream")
    assert by_output["echo: c"].meta["stream"] is True


def test_responses_api_sync_and_stream(tmp_path, client):
    out = tmp_path / "t.jsonl"
    with slmc.trace(out, root=HERE):
        resp = client.responses.create(model="gpt-4.1-mini", instructions="Be brief.", input="2+2?")  # site: responses
        events = list(client.responses.create(model="gpt-4.1-mini", input="again", stream=True))
    assert resp.output_text == "echo: 2+2?" and events
    plain, streamed = records_of(out)
    assert plain.site_id == static_site("test_responses_api_sync_and_stream", "responses")
    assert plain.messages == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "2+2?"}]
    assert (plain.output, plain.finish_reason, plain.input_tokens, plain.output_tokens) == ("echo: 2+2?", "stop", 9, 4)
    assert plain.meta["api"] == "openai.responses"
    assert streamed.output == "echo: again"


def test_anthropic_messages_create_stream_and_helper(tmp_path, server):
    anthropic = pytest.importorskip("anthropic")
    client = anthropic.Anthropic(base_url=server.url, api_key="test", max_retries=0)
    tools = [{"name": "route", "input_schema": {"type": "object", "properties": {"queue": {"type": "string"}}}}]
    out = tmp_path / "t.jsonl"
    with slmc.trace(out, root=HERE):
        msg = client.messages.create(  # site: anthropic
            model="claude-haiku-4-5",
            max_tokens=32,
            system="Route.",
            messages=[{"role": "user", "content": "hi"}],
            tools=tools,
        )
        list(
            client.messages.create(
                model="claude-haiku-4-5", max_tokens=32, messages=[{"role": "user", "content": "s"}], stream=True
            )
        )
        with client.messages.stream(  # site: helper
            model="claude-haiku-4-5", max_tokens=32, messages=[{"role": "user", "content": "h"}]
        ) as s:
            text = "".join(s.text_stream)
    assert msg.content[0].name == "route" and text == "echo: h"
    created, streamed, helper = records_of(out)
    assert created.site_id == static_site("test_anthropic_messages_create_stream_and_helper", "anthropic")
    assert created.provider == "anthropic" and created.messages[0] == {"role": "system", "content": "Route."}
    assert created.tool_calls == [{"name": "route", "arguments": {"queue": "billing"}}]
    assert (created.finish_reason, created.input_tokens, created.output_tokens) == ("tool_calls", 21, 6)
    assert (streamed.output, streamed.finish_reason, streamed.output_tokens) == ("echo: s", "stop", 6)
    assert helper.output == "echo: h" and helper.site_id == static_site(
        "test_anthropic_messages_create_stream_and_helper", "helper"
    )


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_litellm_completion_is_recorded_once(tmp_path, server):
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    litellm = pytest.importorskip("litellm")
    out = tmp_path / "t.jsonl"
    with slmc.trace(out, root=HERE):
        resp = litellm.completion(  # site: litellm
            model="openai/gpt-4o-mini",
            messages=[{"role": "user", "content": "lite"}],
            api_base=server.url + "/v1",
            api_key="test",
        )
    assert resp.choices[0].message.content == "echo: lite"
    (rec,) = records_of(out)  # the OpenAI SDK call inside LiteLLM is not recorded twice
    assert rec.provider == "litellm" and rec.output == "echo: lite"
    assert rec.site_id == static_site("test_litellm_completion_is_recorded_once", "litellm")
    assert "api_key" not in rec.params and "api_base" not in rec.params


def test_patches_are_removed_after_the_block(tmp_path, client):
    from openai.resources.chat.completions.completions import Completions

    before = Completions.create
    with slmc.trace(tmp_path / "t.jsonl", root=HERE):
        assert Completions.create is not before
    assert Completions.create is before
    classify(client, "not traced")
    assert (tmp_path / "t.jsonl").read_text() == ""


def test_calls_outside_the_root_have_no_site(tmp_path, client):
    out = tmp_path / "t.jsonl"
    with slmc.trace(out, root=tmp_path):  # this file is not under tmp_path
        classify(client, "x")
    (rec,) = records_of(out)
    assert rec.site_id is None and rec.stack == []
    assert json.loads(out.read_text())["source"] == "slmc"
