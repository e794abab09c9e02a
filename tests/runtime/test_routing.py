"""Routing against real local servers: adapter selection per target, SDK-shaped answers, fallbacks, within, async."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

import pytest

import slmc.runtime as runtime

from .servers import LABELS, SITE, Reply, chat_reply, messages, write_manifest


def _label_server(server_factory: Any, check: Any = None, answer: str = "billing", **reply: Any) -> Any:
    def respond(path: str, body: Any) -> Reply:
        if check is not None:
            problem = check(body)
            if problem:
                return Reply({"error": problem}, status=400)
        return Reply(chat_reply(answer, **reply))

    return server_factory(respond)


def _vllm_check(body: dict[str, Any]) -> str | None:
    if body.get("model") != "intent":
        return f"unknown model {body.get('model')!r}"  # vLLM: adapters are model ids
    return None


def _trtllm_check(body: dict[str, Any]) -> str | None:
    lora = body.get("lora_request") or {}
    if body.get("model") != "models/base-0":
        return "model must be the base"
    if (
        lora.get("lora_name") != "intent"
        or lora.get("lora_int_id") != 3
        or not str(lora.get("lora_path")).endswith("adapters/intent")
    ):
        return f"bad lora_request {lora!r}"
    return None


def _llamacpp_check(body: dict[str, Any]) -> str | None:
    if body.get("lora") != [{"id": 3, "scale": 1.0}]:
        return f"bad lora {body.get('lora')!r}"
    return None


@pytest.mark.parametrize(
    ("target", "check"), [("vllm", _vllm_check), ("tensorrt-llm", _trtllm_check), ("llamacpp", _llamacpp_check)]
)
def test_offload_selects_adapter_per_target_and_returns_chat_completion(
    tmp_path, server_factory, openai_client, fake_llm, target, check
):
    slm = _label_server(server_factory, check, answer=" Billing.")
    runtime.configure(write_manifest(tmp_path, slm.url, target=target))

    resp = runtime.call(
        SITE, "openai.chat", openai_client.chat.completions.create, model="gpt-4o", messages=messages("refund please")
    )

    from openai.types.chat import ChatCompletion

    assert isinstance(resp, ChatCompletion)
    assert resp.choices[0].message.content == "billing"  # canonical label from the contract
    assert resp.choices[0].finish_reason == "stop"
    assert fake_llm.requests == []  # the LLM was never asked
    sent = slm.bodies()[0]
    assert sent["messages"][-1] == {"role": "user", "content": "refund please"}
    assert sent["max_tokens"] == 16 and sent["temperature"] == 0.0
    s = runtime.stats()
    assert (s["calls"], s["served_by_slm"], s["fallback_total"]) == (1, 1, 0)


def test_adapter_rejected_by_server_falls_back(tmp_path, server_factory, openai_client, fake_llm):
    slm = _label_server(server_factory, _trtllm_check)  # expects lora_request; a vllm manifest sends model=intent
    runtime.configure(write_manifest(tmp_path, slm.url, target="vllm"))
    resp = runtime.call(
        SITE, "openai.chat", openai_client.chat.completions.create, model="gpt-4o", messages=messages("x")
    )
    assert resp.choices[0].message.content == "LLM: x"
    assert runtime.stats()["fallbacks"] == {"http-4xx": 1}


def test_no_manifest_passes_through_unchanged(openai_client, fake_llm):
    resp = runtime.call(
        SITE, "openai.chat", openai_client.chat.completions.create, model="gpt-4o", messages=messages("hi")
    )
    assert resp.choices[0].message.content == "LLM: hi"
    assert len(fake_llm.requests) == 1
    assert runtime.active_router() is None and runtime.stats()["calls"] == 0
    assert runtime.within("llm:main@agent.py:1", lambda a, b=2: (a, b), 1, b=3) == (1, 3)


def test_unknown_site_and_keep_and_mode_off_pass_through(
    tmp_path, server_factory, openai_client, fake_llm, monkeypatch
):
    slm = _label_server(server_factory)
    path = write_manifest(tmp_path, slm.url)
    runtime.configure(path)
    resp = runtime.call(
        "llm:other@agent.py:9", "openai.chat", openai_client.chat.completions.create, model="m", messages=messages("a")
    )
    assert resp.choices[0].message.content == "LLM: a"
    runtime.configure(write_manifest(tmp_path, slm.url, decision="keep"))
    assert (
        runtime.call(SITE, "openai.chat", openai_client.chat.completions.create, model="m", messages=messages("b"))
        .choices[0]
        .message.content
        == "LLM: b"
    )
    monkeypatch.setenv("SLMC_MODE", "off")
    runtime.configure(path)
    assert (
        runtime.call(SITE, "openai.chat", openai_client.chat.completions.create, model="m", messages=messages("c"))
        .choices[0]
        .message.content
        == "LLM: c"
    )
    assert slm.requests == [] and runtime.stats()["calls"] == 0


def test_manifest_from_env_is_loaded_on_first_call(tmp_path, server_factory, openai_client, monkeypatch):
    slm = _label_server(server_factory)
    monkeypatch.setenv("SLMC_MANIFEST", str(write_manifest(tmp_path, slm.url, name="m.json")))
    runtime.reset()
    resp = runtime.call(SITE, "openai.chat", openai_client.chat.completions.create, model="m", messages=messages("a"))
    assert resp.choices[0].message.content == "billing"


@pytest.mark.parametrize(
    ("reply", "fields", "reason"),
    [
        (Reply(chat_reply("refund")), {}, "contract"),  # not in the label set
        (Reply(chat_reply("billing", logprob=-2.0)), {"threshold": -0.5}, "low-confidence"),
        (Reply(chat_reply("billing", logprob=None)), {"threshold": -0.5}, "no-confidence"),
        (Reply(chat_reply("billing"), delay=1.0), {"timeout_s": 0.3}, "timeout"),
        (Reply({"error": "boom"}, status=503), {}, "http-5xx"),
        (Reply(b"{not json"), {}, "invalid-json"),
        (Reply({"object": "chat.completion"}), {}, "invalid-response"),
        (Reply(reset=True), {}, "connection"),
    ],
)
def test_failures_fall_back_to_the_llm(tmp_path, server_factory, openai_client, fake_llm, reply, fields, reason):
    slm = server_factory(lambda path, body: reply)
    runtime.configure(write_manifest(tmp_path, slm.url, **fields))
    resp = runtime.call(
        SITE, "openai.chat", openai_client.chat.completions.create, model="gpt-4o", messages=messages("hello")
    )
    assert resp.choices[0].message.content == "LLM: hello"
    assert runtime.stats()["fallbacks"] == {reason: 1}
    if "threshold" in fields:
        assert slm.bodies()[0]["logprobs"] is True


def test_confidence_above_threshold_is_served(tmp_path, server_factory, openai_client):
    slm = _label_server(server_factory, logprob=-0.1)
    runtime.configure(write_manifest(tmp_path, slm.url, threshold=-0.35))
    resp = runtime.call(SITE, "openai.chat", openai_client.chat.completions.create, model="m", messages=messages("a"))
    assert resp.choices[0].message.content == "billing"


def test_llm_exception_propagates_unchanged_on_fallback(tmp_path, server_factory):
    slm = server_factory(lambda path, body: Reply({"e": 1}, status=500))
    runtime.configure(write_manifest(tmp_path, slm.url))

    class RateLimited(Exception):
        pass

    def llm(**kwargs: Any) -> Any:
        raise RateLimited("429")

    with pytest.raises(RateLimited, match="429"):
        runtime.call(SITE, "openai.chat", llm, model="m", messages=messages("a"))
    s = runtime.stats()
    assert s["fallbacks"] == {"http-5xx": 1} and s["llm_errors"] == 1


def test_async_offload_and_fallback(tmp_path, server_factory, async_openai_client, fake_llm):
    answers = iter(["tech", "not-a-label"])
    slm = server_factory(lambda path, body: Reply(chat_reply(next(answers))))
    runtime.configure(write_manifest(tmp_path, slm.url))

    async def main() -> list[Any]:
        create = async_openai_client.chat.completions.create
        first = await runtime.acall(SITE, "openai.chat", create, model="m", messages=messages("one"))
        second = await runtime.acall(SITE, "openai.chat", create, model="m", messages=messages("two"))
        return [first, second]

    first, second = asyncio.run(main())
    assert first.choices[0].message.content == "tech"
    assert second.choices[0].message.content == "LLM: two"
    assert runtime.stats()["fallbacks"] == {"contract": 1}


def test_async_timeout_is_a_total_deadline(tmp_path, server_factory, async_openai_client):
    slm = server_factory(lambda path, body: Reply(chat_reply("tech"), delay=1.5))
    runtime.configure(write_manifest(tmp_path, slm.url, timeout_s=0.3))
    resp = asyncio.run(
        runtime.acall(
            SITE, "openai.chat", async_openai_client.chat.completions.create, model="m", messages=messages("z")
        )
    )
    assert resp.choices[0].message.content == "LLM: z"
    assert runtime.stats()["fallbacks"] == {"timeout": 1}


def test_tool_call_contract_and_sdk_access(tmp_path, server_factory, openai_client, fake_llm):
    tools = [
        {
            "type": "function",
            "function": {
                "name": "route",
                "parameters": {
                    "type": "object",
                    "properties": {"queue": {"enum": ["billing", "tech"]}},
                    "required": ["queue"],
                },
            },
        }
    ]
    replies = iter(
        [
            Reply(chat_reply(tool_calls=[{"name": "route", "arguments": {"queue": "billing"}}])),
            Reply(chat_reply(json.dumps({"name": "route", "arguments": {"queue": "tech"}}))),  # written as text
            Reply(chat_reply(tool_calls=[{"name": "route", "arguments": {"queue": "sales"}}])),  # schema violation
            Reply(chat_reply(tool_calls=[{"name": "delete_all", "arguments": {}}])),  # unknown tool
        ]
    )
    slm = server_factory(lambda path, body: next(replies))
    runtime.configure(write_manifest(tmp_path, slm.url, contract={"kind": "tool-call", "tools": []}))
    create = openai_client.chat.completions.create
    results = [
        runtime.call(SITE, "openai.chat", create, model="m", messages=messages(f"t{i}"), tools=tools) for i in range(4)
    ]

    call = results[0].choices[0].message.tool_calls[0]
    assert call.function.name == "route" and json.loads(call.function.arguments) == {"queue": "billing"}
    assert results[0].choices[0].finish_reason == "tool_calls"
    assert json.loads(results[1].choices[0].message.tool_calls[0].function.arguments) == {"queue": "tech"}
    assert [r.choices[0].message.content for r in results[2:]] == ["LLM: t2", "LLM: t3"]
    assert slm.bodies()[0]["tools"] == tools
    assert runtime.stats()["fallbacks"] == {"contract": 2}


def test_json_contract_with_schema(tmp_path, server_factory, openai_client):
    schema = {
        "type": "object",
        "properties": {"intent": {"type": "string"}, "urgent": {"type": "boolean"}},
        "required": ["intent", "urgent"],
    }
    replies = iter(
        [
            Reply(chat_reply('```json\n{"intent": "refund", "urgent": true}\n```')),
            Reply(chat_reply('{"intent": "refund"}')),
        ]
    )
    slm = server_factory(lambda path, body: next(replies))
    runtime.configure(write_manifest(tmp_path, slm.url, contract={"kind": "json", "schema": schema}))
    create = openai_client.chat.completions.create
    ok = runtime.call(
        SITE, "openai.chat", create, model="m", messages=messages("a"), response_format={"type": "json_object"}
    )
    assert json.loads(ok.choices[0].message.content) == {"intent": "refund", "urgent": True}  # unfenced for json.loads
    bad = runtime.call(SITE, "openai.chat", create, model="m", messages=messages("b"))
    assert bad.choices[0].message.content == "LLM: b"
    assert slm.bodies()[0]["response_format"] == {"type": "json_object"}


def test_streaming_returns_sdk_chunks(tmp_path, server_factory, openai_client):
    slm = _label_server(server_factory, answer="tech")
    runtime.configure(write_manifest(tmp_path, slm.url))
    stream = runtime.call(
        SITE, "openai.chat", openai_client.chat.completions.create, model="m", messages=messages("a"), stream=True,
        stream_options={"include_usage": True},
    )  # fmt: skip
    from openai.types.chat import ChatCompletionChunk

    with stream as chunks:
        received = list(chunks)
    assert all(isinstance(c, ChatCompletionChunk) for c in received)
    text = "".join(c.choices[0].delta.content or "" for c in received if c.choices)
    assert text == "tech"
    assert [c.choices[0].finish_reason for c in received if c.choices] == [None, "stop"]
    assert received[-1].usage.total_tokens == 13


def test_within_routes_inner_request_under_the_wrapper_call_site(tmp_path, server_factory, openai_client, fake_llm):
    wrapper_site = "llm:main@agent.py:30"
    inner_site = "llm:ask_llm@agent.py:10"
    slm = _label_server(server_factory, answer="other")
    sites = {
        wrapper_site: {
            "decision": "offload",
            "api": "openai.chat",
            "endpoint": "base-0",
            "adapter": {"name": "intent"},
            "contract": {"kind": "label", "labels": LABELS},
        },
        inner_site: {"decision": "keep", "api": "openai.chat"},
    }
    runtime.configure(write_manifest(tmp_path, slm.url, sites=sites))

    def ask_llm(prompt: str) -> str:
        resp = runtime.call(
            inner_site, "openai.chat", openai_client.chat.completions.create, model="m", messages=messages(prompt)
        )
        return resp.choices[0].message.content

    assert ask_llm("direct") == "LLM: direct"  # the inner site alone is `keep`
    assert runtime.within(wrapper_site, ask_llm, "via wrapper") == "other"

    # the context is per thread: another thread running the wrapper body without within() is not routed
    seen: list[str] = []

    def in_thread() -> None:
        seen.append(ask_llm("thread"))

    def run_within() -> str:
        thread = threading.Thread(target=in_thread)
        thread.start()
        thread.join()
        return ask_llm("same thread")

    assert runtime.within(wrapper_site, run_within) == "other"
    assert seen == ["LLM: thread"]
    assert runtime.stats()["by_site"] == {wrapper_site: {"calls": 2, "slm": 2}}


def test_awithin_context_follows_asyncio_tasks(tmp_path, server_factory, async_openai_client, fake_llm):
    wrapper_site = "llm:main@agent.py:30"
    slm = _label_server(server_factory, answer="tech")
    sites = {
        wrapper_site: {
            "decision": "offload",
            "api": "openai.chat",
            "endpoint": "base-0",
            "adapter": {"name": "intent"},
            "contract": {"kind": "label", "labels": LABELS},
        }
    }
    runtime.configure(write_manifest(tmp_path, slm.url, sites=sites))

    async def ask(prompt: str) -> str:
        resp = await runtime.acall(
            "llm:ask@agent.py:5",
            "openai.chat",
            async_openai_client.chat.completions.create,
            model="m",
            messages=messages(prompt),
        )
        return resp.choices[0].message.content

    async def fan_out() -> list[str]:
        return list(await asyncio.gather(*(asyncio.create_task(ask(f"p{i}")) for i in range(3))))

    async def main() -> tuple[list[str], str]:
        routed = await runtime.awithin(wrapper_site, fan_out)
        plain = await ask("outside")
        return routed, plain

    routed, plain = asyncio.run(main())
    assert routed == ["tech", "tech", "tech"]
    assert plain == "LLM: outside"


def test_text_wrapper_site_served_from_template(tmp_path, server_factory, openai_client, fake_llm):
    wrapper_site = "llm:main@agent.py:30"
    slm = _label_server(server_factory, answer="'Tech'")
    template = [
        {"role": "system", "content": "Classify into {labels}."},
        {"role": "user", "content": "Ticket: {ticket}"},
    ]
    sites = {
        wrapper_site: {
            "decision": "offload", "api": "text", "endpoint": "base-0", "adapter": {"name": "intent"},
            "contract": {"kind": "label", "labels": LABELS}, "prompt_template": template,
        }
    }  # fmt: skip
    runtime.configure(write_manifest(tmp_path, slm.url, sites=sites))
    inner_calls: list[str] = []

    def classify(ticket: str, labels: str = "billing, tech, other") -> str:
        inner_calls.append(ticket)
        resp = runtime.call(
            "llm:classify@agent.py:12",
            "openai.chat",
            openai_client.chat.completions.create,
            model="m",
            messages=messages(ticket),
        )
        return resp.choices[0].message.content

    assert runtime.within(wrapper_site, classify, "my wifi is down") == "tech"
    assert inner_calls == []  # served without running the wrapper
    assert slm.bodies()[0]["messages"] == [
        {"role": "system", "content": "Classify into billing, tech, other."},
        {"role": "user", "content": "Ticket: my wifi is down"},
    ]


def test_text_wrapper_fallback_runs_wrapper_without_rerouting(tmp_path, server_factory, openai_client, fake_llm):
    wrapper_site = "llm:main@agent.py:30"
    slm = _label_server(server_factory, answer="no idea")
    sites = {
        wrapper_site: {
            "decision": "offload",
            "api": "text",
            "endpoint": "base-0",
            "adapter": {"name": "intent"},
            "contract": {"kind": "label", "labels": LABELS},
        }
    }
    runtime.configure(write_manifest(tmp_path, slm.url, sites=sites))

    def classify(ticket: str) -> str:
        resp = runtime.call(
            "llm:classify@agent.py:12",
            "openai.chat",
            openai_client.chat.completions.create,
            model="m",
            messages=messages(ticket),
        )
        return resp.choices[0].message.content

    assert runtime.within(wrapper_site, classify, "hmm") == "LLM: hmm"
    assert len(slm.requests) == 1  # the inner request was not routed a second time
    assert runtime.stats()["fallbacks"] == {"contract": 1}


def test_anthropic_messages_shape(tmp_path, server_factory, fake_llm):
    anthropic = pytest.importorskip("anthropic")
    client = anthropic.Anthropic(base_url=fake_llm.url, api_key="sk-test", max_retries=0)
    slm = _label_server(server_factory, answer="billing")
    runtime.configure(write_manifest(tmp_path, slm.url, api="anthropic.messages"))
    resp = runtime.call(
        SITE, "anthropic.messages", client.messages.create, model="claude-x", max_tokens=64, system="Classify the ticket.",
        messages=[{"role": "user", "content": [{"type": "text", "text": "refund"}]}],
    )  # fmt: skip
    assert isinstance(resp, anthropic.types.Message)
    assert resp.content[0].text == "billing" and resp.stop_reason == "end_turn"
    assert slm.bodies()[0]["messages"] == messages("refund")
    fallback = runtime.call(
        SITE,
        "anthropic.messages",
        client.messages.create,
        model="claude-x",
        max_tokens=64,
        messages=[{"role": "user", "content": "x"}],
        stream=True,
    )
    assert runtime.stats()["fallbacks"] == {"unsupported": 1}
    assert fallback is not None


def test_responses_and_completions_shapes(tmp_path, server_factory, openai_client):
    slm = _label_server(server_factory, answer="tech")
    runtime.configure(write_manifest(tmp_path, slm.url))
    resp = runtime.call(
        SITE,
        "openai.responses",
        openai_client.responses.create,
        model="m",
        instructions="Classify the ticket.",
        input="wifi down",
    )
    assert resp.output_text == "tech"
    assert slm.bodies()[-1]["messages"] == messages("wifi down")
    comp = runtime.call(SITE, "openai.completions", openai_client.completions.create, model="m", prompt="Ticket: wifi")
    assert comp.choices[0].text == "tech"
    assert slm.bodies()[-1]["messages"] == [{"role": "user", "content": "Ticket: wifi"}]


def test_image_input_is_unsupported_and_falls_back(tmp_path, server_factory, openai_client):
    slm = _label_server(server_factory)
    runtime.configure(write_manifest(tmp_path, slm.url))
    content = [
        {"type": "text", "text": "what is this"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AA"}},
    ]
    resp = runtime.call(
        SITE,
        "openai.chat",
        openai_client.chat.completions.create,
        model="m",
        messages=[{"role": "user", "content": content}],
    )
    assert resp.choices[0].message.content.startswith("LLM: ")
    assert slm.requests == [] and runtime.stats()["fallbacks"] == {"unsupported": 1}
